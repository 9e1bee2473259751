#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace clv::ingest {
namespace {

struct Row {
  std::vector<std::string> fields;
  std::vector<std::int64_t> lines;
  friend bool operator==(const Row&, const Row&) = default;
};

struct Parsed {
  std::vector<Row> rows;
  Status status;
};

// Feeds `text` in the given pieces (sizes), then finishes.
Parsed ReadSplit(std::string_view text, const std::vector<std::size_t>& cuts,
                 CsvOptions options = {}) {
  CsvReader reader(options);
  Parsed out;
  auto sink = [&](const CsvRecord& r) {
    Row row;
    for (std::size_t i = 0; i < r.size(); ++i) {
      row.fields.emplace_back(r.field(i));
      row.lines.push_back(r.field_line(i));
    }
    out.rows.push_back(std::move(row));
    return Status::Ok();
  };
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    out.status = reader.Feed(text.substr(pos, cut - pos), sink);
    pos = cut;
    if (!out.status.ok()) return out;
  }
  out.status = reader.Feed(text.substr(pos), sink);
  if (out.status.ok()) out.status = reader.Finish(sink);
  return out;
}

Parsed Read(std::string_view text, CsvOptions options = {}) { return ReadSplit(text, {}, options); }

std::vector<std::vector<std::string>> Fields(const Parsed& p) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : p.rows) out.push_back(r.fields);
  return out;
}

using Table = std::vector<std::vector<std::string>>;

TEST(CsvReaderTest, PlainRecordsWithLfAndCrlf) {
  auto p = Read("a,b,c\n1,2,3\r\n4,,6");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(Fields(p), (Table{{"a", "b", "c"}, {"1", "2", "3"}, {"4", "", "6"}}));
  EXPECT_EQ(p.rows[2].lines, (std::vector<std::int64_t>{3, 3, 3}));
}

TEST(CsvReaderTest, QuotedFieldsWithEscapesDelimitersAndNewlines) {
  auto p = Read("id,note\n1,\"say \"\"hi\"\", ok\"\n2,\"two\r\nlines\"\n3,\"\"\n");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(Fields(p), (Table{{"id", "note"}, {"1", "say \"hi\", ok"}, {"2", "two\r\nlines"},
                              {"3", ""}}));
  // Record 4 starts on physical line 5 because record 3's field spans two lines.
  EXPECT_EQ(p.rows[3].lines, (std::vector<std::int64_t>{5, 5}));
}

TEST(CsvReaderTest, ByteOrderMarkIsDroppedOnlyAtTheStart) {
  auto p = Read("\xEF\xBB\xBFid,x\n\xEF\xBB\xBF,1\n");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(Fields(p), (Table{{"id", "x"}, {"\xEF\xBB\xBF", "1"}}));
  // A prefix of a BOM that is not one is data.
  auto q = Read("\xEF\xBBx,y\n");
  ASSERT_TRUE(q.status.ok());
  EXPECT_EQ(Fields(q), (Table{{"\xEF\xBBx", "y"}}));
  auto r = Read("\xEF");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Fields(r), (Table{{"\xEF"}}));
}

TEST(CsvReaderTest, BlankLinesAndLoneCrAndTrailingDelimiter) {
  auto p = Read("a,b\n\n\r\n1,2\r3,4\n5,\n\"\"\n");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(Fields(p), (Table{{"a", "b"}, {"1", "2"}, {"3", "4"}, {"5", ""}, {""}}));
  EXPECT_EQ(p.rows[1].lines[0], 4);
  EXPECT_EQ(p.rows[2].lines[0], 5);
  auto q = Read("a,b\n1,");
  ASSERT_TRUE(q.status.ok());
  EXPECT_EQ(Fields(q), (Table{{"a", "b"}, {"1", ""}}));
  EXPECT_EQ(q.rows[1].lines, (std::vector<std::int64_t>{2, 2}));
  EXPECT_TRUE(Read("").rows.empty());
}

TEST(CsvReaderTest, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(Read("a,b\n1,x\"y\n").status.message(),
            "line 2, column 2: quote inside an unquoted field (quote the whole field and write "
            "a quote inside it as \"\")");
  EXPECT_EQ(Read("a,b\n1,\"x\"y\n").status.message(),
            "line 2, column 2: unexpected character after a closing quote (a quote inside a "
            "quoted field is written \"\")");
  EXPECT_EQ(Read("a,b\n1,2\n3,\"open\nstill open\n").status.message(),
            "line 3, column 2: quoted field is not closed before the end of the input");
}

TEST(CsvReaderTest, LimitsAreEnforced) {
  CsvOptions small;
  small.max_field_bytes = 8;
  small.max_columns = 3;
  small.max_record_bytes = 20;
  EXPECT_TRUE(Read("12345678,a\n", small).status.ok());
  EXPECT_EQ(Read("a\n123456789\n", small).status.message(),
            "line 2, column 1: field is longer than 8 bytes");
  EXPECT_EQ(Read("a\n\"12345\n6789\"\n", small).status.message(),
            "line 2, column 1: field is longer than 8 bytes");
  EXPECT_EQ(Read("a,b,c,d\n", small).status.message(), "line 1, column 4: more than 3 columns");
  EXPECT_EQ(Read("1234567,1234567,1234567\n", small).status.message(),
            "line 1, column 3: record is longer than 20 bytes");
  // The default field limit is 64 KiB: a huge field is an error, not a memory blow-up.
  std::string huge = "a\n" + std::string(64 * 1024 + 1, 'x') + "\n";
  EXPECT_EQ(Read(huge).status.message(), "line 2, column 1: field is longer than 65536 bytes");
  std::string ok = "a\n" + std::string(64 * 1024, 'x') + "\n";
  EXPECT_TRUE(Read(ok).status.ok());
}

TEST(CsvReaderTest, ErrorsAreStickyAndCallbackErrorsStop) {
  CsvReader reader;
  int calls = 0;
  auto sink = [&](const CsvRecord&) {
    ++calls;
    return calls == 2 ? InvalidArgument("stop here") : Status::Ok();
  };
  EXPECT_EQ(reader.Feed("a\nb\nc\n", sink).message(), "stop here");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(reader.Feed("d\n", sink).message(), "stop here");
  EXPECT_EQ(calls, 2);
}

TEST(CsvReaderTest, EveryChunkSplitGivesTheSameRecords) {
  const std::string text =
      "\xEF\xBB\xBFid,customer_id,note\r\n"
      "1,c1,\"multi\r\nline, \"\"quoted\"\"\"\r\n"
      "\r\n"
      "2,c2,plain\r"
      "3,,\"\"\n"
      "4,c4,last";
  const Parsed whole = Read(text);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_EQ(whole.rows.size(), 5u);
  // Byte by byte.
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < text.size(); ++i) every.push_back(i);
  Parsed bytewise = ReadSplit(text, every);
  ASSERT_TRUE(bytewise.status.ok());
  EXPECT_EQ(bytewise.rows, whole.rows);
  // One cut at every position, and two cuts at every pair.
  for (std::size_t i = 0; i <= text.size(); ++i) {
    Parsed p = ReadSplit(text, {i});
    ASSERT_TRUE(p.status.ok()) << i;
    ASSERT_EQ(p.rows, whole.rows) << "cut at " << i;
    for (std::size_t j = i; j <= text.size(); ++j) {
      Parsed q = ReadSplit(text, {i, j});
      ASSERT_EQ(q.rows, whole.rows) << "cuts at " << i << ", " << j;
    }
  }
  // Random splits (seeded).
  std::mt19937 rng(2024);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 0;;) {
      pos += 1 + rng() % 7;
      if (pos >= text.size()) break;
      cuts.push_back(pos);
    }
    ASSERT_EQ(ReadSplit(text, cuts).rows, whole.rows) << "round " << round;
  }
}

TEST(CsvReaderTest, ErrorsAreTheSameForEverySplit) {
  const std::string text = "a,b\n1,\"x\ny\"\n2,\"unterminated\n";
  const Parsed whole = Read(text);
  ASSERT_EQ(whole.status.message(),
            "line 4, column 2: quoted field is not closed before the end of the input");
  for (std::size_t i = 0; i <= text.size(); ++i)
    EXPECT_EQ(ReadSplit(text, {i}).status, whole.status) << i;
}

TEST(CsvReaderTest, SpecialBytesAtEveryOffsetOfALongUnquotedRun) {
  // The unquoted scan looks at eight bytes at a time; put each special byte at each offset.
  for (std::size_t offset = 1; offset < 24; ++offset) {  // 0: a blank line, a quoted field
    const std::string head(offset, 'x');
    auto p = Read(head + ",yyyyyyyyyyyyyyyyy\n" + head + "\r\n" + head + "zzzzzzzzzz");
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(Fields(p), (Table{{head, "yyyyyyyyyyyyyyyyy"}, {head}, {head + "zzzzzzzzzz"}}))
        << offset;
    EXPECT_EQ(Read(head + "\"").status.message(),
              "line 1, column 1: quote inside an unquoted field (quote the whole field and write "
              "a quote inside it as \"\")")
        << offset;
  }
}

TEST(CsvReaderTest, OtherDelimiters) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  auto p = Read("a;b\n\"1;2\";3,4\n", semicolon);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(Fields(p), (Table{{"a", "b"}, {"1;2", "3,4"}}));
}

}  // namespace
}  // namespace clv::ingest
