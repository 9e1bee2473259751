#include "ingest/model_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace clv::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<ModelInput> Parse(std::string_view text, ModelInputOptions options = {}) {
  options.source_name = "f.csv";
  return ParseModelInput(text, options);
}

// The exact one-line message of a failed parse ("" if it parsed).
std::string ErrorOf(std::string_view text, ModelInputOptions options = {}) {
  Result<ModelInput> r = Parse(text, std::move(options));
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

// ---- formats on the project's reference files ----

TEST(ModelInputTest, CdnowSummaryWithIdFrequencyRecencyT) {
  Result<ModelInput> r = Parse(ReadTestFile("cdnow_customers.csv"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CustomerSummary& s = r->summary;
  EXPECT_EQ(r->format, ModelInputFormat::kSummary);
  ASSERT_EQ(s.size(), 2357u);
  EXPECT_TRUE(s.has_customer_id);
  EXPECT_FALSE(s.has_monetary);
  EXPECT_EQ(s.customer_id[0], "1");
  EXPECT_EQ(s.frequency[0], 2);
  EXPECT_EQ(s.recency[0], 30.43);
  EXPECT_EQ(s.age[0], 38.86);
  EXPECT_EQ(s.line[0], 2u);
  EXPECT_EQ(s.line.back(), 2358u);
}

TEST(ModelInputTest, SummaryWithPaperNamesAndCrlf) {
  Result<ModelInput> r = Parse(ReadTestFile("cdnow_customers_summary_with_transactions.csv"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CustomerSummary& s = r->summary;
  ASSERT_EQ(s.size(), 2357u);
  EXPECT_TRUE(s.has_monetary);
  EXPECT_EQ(s.monetary[0], 22.35);
  EXPECT_EQ(s.monetary[2], 0.0);
  EXPECT_EQ(s.frequency[1], 1);
  EXPECT_EQ(s.recency[1], 1.71);
}

TEST(ModelInputTest, DonationsPatternTable) {
  Result<ModelInput> r = Parse(ReadTestFile("donations.csv"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, ModelInputFormat::kPatternTable);
  const PatternTable& p = r->patterns;
  ASSERT_EQ(p.size(), 22u);
  EXPECT_EQ(p.frequency[0], 0);
  EXPECT_EQ(p.periods[0], 6);
  EXPECT_EQ(p.weight[0], 3464);
  double total = 0;
  for (double w : p.weight) total += w;
  EXPECT_EQ(total, 11104);  // Fader, Hardie & Shang (2010): 11,104 donors
}

TEST(ModelInputTest, SurvivalColumnSelectsSeries) {
  ModelInputOptions options;
  options.survival_column = "regular_alive";
  Result<ModelInput> r = Parse(ReadTestFile("sbg_retention.csv"), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, ModelInputFormat::kSurvival);
  ASSERT_EQ(r->survival.alive.size(), 13u);
  EXPECT_EQ(r->survival.alive[0], 1000);
  EXPECT_EQ(r->survival.alive[1], 631);
  EXPECT_EQ(r->survival.line[1], 3u);
}

TEST(ModelInputTest, HeaderlessCdnowSampleWithColumns) {
  ModelInputOptions options;
  options.columns = {"original_id", "customer_id", "date", "cds", "amount"};
  Result<ModelInput> r = Parse(ReadTestFile("cdnow_sample.txt"), options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->format, ModelInputFormat::kTransactions);
  const TransactionLog& t = r->transactions;
  EXPECT_EQ(t.size(), 6919u);
  EXPECT_EQ(t.customer_ids.size(), 2357u);
  EXPECT_EQ(t.customer_ids[0], "0001");
  EXPECT_EQ(t.time_s[0], DaysFromCivil(1997, 1, 1) * 86400);
  EXPECT_EQ(t.amount[1], 29.73);
  EXPECT_EQ(t.line[0], 1u);
}

TEST(ModelInputTest, CdnowMasterHeaderWhitespaceCrlfDollarValue) {
  const std::string text =
      " customer_id  date number_of_cds  dollar_value\r\n"
      " 00001 19970101  1   11.77\r\n"
      " 00002 19970112  1   12.00\r\n"
      " 00001 19970115  2   20.5\r\n";
  Result<ModelInput> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const TransactionLog& t = r->transactions;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.has_amount);
  EXPECT_THAT(t.customer_ids, ElementsAre("00001", "00002"));
  EXPECT_THAT(t.customer, ElementsAre(0u, 1u, 0u));
  EXPECT_THAT(t.amount, ElementsAre(11.77, 12.0, 20.5));
  EXPECT_EQ(t.time_s[2] - t.time_s[0], 14 * 86400);
}

TEST(ModelInputTest, AmountAliasesAndExtraColumns) {
  for (const char* name : {"amount", "dollar_value", "value", "total", "revenue"}) {
    std::string text = std::string("note,customer_id,date,") + name + "\nx,c1,2024-01-02,5.5\n";
    Result<ModelInput> r = Parse(text);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
    EXPECT_EQ(r->format, ModelInputFormat::kTransactions);
    EXPECT_THAT(r->transactions.amount, ElementsAre(5.5)) << name;
  }
  Result<ModelInput> no_amount = Parse("customer_id,timestamp\nc,2024-01-02T10:00:00Z\n");
  ASSERT_TRUE(no_amount.ok());
  EXPECT_FALSE(no_amount->transactions.has_amount);
}

TEST(ModelInputTest, BomQuotesBlankLinesAndNoFinalNewline) {
  const std::string text =
      "\xEF\xBB\xBF\"customer_id\",\"date\",\"amount\"\n\n"
      "\"a,b\",2024-03-01,1\n"
      "  \"say \"\"hi\"\"\" , 2024-03-02 , 2  \n"
      "   \n"
      "plain,20240303,3";
  Result<ModelInput> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_THAT(r->transactions.customer_ids, ElementsAre("a,b", "say \"hi\"", "plain"));
  EXPECT_THAT(r->transactions.line, ElementsAre(3u, 4u, 6u));
}

TEST(ModelInputTest, DropsIdsWhenAsked) {
  ModelInputOptions options;
  options.keep_customer_ids = false;
  Result<ModelInput> r = Parse("id,x,t_x,T\n7,1,2,3\n", options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->summary.has_customer_id);
  EXPECT_TRUE(r->summary.customer_id.empty());
  EXPECT_EQ(r->summary.age[0], 3);
}

TEST(ModelInputTest, DetectionPrefersPatternsThenSummaryThenTransactions) {
  EXPECT_EQ(Parse("frequency,recency,periods,weights,T\n1,1,6,2,6\n")->format,
            ModelInputFormat::kPatternTable);
  EXPECT_EQ(Parse("customer_id,date,frequency,recency,T\nc,2024-01-01,0,0,3\n")->format,
            ModelInputFormat::kSummary);
  EXPECT_EQ(Parse("customer_id,date\nc,2024-01-01\n")->format, ModelInputFormat::kTransactions);
  // Case and blanks in names do not matter; plus signs are numbers.
  Result<ModelInput> r = Parse(" Frequency , RECENCY ,t\n+1,1e0,2.5\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->summary.age[0], 2.5);
}

// ---- dates ----

TEST(ModelInputTest, Timestamps) {
  const std::int64_t day = DaysFromCivil(2024, 2, 29) * 86400;
  EXPECT_EQ(*ParseTimestamp("2024-02-29"), day);
  EXPECT_EQ(*ParseTimestamp("20240229"), day);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T10:20"), day + 37200);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T10:20:30Z"), day + 37230);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T10:20:30.123456+02:00"), day + 37230 - 7200);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T23:30:00-0500"), day + 84600 + 18000);
  EXPECT_EQ(*ParseTimestamp("2024-02-29 01:00:00+01"), day);
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1997, 9, 30) - DaysFromCivil(1997, 1, 1), 272);
  for (const char* bad : {"", "2023-02-29", "2024-13-01", "2024-00-10", "20241301", "2024-1-01",
                          "2024-01-01T25:00", "2024-01-01T10:61", "2024-01-01X", "2024-01-01T10",
                          "2024-01-01T10:00+24:00", "2024-01-01T10:00:00.", "1500-01-01",
                          "2024-01-01T10:00+01:00junk", "abc"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
}

// ---- errors with exact positions ----

TEST(ModelInputTest, EmptyAndHeaderOnly) {
  EXPECT_EQ(ErrorOf(""), "f.csv:1:1: the file is empty: expected a header row");
  EXPECT_EQ(ErrorOf("\n  \r\n"), "f.csv:1:1: the file is empty: expected a header row");
  EXPECT_EQ(ErrorOf("\xEF\xBB\xBF"), "f.csv:1:1: the file is empty: expected a header row");
  EXPECT_EQ(ErrorOf("ID,frequency,recency,T\n"), "f.csv:2:1: no data rows after the header");
  EXPECT_EQ(ErrorOf("frequency,recency,periods,weights\r\n"),
            "f.csv:2:1: no data rows after the header");
  EXPECT_EQ(ErrorOf("customer_id,date"), "f.csv:2:1: no data rows after the header");
}

TEST(ModelInputTest, UnknownHeader) {
  EXPECT_THAT(ErrorOf("a,b,c\n1,2,3\n"), HasSubstr("f.csv:1:1: unrecognised header"));
  EXPECT_THAT(ErrorOf("frequency,recency\n1,2\n"), HasSubstr("f.csv:1:1: unrecognised header"));
  ModelInputOptions options;
  options.survival_column = "nope";
  EXPECT_EQ(ErrorOf("year,alive\n0,10\n", options),
            "f.csv:1:1: no column named \"nope\" in the header");
}

TEST(ModelInputTest, WrongColumnCount) {
  EXPECT_EQ(ErrorOf("ID,frequency,recency,T\n1,2,3\n"),
            "f.csv:2:6: expected 4 fields, found 3");
  EXPECT_EQ(ErrorOf("ID,frequency,recency,T\n1,2,3,4,5\n"),
            "f.csv:2:9: too many fields: expected 4, found 5");
  EXPECT_EQ(ErrorOf("customer_id date amount\n a  20240101\n"),
            "f.csv:2:13: expected 3 fields, found 2");
  EXPECT_EQ(ErrorOf("customer_id,date\n\"abc,2024-01-01\n"),
            "f.csv:2:1: unterminated or malformed quoted field");
  EXPECT_EQ(ErrorOf("customer_id,date\n\"abc\"x,2024-01-01\n"),
            "f.csv:2:6: unterminated or malformed quoted field");
}

TEST(ModelInputTest, SummaryValueErrors) {
  const std::string h = "ID,frequency,recency,T\n1,2,3,4\n";
  EXPECT_EQ(ErrorOf(h + "2,abc,3,4\n"), "f.csv:3:3: frequency \"abc\" is not a number");
  EXPECT_EQ(ErrorOf(h + "2,1,,4\n"), "f.csv:3:5: recency is empty");
  EXPECT_EQ(ErrorOf(h + "2,1,3,4x\n"), "f.csv:3:7: T \"4x\" is not a number");
  EXPECT_EQ(ErrorOf(h + "2,1,NaN,4\n"), "f.csv:3:5: recency \"NaN\" is not a finite number");
  EXPECT_EQ(ErrorOf(h + "2,1,1,inf\n"), "f.csv:3:7: T \"inf\" is not a finite number");
  EXPECT_EQ(ErrorOf(h + "2,1,1,1e400\n"), "f.csv:3:7: T \"1e400\" is out of range");
  EXPECT_EQ(ErrorOf(h + "2,-1,0,4\n"), "f.csv:3:3: frequency \"-1\" is negative");
  EXPECT_EQ(ErrorOf(h + "2,1.5,1,4\n"), "f.csv:3:3: frequency \"1.5\" is not a whole number");
  EXPECT_EQ(ErrorOf(h + "2,1,5,4\n"), "f.csv:3:5: recency \"5\" is greater than T \"4\"");
  EXPECT_EQ(ErrorOf(h + "2,0,1,4\n"),
            "f.csv:3:5: recency \"1\" must be 0 when frequency is 0 (no repeat purchase)");
  EXPECT_EQ(ErrorOf(h + ",0,0,4\n"), "f.csv:3:1: empty customer id");
  EXPECT_EQ(ErrorOf("x,t_x,T,zbar\n1,1,2,-3\n"), "f.csv:2:7: monetary value \"-3\" is negative");
  ModelInputOptions positive;
  positive.require_positive_monetary = true;
  EXPECT_EQ(ErrorOf("x,t_x,T,zbar\n0,0,2,0\n1,1,2,0\n", positive),
            "f.csv:3:7: monetary value must be positive for a customer with repeat purchases");
  EXPECT_EQ(ErrorOf("x,t_x,T,zbar\n0,0,2,0\n1,1,2,0\n"), "");
  EXPECT_EQ(ErrorOf("x,t_x,T\n1,1,--2\n"), "f.csv:2:5: T \"--2\" is not a number");
  EXPECT_EQ(ErrorOf("x,t_x,T\n1,1,0x10\n"), "f.csv:2:5: T \"0x10\" is not a number");
  // Huge but finite values parse (the model decides whether it can fit them).
  EXPECT_EQ(ErrorOf("x,t_x,T\n1,1e300,1e301\n"), "");
}

TEST(ModelInputTest, PatternTableErrors) {
  const std::string h = "frequency,recency,periods,weights\n";
  EXPECT_EQ(ErrorOf(h + "2,1,6,5\n"), "f.csv:2:1: frequency \"2\" is greater than recency \"1\"");
  EXPECT_EQ(ErrorOf(h + "1,7,6,5\n"), "f.csv:2:3: recency \"7\" is greater than periods \"6\"");
  EXPECT_EQ(ErrorOf(h + "0,1,6,5\n"), "f.csv:2:3: recency \"1\" must be 0 when frequency is 0");
  EXPECT_EQ(ErrorOf(h + "0,0,0,5\n"), "f.csv:2:5: periods must be at least 1");
  EXPECT_EQ(ErrorOf(h + "0,0,6,0\n"), "f.csv:2:7: weight must be positive");
  EXPECT_EQ(ErrorOf(h + "0,0,6,-1\n"), "f.csv:2:7: weight \"-1\" is negative");
  EXPECT_EQ(ErrorOf(h + "0,0,6.5,1\n"), "f.csv:2:5: periods \"6.5\" is not a whole number");
}

TEST(ModelInputTest, SurvivalErrors) {
  ModelInputOptions options;
  options.survival_column = "alive";
  EXPECT_EQ(ErrorOf("year,alive\n0,100\n1,120\n", options),
            "f.csv:3:3: alive count \"120\" is greater than the previous period's (a cohort "
            "cannot grow)");
  EXPECT_EQ(ErrorOf("year,alive\n0,0\n1,0\n", options),
            "f.csv:2:3: the first alive count must be positive");
  EXPECT_EQ(ErrorOf("year,alive\n0,100\n", options),
            "f.csv:3:1: a survival series needs at least 2 periods");
  EXPECT_EQ(ErrorOf("year,alive\n0,100\n1,50.5\n", options),
            "f.csv:3:3: alive count \"50.5\" is not a whole number");
}

TEST(ModelInputTest, TransactionErrors) {
  const std::string h = "customer_id,date,amount\n";
  EXPECT_EQ(ErrorOf(h + "c1,2024-02-30,1\n"), "f.csv:2:4: date \"2024-02-30\" does not exist");
  EXPECT_EQ(ErrorOf(h + "c1,02/03/2024,1\n"),
            "f.csv:2:4: date \"02/03/2024\" is not YYYY-MM-DD, YYYYMMDD or an ISO 8601 "
            "date-time");
  EXPECT_EQ(ErrorOf(h + "c1,2024-02-03,-5\n"),
            "f.csv:2:15: amount \"-5\" is negative (net refunds into their orders first)");
  EXPECT_EQ(ErrorOf(h + "c1,2024-02-03,nan\n"), "f.csv:2:15: amount \"nan\" is not a finite number");
  EXPECT_EQ(ErrorOf(h + " ,2024-02-03,5\n"), "f.csv:2:2: empty customer id");
  // A binary blob is quoted short and without control characters.
  std::string blob(100, '\x01');
  EXPECT_EQ(ErrorOf(h + "c1,2024-02-03," + blob + "\n"),
            "f.csv:2:15: amount \"" + std::string(40, '?') + "...\" is not a number");
}

}  // namespace
}  // namespace clv::ingest
