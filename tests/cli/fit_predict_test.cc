// Runs the real `clv` binary: `clv fit` and `clv predict` against the published fits and the
// lifetimes reference predictions (tests/data/README.md), plus exit codes and error lines.
#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kData = CLV_TEST_DATA_DIR;

struct ClvRun {
  int exit_code = -1;  // -1: killed by a signal (a crash)
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/clv_cli_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ClvRun Clv(const std::vector<std::string>& args) {
    std::string cmd = ShellQuote(std::string(CLV_BINARY_DIR) + "/src/clv");
    for (const std::string& a : args) cmd += " " + ShellQuote(a);
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    cmd += " >" + ShellQuote(out) + " 2>" + ShellQuote(err) + " </dev/null";
    int status = std::system(cmd.c_str());
    ClvRun r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  std::string Write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  fs::path dir_;
};

json::object FitJson(const ClvRun& r) {
  json::value v = json::parse(r.out);
  return v.as_object();
}

double Param(const json::object& fit, const char* name) {
  return fit.at("params").at(name).to_number<double>();
}

// customer_id -> column -> value, from a CSV with a header.
using Table = std::map<std::string, std::map<std::string, std::string>>;
Table ReadCsv(const std::string& text) {
  Table t;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::stringstream ls(line);
    std::string f;
    while (std::getline(ls, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    if (header.empty()) {
      header = fields;
      continue;
    }
    EXPECT_EQ(fields.size(), header.size()) << line;
    for (std::size_t i = 0; i < fields.size() && i < header.size(); ++i) {
      t[fields[0]][header[i]] = fields[i];
    }
  }
  return t;
}

void ExpectRelNear(double actual, double expected, double rel, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), rel * std::max(std::abs(expected), 1e-12))
      << what << ": " << actual << " vs " << expected;
}

// ---- clv fit against published fits ----

TEST_F(CliTest, FitBgNbdOnCdnowMatchesFaderHardieLee2005) {
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_customers.csv", "--format",
               "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  EXPECT_EQ(fit.at("model").as_string(), "bgnbd");
  EXPECT_NEAR(Param(fit, "r"), 0.243, 5e-4);
  EXPECT_NEAR(Param(fit, "alpha"), 4.414, 5e-4);
  EXPECT_NEAR(Param(fit, "a"), 0.793, 5e-4);
  EXPECT_NEAR(Param(fit, "b"), 2.426, 5e-4);
  EXPECT_NEAR(fit.at("log_likelihood").to_number<double>(), -9582.4, 0.05);
  EXPECT_TRUE(fit.at("converged").as_bool());
  EXPECT_EQ(fit.at("customers").to_number<double>(), 2357);
  EXPECT_EQ(fit.at("period").as_string(), "week");
  EXPECT_GT(fit.at("standard_errors").at("r").to_number<double>(), 0);
  const json::array& ci = fit.at("confidence_intervals").at("alpha").as_array();
  EXPECT_LT(ci[0].to_number<double>(), Param(fit, "alpha"));
  EXPECT_GT(ci[1].to_number<double>(), Param(fit, "alpha"));
  EXPECT_GE(fit.at("wall_time_ms").to_number<double>(), 0);
  for (const char* key : {"message", "iterations", "gradient_norm", "aic", "bic"}) {
    EXPECT_TRUE(fit.contains(key)) << key;
  }
  // Full precision: the printed value reads back as more than the table's 6 digits.
  EXPECT_GT(json::serialize(fit.at("params").at("r")).size(), 8u);
}

TEST_F(CliTest, FitParetoNbdOnCdnowMatchesPublished) {
  ClvRun r = Clv({"fit", "--model", "pnbd", "--input", kData + "/cdnow_customers.csv", "--format",
               "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  EXPECT_NEAR(Param(fit, "r"), 0.553, 5e-4);
  EXPECT_NEAR(Param(fit, "alpha"), 10.58, 5e-3);
  EXPECT_NEAR(Param(fit, "s"), 0.606, 5e-4);
  EXPECT_NEAR(Param(fit, "beta"), 11.67, 5e-3);
  EXPECT_NEAR(fit.at("log_likelihood").to_number<double>(), -9595.0, 0.05);
}

TEST_F(CliTest, FitMbgNbdMatchesLifetimes) {
  ClvRun r = Clv({"fit", "--model", "mbgnbd", "--input",
               kData + "/cdnow_customers_summary_with_transactions.csv", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  // lifetimes 0.11.3's own fit (reference/lifetimes_cdnow_2357.params.json).
  ExpectRelNear(Param(fit, "r"), 0.5248377255676664, 2e-3, "r");
  ExpectRelNear(Param(fit, "alpha"), 6.1829884791339715, 2e-3, "alpha");
  ExpectRelNear(Param(fit, "a"), 0.8913562809311414, 2e-3, "a");
  ExpectRelNear(Param(fit, "b"), 1.6140000256721279, 2e-3, "b");
}

TEST_F(CliTest, FitGammaGammaMatchesFaderHardie2013) {
  ClvRun r = Clv({"fit", "--model", "gg", "--input",
                  kData + "/cdnow_customers_summary_with_transactions.csv", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  EXPECT_NEAR(Param(fit, "p"), 6.25, 5e-3);
  EXPECT_NEAR(Param(fit, "q"), 3.74, 5e-3);
  EXPECT_NEAR(Param(fit, "gamma"), 15.44, 1e-2);
  EXPECT_EQ(fit.at("customers").to_number<double>(), 946);  // repeat customers only
  const double corr = fit.at("frequency_monetary_correlation").to_number<double>();
  EXPECT_GT(corr, -0.2);
  EXPECT_LT(corr, 0.2);  // the note reports a weak correlation (0.11)
}

TEST_F(CliTest, FitBgBbOnDonationsMatchesFaderHardieShang2010) {
  ClvRun r = Clv({"fit", "--model", "bgbb", "--input", kData + "/donations.csv", "--format",
                  "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  EXPECT_NEAR(Param(fit, "alpha"), 1.204, 5e-4);
  EXPECT_NEAR(Param(fit, "beta"), 0.750, 5e-4);
  EXPECT_NEAR(Param(fit, "gamma"), 0.657, 5e-4);
  EXPECT_NEAR(Param(fit, "delta"), 2.783, 5e-4);
  EXPECT_EQ(fit.at("customers").to_number<double>(), 11104);
  EXPECT_EQ(fit.at("period").as_string(), "opportunity");
}

TEST_F(CliTest, FitSbgOnRetentionMatchesFaderHardie2007) {
  struct Case {
    const char* column;
    double alpha, beta, ll;
  };
  for (const Case& c : {Case{"regular_alive", 0.704, 1.182, -1680.3},
                        Case{"high_end_alive", 0.668, 3.806, -1611.2}}) {
    ClvRun r = Clv({"fit", "--model", "sbg", "--input", kData + "/sbg_retention.csv", "--column",
                    c.column, "--fit-periods", "7", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << c.column << ": " << r.err;
    json::object fit = FitJson(r);
    EXPECT_NEAR(Param(fit, "alpha"), c.alpha, 5e-4) << c.column;
    EXPECT_NEAR(Param(fit, "beta"), c.beta, 5e-4) << c.column;
    EXPECT_NEAR(fit.at("log_likelihood").to_number<double>(), c.ll, 0.05) << c.column;
    EXPECT_EQ(fit.at("customers").to_number<double>(), 1000);
    EXPECT_EQ(fit.at("distinct_rows").to_number<double>(), 7);
  }
  ClvRun too_many = Clv({"fit", "--model", "sbg", "--input", kData + "/sbg_retention.csv",
                         "--column", "regular_alive", "--fit-periods", "13"});
  EXPECT_EQ(too_many.exit_code, 65);
  EXPECT_EQ(too_many.err, "clv fit: " + kData +
                              "/sbg_retention.csv: --fit-periods 13 but column regular_alive "
                              "covers only 12 periods\n");
}

TEST_F(CliTest, FitTableIsReadable) {
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_customers.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("converged       yes"));
  EXPECT_THAT(r.out, HasSubstr("customers       2357"));
  EXPECT_THAT(r.out, HasSubstr("log-likelihood  -9582.4"));
  EXPECT_THAT(r.out, HasSubstr("\nr           0.2425"));
  EXPECT_THAT(r.out, HasSubstr("\nalpha       4.41"));
}

TEST_F(CliTest, TransactionLogFitReproducesTheSummaryFit) {
  // The CDNOW cohort summary was made from this log at day resolution, in weeks, with the
  // calibration period ending 1997-09-30.
  ClvRun log = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_sample.txt", "--columns",
                 "original_id,customer_id,date,cds,amount", "--period", "week", "--resolution",
                 "day", "--observation-end", "1997-09-30", "--format", "json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  ClvRun summary = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_customers.csv",
                     "--format", "json"});
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  json::object a = FitJson(log), b = FitJson(summary);
  EXPECT_EQ(a.at("customers").to_number<double>(), 2357);
  EXPECT_EQ(a.at("input_format").as_string(), "transactions");
  // The summary file rounds recency and T to 2 decimals of a week; nothing else differs.
  for (const char* p : {"r", "alpha", "a", "b"}) {
    ExpectRelNear(Param(a, p), Param(b, p), 2e-4, p);
  }
  EXPECT_NEAR(a.at("log_likelihood").to_number<double>(),
              b.at("log_likelihood").to_number<double>(), 0.05);
}

TEST_F(CliTest, TransactionLogSummaryRowsMatchTheCohortFile) {
  ClvRun r = Clv({"predict", "--model", "bgnbd", "--horizon", "39", "--input",
               kData + "/cdnow_sample.txt", "--columns",
               "original_id,customer_id,date,cds,amount", "--resolution", "day",
               "--observation-end", "1997-09-30", "--params",
               kData + "/reference/lifetimes_cdnow_2357.params.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Table got = ReadCsv(r.out);
  Table want = ReadCsv(Slurp(kData + "/reference/lifetimes_cdnow_2357.csv"));
  ASSERT_EQ(got.size(), 2357u);
  for (auto& [id, row] : want) {
    // Cohort ids are zero-padded in the log ("0001") and plain in the summary ("1").
    char padded[16];
    std::snprintf(padded, sizeof padded, "%04d", std::stoi(id));
    ASSERT_TRUE(got.count(padded)) << id;
    const auto& g = got[padded];
    EXPECT_EQ(std::stod(g.at("frequency")), std::stod(row.at("frequency"))) << id;
    EXPECT_NEAR(std::stod(g.at("recency")), std::stod(row.at("recency")), 0.005) << id;
    EXPECT_NEAR(std::stod(g.at("T")), std::stod(row.at("T")), 0.005) << id;
  }
}

TEST_F(CliTest, WholeWeekTransactionSummaryFitsToo) {
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_sample.txt", "--columns",
               "original_id,customer_id,date,cds,amount", "--observation-end", "1997-09-30",
               "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object fit = FitJson(r);
  EXPECT_EQ(fit.at("customers").to_number<double>(), 2357);
  EXPECT_TRUE(fit.at("converged").as_bool());
}

// ---- clv predict against lifetimes' per-customer reference ----

struct PredictCase {
  const char* model;
  const char* exp_column;
  const char* p_alive_column;
};

TEST_F(CliTest, PredictAtLifetimesParamsMatchesEveryReferenceRow) {
  const std::string params = kData + "/reference/lifetimes_cdnow_2357.params.json";
  Table want = ReadCsv(Slurp(kData + "/reference/lifetimes_cdnow_2357.csv"));
  ASSERT_EQ(want.size(), 2357u);
  for (const PredictCase& c : {PredictCase{"bgnbd", "bgnbd_exp_39", "bgnbd_p_alive"},
                               PredictCase{"mbgnbd", "mbgnbd_exp_39", "mbgnbd_p_alive"},
                               PredictCase{"pnbd", "pnbd_exp_39", "pnbd_p_alive"}}) {
    ClvRun r = Clv({"predict", "--model", c.model, "--horizon", "39", "--params", params, "--input",
                 kData + "/cdnow_customers_summary_with_transactions.csv"});
    ASSERT_EQ(r.exit_code, 0) << c.model << ": " << r.err;
    ASSERT_THAT(r.out, StartsWith("customer_id,frequency,recency,T,p_alive,expected_purchases,"
                                  "expected_spend,clv\n"));
    Table got = ReadCsv(r.out);
    ASSERT_EQ(got.size(), want.size());
    for (auto& [id, row] : want) {
      const auto& g = got.at(id);
      ExpectRelNear(std::stod(g.at("expected_purchases")), std::stod(row.at(c.exp_column)), 1e-6,
                    std::string(c.model) + " exp, customer " + id);
      ExpectRelNear(std::stod(g.at("p_alive")), std::stod(row.at(c.p_alive_column)), 1e-6,
                    std::string(c.model) + " p_alive, customer " + id);
      EXPECT_EQ(g.at("expected_spend"), "");
      EXPECT_EQ(g.at("clv"), "");
    }
  }
}

TEST_F(CliTest, PredictSpendAndClvMatchLifetimesOnEveryRow) {
  const std::string params = kData + "/reference/lifetimes_cdnow_2357.params.json";
  ClvRun r = Clv({"predict", "--params", params, "--model", "bgnbd", "--horizon", "39",
                  "--spend", "gg", "--spend-params", params, "--clv-months", "12",
                  "--discount-rate-monthly", "0.01", "--input",
                  kData + "/cdnow_customers_summary_with_transactions.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Table got = ReadCsv(r.out);
  Table want = ReadCsv(Slurp(kData + "/reference/lifetimes_cdnow_2357.csv"));
  ASSERT_EQ(got.size(), 2357u);
  int with_spend = 0;
  for (auto& [id, row] : want) {
    const auto& g = got.at(id);
    ExpectRelNear(std::stod(g.at("expected_purchases")), std::stod(row.at("bgnbd_exp_39")), 1e-6,
                  "exp " + id);
    ExpectRelNear(std::stod(g.at("p_alive")), std::stod(row.at("bgnbd_p_alive")), 1e-6,
                  "p_alive " + id);
    if (row.at("gg_expected_spend").empty()) {
      EXPECT_EQ(g.at("expected_spend"), "") << id;
      EXPECT_EQ(g.at("clv"), "") << id;
      continue;
    }
    ++with_spend;
    ExpectRelNear(std::stod(g.at("expected_spend")), std::stod(row.at("gg_expected_spend")), 1e-6,
                  "spend " + id);
    ExpectRelNear(std::stod(g.at("clv")), std::stod(row.at("bgnbd_gg_clv_12m")), 1e-6,
                  "clv " + id);
  }
  EXPECT_EQ(with_spend, 946);
  // The margin scales the CLV and nothing else.
  ClvRun half = Clv({"predict", "--params", params, "--model", "bgnbd", "--horizon", "39",
                     "--spend", "gg", "--spend-params", params, "--margin", "0.5", "--input",
                     kData + "/cdnow_customers_summary_with_transactions.csv"});
  ASSERT_EQ(half.exit_code, 0) << half.err;
  Table halved = ReadCsv(half.out);
  ExpectRelNear(std::stod(halved.at("1").at("clv")), 0.5 * std::stod(got.at("1").at("clv")),
                1e-12, "margin");
  EXPECT_EQ(halved.at("1").at("expected_spend"), got.at("1").at("expected_spend"));
}

TEST_F(CliTest, PredictFitsBothModelsWithoutParams) {
  ClvRun r = Clv({"predict", "--model", "pnbd", "--horizon", "39", "--spend", "gg", "--input",
                  kData + "/cdnow_customers_summary_with_transactions.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Table got = ReadCsv(r.out);
  Table want = ReadCsv(Slurp(kData + "/reference/lifetimes_cdnow_2357.csv"));
  // Our own fits agree with lifetimes' to about 1e-3, and so do the predictions.
  for (const char* id : {"1", "2", "100", "2357"}) {
    ExpectRelNear(std::stod(got.at(id).at("expected_purchases")),
                  std::stod(want.at(id).at("pnbd_exp_39")), 5e-3, id);
  }
  ExpectRelNear(std::stod(got.at("1").at("expected_spend")),
                std::stod(want.at("1").at("gg_expected_spend")), 5e-3, "spend");
  ClvRun no_money = Clv({"predict", "--model", "bgnbd", "--horizon", "39", "--spend", "gg",
                         "--input", kData + "/cdnow_customers.csv"});
  EXPECT_EQ(no_money.exit_code, 65);
  EXPECT_THAT(no_money.err, HasSubstr("cdnow_customers.csv:1:1: model gg needs monetary values"));
}

TEST_F(CliTest, PredictAcceptsFitOutputAsParams) {
  ClvRun fit = Clv({"fit", "--model", "bgnbd", "--input", kData + "/cdnow_customers.csv", "--format",
                 "json"});
  ASSERT_EQ(fit.exit_code, 0);
  const std::string params = Write("fit.json", fit.out);
  ClvRun from_file = Clv({"predict", "--model", "bgnbd", "--horizon", "10", "--params", params,
                       "--input", kData + "/cdnow_customers.csv"});
  ClvRun fitted = Clv({"predict", "--model", "bgnbd", "--horizon", "10", "--input",
                    kData + "/cdnow_customers.csv"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  // The fit is deterministic and its JSON round-trips every double exactly.
  EXPECT_EQ(from_file.out, fitted.out);
  // A flat object works too; a fit of another model is refused.
  ClvRun flat = Clv({"predict", "--model", "bgnbd", "--horizon", "10", "--params",
                  Write("flat.json", R"({"r":0.243,"alpha":4.414,"a":0.793,"b":2.426})"),
                  "--input", kData + "/cdnow_customers.csv"});
  EXPECT_EQ(flat.exit_code, 0) << flat.err;
  ClvRun other = Clv({"predict", "--model", "pnbd", "--horizon", "10", "--params", params, "--input",
                   kData + "/cdnow_customers.csv"});
  EXPECT_EQ(other.exit_code, 65);
  EXPECT_EQ(other.err, "clv predict: " + params + ": holds parameters of model bgnbd, not pnbd\n");
}

// ---- errors: exit codes and one-line messages ----

TEST_F(CliTest, MissingFileExits66) {
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", "/nonexistent/x.csv"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_EQ(r.err, "clv fit: /nonexistent/x.csv: cannot open: No such file or directory\n");
  EXPECT_EQ(r.out, "");
  ClvRun p = Clv({"predict", "--model", "bgnbd", "--horizon", "1", "--input",
               kData + "/cdnow_customers.csv", "--params", "/nonexistent/p.json"});
  EXPECT_EQ(p.exit_code, 66);
}

TEST_F(CliTest, BadFlagsExit2) {
  const std::string in = kData + "/cdnow_customers.csv";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"fit", "--model", "nope", "--input", in},
           {"fit", "--input", in},
           {"fit", "--model", "bgnbd", "--input", in, "--format", "xml"},
           {"fit", "--model", "bgnbd", "--input", in, "--period", "year"},
           {"fit", "--model", "bgnbd", "--input", in, "--penalty", "-1"},
           {"predict", "--model", "bgnbd", "--input", in},
           {"predict", "--model", "bgnbd", "--input", in, "--horizon", "0"},
           {"predict", "--model", "gg", "--input", in, "--horizon", "5"}}) {
    ClvRun r = Clv(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << " " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(CliTest, BadDataExits65WithFileLineColumn) {
  const std::string f = Write("bad.csv", "ID,frequency,recency,T\n1,2,3,4\n2,1,5,4\n");
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", f});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "clv fit: " + f + ":3:5: recency \"5\" is greater than T \"4\"\n");
  EXPECT_EQ(r.out, "");

  const std::string empty = Write("empty.csv", "");
  r = Clv({"fit", "--model", "pnbd", "--input", empty});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "clv fit: " + empty + ":1:1: the file is empty: expected a header row\n");

  r = Clv({"predict", "--model", "bgnbd", "--horizon", "3", "--input", f});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "clv predict: " + f + ":3:5: recency \"5\" is greater than T \"4\"\n");
}

TEST_F(CliTest, ModelThatCannotUseTheInputIsAClearError) {
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", kData + "/donations.csv"});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "clv fit: " + kData +
                       "/donations.csv:1:1: model bgnbd needs a customer summary (frequency, "
                       "recency, T) or a transaction log (customer_id, date, amount); this file "
                       "is a BG/BB pattern table\n");
  r = Clv({"fit", "--model", "bgbb", "--input", kData + "/cdnow_customers.csv"});
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_THAT(r.err, StartsWith("clv fit: " + kData + "/cdnow_customers.csv:1:1: model bgbb "));
  r = Clv({"fit", "--model", "gg", "--input", kData + "/cdnow_customers.csv"});
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_THAT(r.err, StartsWith("clv fit: " + kData + "/cdnow_customers.csv:1:1: model gg "));
  r = Clv({"fit", "--model", "sbg", "--input", kData + "/cdnow_customers.csv"});
  EXPECT_EQ(r.exit_code, 65) << r.err;
}

TEST_F(CliTest, NonConvergencePrintsTheResultAndExits1) {
  // One customer with 5 repeat purchases in no time at all: the rate diverges.
  const std::string f = Write("diverge.csv", "ID,frequency,recency,T\n1,5,0,0\n");
  ClvRun r = Clv({"fit", "--model", "bgnbd", "--input", f, "--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  json::object fit = FitJson(r);
  EXPECT_FALSE(fit.at("converged").as_bool());
  EXPECT_FALSE(fit.at("message").as_string().empty());
  EXPECT_THAT(r.err, StartsWith("clv fit: the fit did not converge: "));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  ClvRun p = Clv({"predict", "--model", "bgnbd", "--horizon", "2", "--input", f});
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_THAT(p.err, StartsWith("clv predict: the bgnbd fit did not converge: "));
  EXPECT_EQ(p.out, "");
}

TEST_F(CliTest, NeverCrashesOnHostileInput) {
  const std::vector<std::string> inputs = {
      "",
      "\xEF\xBB\xBF",
      "ID,frequency,recency,T\r\n",
      "ID,frequency,recency,T\r\n1,2\r\n",
      "ID,frequency,recency,T\n1,nan,0,1\n",
      "ID,frequency,recency,T\n1,1,1e308,1e308\n",
      "ID,frequency,recency,T\n1,1e300,1,2\n",
      "ID,frequency,recency,T\n1,-1,0,1\n",
      "ID,frequency,recency,T\n1,0,0,0\n",
      "ID,frequency,recency,T\n1,0,0,0\n2,0,0,0\n",
      "ID,frequency,recency,T\n1,5,0,0\n",
      "\xEF\xBB\xBF" "customer_id,date,amount\r\nc,2024-01-01,1\r\n",
      "customer_id,date,amount\nc,2024-01-01,1\nc,2024-01-01,1e308\nc,2024-01-01,1e308\n",
      "customer_id,date,amount\nc,9999-12-31T23:59:59-23:59,1\nd,1600-01-01,2\n",
      std::string("\x00\x01\x02,\xff\xfe\n\x00,\x00\n", 12),
      "\"unterminated\n",
  };
  int i = 0;
  for (const std::string& text : inputs) {
    const std::string f = Write("hostile" + std::to_string(i++) + ".csv", text);
    for (const char* model : {"bgnbd", "mbgnbd", "pnbd", "gg", "bgbb"}) {
      ClvRun r = Clv({"fit", "--model", model, "--input", f, "--format", "json"});
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 65)
          << model << " on input " << i - 1 << ": exit " << r.exit_code << " " << r.err;
      EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    ClvRun p = Clv({"predict", "--model", "bgnbd", "--horizon", "5", "--input", f});
    EXPECT_TRUE(p.exit_code == 0 || p.exit_code == 1 || p.exit_code == 65)
        << "predict on input " << i - 1 << ": exit " << p.exit_code << " " << p.err;
  }
}

}  // namespace
