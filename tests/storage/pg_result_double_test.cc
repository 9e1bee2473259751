// PgResult::Double: the value strtod gives for every float8 text PostgreSQL sends (shortest
// round-trip digits, exponents, subnormals, "NaN", "Infinity"), NaN for NULL. The results are
// built client-side (PQmakeEmptyPGresult/PQsetvalue), so no server is needed.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/postgres/pg.h"

namespace clv::storage::postgres {
namespace {

// One text column holding `values` (nullptr: NULL), one row each.
PgResult Column(const std::vector<const char*>& values) {
  PGresult* r = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  PGresAttDesc att{};
  att.name = const_cast<char*>("v");
  att.typid = 701;  // float8
  att.typlen = 8;
  att.atttypmod = -1;
  EXPECT_TRUE(PQsetResultAttrs(r, 1, &att));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const char* v = values[i];
    EXPECT_TRUE(PQsetvalue(r, static_cast<int>(i), 0, const_cast<char*>(v),
                           v ? static_cast<int>(std::string(v).size()) : -1));
  }
  return PgResult(r);
}

std::uint64_t Bits(double v) { return std::bit_cast<std::uint64_t>(v); }

TEST(PgResultDoubleTest, EqualsStrtodOnFloat8Texts) {
  const std::vector<const char*> texts = {
      "0", "-0", "1", "-1", "0.1", "0.8", "3.141592653589793", "1e+100", "1e-100",
      "1.7976931348623157e+308", "2.2250738585072014e-308", "5e-324", "4.9406564584124654e-324",
      "2.225073858507201e-308", "123456789012345680000", "9007199254740993", "0.30000000000000004",
      "-2.5e-05", "1E5", "Infinity", "-Infinity"};
  PgResult r = Column(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const double got = r.Double(static_cast<int>(i), 0);
    EXPECT_EQ(Bits(got), Bits(std::strtod(texts[i], nullptr))) << texts[i];
  }
}

TEST(PgResultDoubleTest, NanAndNull) {
  PgResult r = Column({"NaN", nullptr});
  EXPECT_TRUE(std::isnan(r.Double(0, 0)));
  EXPECT_TRUE(std::isnan(r.Double(1, 0)));
}

// Seeded random bit patterns printed as PostgreSQL does (shortest round trip, %.17g as older
// servers with extra_float_digits = 3) and with fewer digits (rounding cases): strtod's value.
TEST(PgResultDoubleTest, EqualsStrtodOnRandomDoubles) {
  std::mt19937_64 rng(20261126);
  std::vector<std::string> texts;
  while (texts.size() < 30000) {
    const double v = std::bit_cast<double>(rng());
    if (!std::isfinite(v)) continue;
    char buf[64];
    for (const char* format : {"%.17g", "%.15g", "%.6g"}) {
      std::snprintf(buf, sizeof buf, format, v);
      texts.emplace_back(buf);
    }
  }
  std::vector<const char*> ptrs;
  for (const std::string& t : texts) ptrs.push_back(t.c_str());
  PgResult r = Column(ptrs);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    ASSERT_EQ(Bits(r.Double(static_cast<int>(i), 0)), Bits(std::strtod(ptrs[i], nullptr)))
        << texts[i];
  }
}

// Text from_chars does not take whole falls back to strtod, which reads the longest prefix.
TEST(PgResultDoubleTest, OtherTextIsStrtodsReading) {
  const std::vector<const char*> texts = {"+1.5", "0x1p3", "1e400", "-1e400", "2.5abc", ""};
  PgResult r = Column(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(Bits(r.Double(static_cast<int>(i), 0)), Bits(std::strtod(texts[i], nullptr)))
        << texts[i];
  }
}

}  // namespace
}  // namespace clv::storage::postgres
