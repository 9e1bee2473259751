// CopyRowWriter: the exact bytes of a COPY text-format row (PostgreSQL's COPY docs, "Text
// Format": tab-separated, \N for NULL, backslash escapes for backslash, tab, newline, CR).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "storage/postgres/pg.h"

namespace clv::storage::postgres {
namespace {

TEST(CopyRowWriter, SeparatesFieldsByTabsAndEndsWithNewline) {
  std::string out = "prefix\n";
  CopyRowWriter(out).Int(7).Text("a").Null().Raw("order").Int(-42).End();
  EXPECT_EQ(out, "prefix\n7\ta\t\\N\torder\t-42\n");
}

TEST(CopyRowWriter, EscapesTextButNotRaw) {
  std::string out;
  CopyRowWriter(out).Text("a\\b\tc\nd\re").Raw("x\\N").End();
  EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re\tx\\N\n");
}

TEST(CopyRowWriter, EmptyTextIsAnEmptyFieldNotNull) {
  std::string out;
  CopyRowWriter(out).Text("").Text("").End();
  EXPECT_EQ(out, "\t\n");
}

TEST(CopyRowWriter, WritesInt64Extremes) {
  std::string out;
  CopyRowWriter(out)
      .Int(std::numeric_limits<std::int64_t>::min())
      .Int(std::numeric_limits<std::int64_t>::max())
      .End();
  EXPECT_EQ(out, "-9223372036854775808\t9223372036854775807\n");
}

TEST(CopyRowWriter, RowsAppendOneAfterAnother) {
  std::string out;
  CopyRowWriter(out).Int(1).Text("x").End();
  CopyRowWriter(out).Int(2).Text("y").End();
  EXPECT_EQ(out, "1\tx\n2\ty\n");
}

}  // namespace
}  // namespace clv::storage::postgres
