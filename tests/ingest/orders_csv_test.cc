#include "ingest/orders_csv.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/time.h"

namespace clv::ingest {
namespace {

const UnixMicros kNow = MidnightUtc(2024, 6, 1);

OrdersCsvOptions Options() { return OrdersCsvOptions(OrderRules(kNow)); }

struct Outcome {
  std::vector<OrderInput> orders;
  std::vector<std::string> errors;
  Status status;
};

Outcome ParseAll(std::string_view text, const std::vector<std::size_t>& cuts = {},
            OrdersCsvOptions options = Options()) {
  OrdersCsvParser parser(options);
  Outcome out;
  std::vector<RowError> errors;
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    out.status = parser.Feed(text.substr(pos, cut - pos), out.orders, errors);
    pos = cut;
    if (!out.status.ok()) break;
  }
  if (out.status.ok()) out.status = parser.Feed(text.substr(pos), out.orders, errors);
  if (out.status.ok()) out.status = parser.Finish(out.orders, errors);
  for (const auto& e : errors) out.errors.push_back(e.ToString());
  return out;
}

// "o<i>" (built with += : GCC 12 gives a false -Wrestrict on "literal" + std::string chains).
std::string Id(int i) {
  std::string id = "o";
  id += std::to_string(i);
  return id;
}

constexpr std::string_view kHeader = "id,customer_id,placed_at,total,currency\n";

TEST(OrdersCsvTest, ParsesRowsWithAnyColumnOrderAndCase) {
  auto out = ParseAll(
      "\xEF\xBB\xBF Currency ,TOTAL,placed_at,Customer_ID,id,note,status,email,refund_of\r\n"
      "usd,19.99,2024-05-01T10:20:30Z,C-1,A-1,\"free, text\",,Ann@Example.com,\r\n"
      "JPY,1200,2024-05-02T09:00:00+09:00,C-2,A-2,,pending,,\r\n"
      "USD,5.00,2024-05-03T00:00:00Z,C-1,R-1,,refunded,,A-1\r\n");
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_TRUE(out.errors.empty()) << out.errors[0];
  ASSERT_EQ(out.orders.size(), 3u);
  OrderInput a;
  a.source = "csv";
  a.external_id = "A-1";
  a.customer_external_id = "C-1";
  a.email = "ann@example.com";
  a.placed_at_us = *ParseTimestamp("2024-05-01T10:20:30Z");
  a.currency = "USD";
  a.total_minor = 1999;
  EXPECT_EQ(out.orders[0], a);
  EXPECT_EQ(out.orders[1].total_minor, 1200);
  EXPECT_EQ(out.orders[1].placed_at_us, MidnightUtc(2024, 5, 2));
  EXPECT_EQ(out.orders[1].status, OrderStatus::kPending);
  EXPECT_EQ(out.orders[2].refund_of, "A-1");
  EXPECT_EQ(out.orders[2].status, OrderStatus::kRefunded);
}

TEST(OrdersCsvTest, BadRowInTheMiddleIsNamedByLineAndColumn) {
  std::string text(kHeader);
  for (int i = 1; i <= 100; ++i) {
    std::string total = i == 56 ? "12.505" : "10.00";
    text += Id(i) + ",c,2024-05-01T10:20:30Z," + total + ",USD\n";
  }
  auto out = ParseAll(text);
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.errors, std::vector<std::string>{
                            "line 57, column 4 (total): '12.505' has more than 2 decimal "
                            "places for USD"});
  EXPECT_EQ(out.orders.size(), 99u);
}

TEST(OrdersCsvTest, EveryKindOfBadValueIsReported) {
  std::string text = std::string(kHeader) +
                     ",c,2024-05-01T10:20:30Z,1,USD\n"                         // 2
                     "a,c,2024-05-01T10:20:30,1,USD\n"                         // 3
                     "b,c,2031-01-01T00:00:00Z,1,USD\n"                        // 4
                     "d,c,2024-05-01T10:20:30Z,-1,USD\n"                       // 5
                     "e,c,2024-05-01T10:20:30Z,NaN,USD\n"                      // 6
                     "f,c,2024-05-01T10:20:30Z,1,XXY\n"                        // 7
                     "g,c,2024-05-01T10:20:30Z,99999999999999999,USD\n"        // 8
                     "h,c,2024-05-01T10:20:30Z,\"1,000.00\",USD\n"             // 9
                     "i,c,2024-05-01T10:20:30Z,1,USD,extra\n"                  // 10
                     "j,c,not a date,1e3,USD\n"                                // 11
                     "a,c,2024-05-01T10:20:30Z,1,USD\n"                        // 12
                     "a,c,2024-05-01T10:20:30Z,1,USD\n";                       // 13
  auto out = ParseAll(text);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.errors,
            (std::vector<std::string>{
                "line 2, column 1 (id): is empty",
                "line 3, column 3 (placed_at): must include a UTC offset, e.g. "
                "2024-05-01T10:20:30Z",
                "line 4, column 3 (placed_at): '2031-01-01T00:00:00Z' is in the future (latest "
                "accepted: 2024-06-02T00:00:00Z)",
                "line 5, column 4 (total): '-1' is negative; totals are >= 0 (record a refund "
                "as a positive amount with refund_of set to the refunded order's id)",
                "line 6, column 4 (total): 'NaN' is not a finite decimal amount",
                "line 7, column 5 (currency): unknown currency 'XXY'",
                "line 8, column 4 (total): '99999999999999999' is too large (at most "
                "9000000000000000 minor units)",
                "line 9, column 4 (total): '1,000.00' is not a decimal amount: use '.' as the "
                "decimal separator and no thousands separators",
                "line 10: has 6 fields but the header has 5 (a value containing the delimiter "
                "must be quoted)",
                "line 11, column 3 (placed_at): 'not a date' is not an ISO 8601 date-time "
                "(expected e.g. 2024-05-01T10:20:30Z)",
                "line 11, column 4 (total): '1e3' is not a decimal amount: exponent notation is "
                "not accepted",
                "line 12, column 1 (id): duplicate id 'a' (first on line 3)",
                "line 13, column 1 (id): duplicate id 'a' (first on line 3)",
            }));
  EXPECT_TRUE(out.orders.empty());
}

// The id index over many rows: the table doubles eight times and the ids (up to the 255-byte
// limit) fill several 1 MiB arena blocks, so duplicates must still be found after every
// rehash and in any block, each naming the line where the id was first seen.
TEST(OrdersCsvTest, DuplicateIdsAreFoundAcrossIndexGrowth) {
  constexpr int kRows = 150000;
  // Every seventh id is 255 bytes (the limit), the others 2-26 bytes: ~9 MB of ids.
  auto padded_id = [](int i) {
    std::string id = Id(i);
    id.append(i % 7 == 0 ? 255 - id.size() : static_cast<std::size_t>(i % 20), 'x');
    return id;
  };
  std::string text(kHeader);
  for (int i = 0; i < kRows; ++i) {
    text += padded_id(i);
    text += ",c,2024-05-01T10:20:30Z,1,USD\n";
  }
  // Repeats of an early, a long, a middle and the last id, then one more new id.
  for (int i : {1, 7, 75003, kRows - 1}) {
    text += padded_id(i);
    text += ",c,2024-05-01T10:20:30Z,1,USD\n";
  }
  text += "fresh,c,2024-05-01T10:20:30Z,1,USD\n";
  auto out = ParseAll(text);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.errors,
            (std::vector<std::string>{
                "line 150002, column 1 (id): duplicate id 'o1x' (first on line 3)",
                "line 150003, column 1 (id): duplicate id "
                "'o7xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (first on line 9)",
                "line 150004, column 1 (id): duplicate id 'o75003xxx' (first on line 75005)",
                "line 150005, column 1 (id): duplicate id 'o149999xxxxxxxxxxxxxxxxxxx' (first "
                "on line 150001)",
            }));
  EXPECT_EQ(out.orders.size(), static_cast<std::size_t>(kRows) + 1);
}

TEST(OrdersCsvTest, FatalProblems) {
  EXPECT_EQ(ParseAll("id,customer_id,placed_at,total\n1,c,2024-05-01T10:20:30Z,1\n").status.message(),
            "line 1: missing required column 'currency' (the header has: 'id', 'customer_id', "
            "'placed_at', 'total')");
  EXPECT_EQ(ParseAll("id,customer_id\n").status.message(),
            "line 1: missing required columns 'placed_at', 'total', 'currency' (the header "
            "has: 'id', 'customer_id')");
  EXPECT_EQ(ParseAll("id,customer_id,placed_at,total,currency,ID\n").status.message(),
            "line 1: column 'id' appears twice (columns 1 and 6)");
  EXPECT_EQ(ParseAll("").status.message(),
            "empty input; expected a header row such as id,customer_id,placed_at,total,currency");
  EXPECT_EQ(ParseAll("\xEF\xBB\xBF\r\n\r\n").status.message(),
            "empty input; expected a header row such as id,customer_id,placed_at,total,currency");
  EXPECT_EQ(ParseAll(kHeader).status.message(), "no orders: the header has no data rows after it");
  EXPECT_EQ(ParseAll(std::string(kHeader) + "a,c,2024-05-01T10:20:30Z,1,\"USD\n").status.message(),
            "line 2, column 5: quoted field is not closed before the end of the input");
  EXPECT_EQ(ParseAll(std::string(kHeader) + "a,c\"x,2024-05-01T10:20:30Z,1,USD\n").status.message(),
            "line 2, column 2: quote inside an unquoted field (quote the whole field and write a "
            "quote inside it as \"\")");
}

TEST(OrdersCsvTest, HugeFieldIsAnErrorNotAMemoryBlowUp) {
  std::string text = std::string(kHeader) + "a,\"" + std::string(100000, 'x') +
                     "\",2024-05-01T10:20:30Z,1,USD\n";
  EXPECT_EQ(ParseAll(text).status.message(), "line 2, column 2: field is longer than 65536 bytes");
}

TEST(OrdersCsvTest, ErrorsBeyondTheCapAreCounted) {
  std::string text(kHeader);
  for (int i = 0; i < 250; ++i) text += Id(i) + ",c,2024-05-01T10:20:30Z,x,USD\n";
  OrdersCsvOptions options = Options();
  options.max_errors = 100;
  OrdersCsvParser parser(options);
  std::vector<OrderInput> orders;
  std::vector<RowError> errors;
  ASSERT_TRUE(parser.Feed(text, orders, errors).ok());
  ASSERT_TRUE(parser.Finish(orders, errors).ok());
  EXPECT_EQ(errors.size(), 100u);
  EXPECT_EQ(parser.error_count(), 250);
  EXPECT_EQ(parser.errors_omitted(), 150);
  EXPECT_EQ(parser.data_rows(), 250);
  auto all = ParseOrdersCsv(text, options);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().message().rfind("250 errors: line 2, column 4 (total): 'x' is not a "
                                         "decimal amount; line 3",
                                         0),
            0u)
      << all.status().message();
}

TEST(OrdersCsvTest, NaiveTimesAndDatesWhenTheCallerAllowsThem) {
  OrdersCsvOptions options = Options();
  options.rules.timestamp = {.require_offset = false, .allow_date_only = true};
  auto out = ParseAll(std::string(kHeader) + "a,c,2024-05-01 10:20:30,1,USD\nb,c,2024-05-02,1,USD\n",
                 {}, options);
  ASSERT_TRUE(out.status.ok());
  ASSERT_EQ(out.orders.size(), 2u);
  EXPECT_EQ(out.orders[1].placed_at_us, MidnightUtc(2024, 5, 2));
}

TEST(OrdersCsvTest, ChunkBoundariesDoNotChangeTheResult) {
  const std::string text =
      "\xEF\xBB\xBFid,customer_id,placed_at,total,currency,email,note\r\n"
      "A-1,C-1,2024-05-01T10:20:30Z,19.99,USD,a@b.co,\r\n"
      "\"A-2\",\"C,2\",2024-05-01T10:20:30+02:00,\"7.5\",eur,\"\",\"\"\"\"\r\n"
      "A-3,C-3,2024-05-01T10:20:30Z,12.505,USD,,\r\n"
      "A-1,C-1,2024-05-01T10:20:30Z,1,JPY,,\r\n"
      "A-4,C-4,2024-05-01T10:20:30Z,0,KWD,x@y.org,\"multi\nline\"";
  const Outcome whole = ParseAll(text);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_EQ(whole.orders.size(), 3u);
  ASSERT_EQ(whole.errors.size(), 2u);
  EXPECT_EQ(whole.orders[1].customer_external_id, "C,2");
  EXPECT_EQ(whole.orders[2].currency, "KWD");
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < text.size(); ++i) every.push_back(i);
  const Outcome bytewise = ParseAll(text, every);
  EXPECT_EQ(bytewise.orders, whole.orders);
  EXPECT_EQ(bytewise.errors, whole.errors);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const Outcome split = ParseAll(text, {i});
    ASSERT_EQ(split.orders, whole.orders) << i;
    ASSERT_EQ(split.errors, whole.errors) << i;
  }
  std::mt19937 rng(99);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 0;;) {
      pos += 1 + rng() % 16;
      if (pos >= text.size()) break;
      cuts.push_back(pos);
    }
    const Outcome split = ParseAll(text, cuts);
    ASSERT_EQ(split.orders, whole.orders) << "round " << round;
    ASSERT_EQ(split.errors, whole.errors) << "round " << round;
  }
}

TEST(OrdersCsvTest, OutputVectorsCanBeDrainedBetweenChunks) {
  OrdersCsvParser parser(Options());
  std::vector<OrderInput> orders;
  std::vector<RowError> errors;
  std::size_t total = 0;
  ASSERT_TRUE(parser.Feed(kHeader, orders, errors).ok());
  for (int i = 0; i < 1000; ++i) {
    std::string row = Id(i) + ",c,2024-05-01T10:20:30Z,1,USD\n";
    ASSERT_TRUE(parser.Feed(row, orders, errors).ok());
    total += orders.size();
    orders.clear();  // what a caller storing batches does
  }
  ASSERT_TRUE(parser.Finish(orders, errors).ok());
  total += orders.size();
  EXPECT_EQ(total, 1000u);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace clv::ingest
