// CopyRowWriter: the exact bytes of a COPY text-format row (PostgreSQL's COPY docs, "Text
// Format": tab-separated, \N for NULL, backslash escapes for backslash, tab, newline, CR), and
// CopyTextReader: those rows decoded again (round trips through the writer, and the escapes
// PostgreSQL's documentation lists that the writer never produces), whatever the chunking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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


// A decoded row: each field's text, std::nullopt for NULL.
using Fields = std::vector<std::optional<std::string>>;

// Every row of `stream` decoded by one reader fed `chunk` bytes at a time; a failing Feed or
// Finish is a test failure.
std::vector<Fields> Decode(std::string_view stream, std::size_t chunk) {
  std::vector<Fields> rows;
  CopyTextReader reader;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const Status s = reader.Feed(stream.substr(at, chunk), [&](const CopyTextReader::Row& r) {
      Fields& f = rows.emplace_back();
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (r.IsNull(i)) {
          EXPECT_EQ(r[i], "");
          f.emplace_back(std::nullopt);
        } else {
          f.emplace_back(std::string(r[i]));
        }
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  const Status s = reader.Finish();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return rows;
}

// `rows` written by CopyRowWriter (Text, or Null for std::nullopt).
std::string Encode(const std::vector<Fields>& rows) {
  std::string out;
  for (const Fields& f : rows) {
    CopyRowWriter w(out);
    for (const auto& v : f) {
      if (v) {
        w.Text(*v);
      } else {
        w.Null();
      }
    }
    w.End();
  }
  return out;
}

std::vector<Fields> RoundTripRows() {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  constexpr std::string_view kPattern = "ab\\\t\n\rcd";  // escaped characters among others
  std::string long_field;
  for (std::size_t i = 0; i < 100'000; ++i) long_field.push_back(kPattern[i % kPattern.size()]);
  return {
      {every_byte},
      {std::string("x"), std::nullopt, std::string(""), std::string("\\N"), std::string("N")},
      {std::string("")},
      {std::nullopt},
      {std::string(""), std::string("")},
      {std::string("\t\t"), std::string("\n"), std::string("\r\n"), std::string("\\\\"),
       std::string("a\\")},
      {long_field, std::string("after"), long_field},
      {std::string("\\x41\\101\\b"), std::string(1, '\0') + "nul"},
      {std::string("last")},
  };
}

TEST(CopyTextReader, DecodesWhatCopyRowWriterWrites) {
  const std::vector<Fields> rows = RoundTripRows();
  const std::string stream = Encode(rows);
  EXPECT_EQ(Decode(stream, stream.size()), rows);
}

TEST(CopyTextReader, RowsSplitOverChunksAnywhereDecodeTheSame) {
  const std::vector<Fields> rows = RoundTripRows();
  const std::string stream = Encode(rows);
  // One byte at a time splits every escape, tab and newline; the others land anywhere, and 7
  // and 4093 put several rows, or part of the long ones, in one chunk.
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7},
                            std::size_t{4093}, std::size_t{65'536}})
    EXPECT_EQ(Decode(stream, chunk), rows) << "chunks of " << chunk;
}

TEST(CopyTextReader, DecodesTheEscapesPostgresDocuments) {
  // \b \f \n \r \t \v; \x with one or two hex digits (either case); octal with one to three
  // digits; a backslash before any other character is that character.
  const std::string stream =
      "\\b\\f\\n\\r\\t\\v\t\\x4\\x41\\x4a\\x4Ag\t\\7\\101\\1012\\0\\08\t\\q\\\\\\.\\Nx\n";
  const std::vector<Fields> want = {{std::string("\b\f\n\r\t\v"),
                                     std::string(1, '\x04') + "AJJg",
                                     std::string("\aAA2") + std::string(1, '\0') +
                                         std::string(1, '\0') + "8",
                                     std::string("q\\.Nx")}};
  EXPECT_EQ(Decode(stream, stream.size()), want);
}

TEST(CopyTextReader, EscapesWithoutTheirDigitsStandForThemselves) {
  // \x without a hex digit is "x"; a lone backslash at the end of a field stays a backslash.
  const std::string stream = "\\xg\\x\ta\\\n";
  const std::vector<Fields> want = {{std::string("xgx"), std::string("a\\")}};
  EXPECT_EQ(Decode(stream, 1), want);
  EXPECT_EQ(Decode(stream, stream.size()), want);
}

TEST(CopyTextReader, OnlyAWholeFieldOfBackslashNIsNull) {
  const std::vector<Fields> want = {
      {std::nullopt, std::string("\\N"), std::string("N"), std::string("\\Nx"),
       std::string("x\\N")}};
  EXPECT_EQ(Decode("\\N\t\\\\N\tN\t\\\\Nx\tx\\\\N\n", 5), want);
}

TEST(CopyTextReader, ATruncatedStreamFailsAtFinish) {
  CopyTextReader reader;
  int rows = 0;
  auto count = [&](const CopyTextReader::Row&) {
    ++rows;
    return Status::Ok();
  };
  ASSERT_TRUE(reader.Feed("1\ta\n2\tb", count).ok());
  EXPECT_EQ(rows, 1);
  const Status s = reader.Finish();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("truncated"));
  ASSERT_TRUE(reader.Feed("\n", count).ok());  // the rest of the row arrives after all
  EXPECT_EQ(rows, 2);
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(CopyTextReader, TheCallbacksErrorStopsTheFeed) {
  CopyTextReader reader;
  std::vector<std::string> seen;
  const Status s = reader.Feed("a\nb\nc\n", [&](const CopyTextReader::Row& r) {
    seen.emplace_back(r[0]);
    return seen.size() == 2 ? InvalidArgument("stop") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace clv::storage::postgres
