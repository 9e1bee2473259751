// CLV calculations over the API on SQLite and PostgreSQL: POST /clv/calculate → poll the job →
// GET /clv/model and /clv/forecast; the parameters equal `clv fit`'s on the same CDNOW log;
// permissions, bad parameters, unknown and other tenants' jobs; a new order rescores exactly
// its customer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "common/cdnow_sample.h"
#include "http/api_testlib.h"

namespace clv::http::apitest {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const std::string kData = CLV_TEST_DATA_DIR;

// tests/data/cdnow_sample.txt as an orders CSV: customer = the cohort id, one order per line,
// the amount as written.
std::string CdnowCsv() {
  std::string csv = "id,customer_id,placed_at,total,currency\n";
  int i = 0;
  for (const testcommon::CdnowPurchase& p : testcommon::ReadCdnowSample()) {
    csv += "O-" + std::to_string(++i) + "," + std::to_string(p.cohort) + "," +
           p.date.substr(0, 4) + "-" + p.date.substr(4, 2) + "-" + p.date.substr(6, 2) +
           "T00:00:00Z," + p.dollars_text + ",USD\n";
  }
  return csv;
}

using ApiJobsTest = ApiTest;

// Polls GET /jobs/:id until the job is finished; returns the last job document.
json::object WaitForJob(std::uint16_t port, const std::string& token, std::int64_t id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  json::object job;
  while (std::chrono::steady_clock::now() < deadline) {
    TestResponse r = Send(port, "GET", "/jobs/" + std::to_string(id),
                          {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    job = JsonOf(r).as_object();
    const std::string status(job.at("status").as_string());
    if (status == "succeeded" || status == "failed") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "job " << id << " did not finish: " << json::serialize(job);
  return job;
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `clv fit --format json` on the same log, as the CLI tests run it.
json::object ClvFit(const std::string& model) {
  const std::string out = std::filesystem::temp_directory_path() /
                          ("clv_api_jobs_fit_" + std::to_string(getpid()) + ".json");
  std::string cmd = ShellQuote(std::string(CLV_BINARY_DIR) + "/src/clv") + " fit --model " + model +
                    " --input " + ShellQuote(kData + "/cdnow_sample.txt") +
                    " --columns original_id,customer_id,date,cds,amount --period week"
                    " --resolution day --observation-end 1997-09-30 --format json >" +
                    ShellQuote(out) + " 2>/dev/null </dev/null";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(out);
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  EXPECT_FALSE(ec) << ss.str();
  return ec ? json::object{} : v.as_object();
}

TEST_P(ApiJobsTest, CdnowCalculationOverTheApiMatchesClvFit) {
  Account a = Register("owner@cdnow.example", "CDNOW");
  // No fit yet: the model and the forecast say how to get one.
  TestResponse none = Get("/clv/model", a.access_token);
  EXPECT_TRUE(IsErrorEnvelope(none, 404));
  EXPECT_THAT(none.body, HasSubstr("POST /clv/calculate"));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/forecast", a.access_token), 404));
  // Too few customers: 422 at once, explaining the minimum.
  TestResponse few = Post("/clv/calculate", "{}", a.access_token);
  EXPECT_TRUE(IsErrorEnvelope(few, 422));
  EXPECT_THAT(few.body, HasSubstr("at least 100 customers"));

  TestResponse imported = Post("/orders/import", CdnowCsv(), a.access_token, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;

  TestResponse started = Post("/clv/calculate",
                              R"({"models":["bgnbd","pnbd"],"period":"week","as_of":"1997-09-30"})",
                              a.access_token);
  ASSERT_EQ(started.status, 202) << started.body;
  const std::int64_t job_id = JsonOf(started).at("job_id").to_number<std::int64_t>();
  // A second request while it is active answers the same job.
  TestResponse again = Post("/clv/calculate", "{}", a.access_token);
  ASSERT_EQ(again.status, 202) << again.body;
  json::object again_json = JsonOf(again).as_object();
  const std::string again_status(again_json.at("status").as_string());
  if (again_status == "queued" || again_status == "running") {
    EXPECT_EQ(again_json.at("job_id").to_number<std::int64_t>(), job_id);
  }

  json::object job = WaitForJob(port(), a.access_token, job_id);
  ASSERT_EQ(std::string(job.at("status").as_string()), "succeeded") << json::serialize(job);
  EXPECT_EQ(std::string(job.at("kind").as_string()), "clv.calculate");
  EXPECT_EQ(job.at("attempts").to_number<int>(), 1);
  EXPECT_EQ(job.at("progress").to_number<double>(), 1.0);
  EXPECT_FALSE(job.contains("error"));
  EXPECT_TRUE(job.at("started_at").is_string());
  EXPECT_TRUE(job.at("finished_at").is_string());
  const std::int64_t fit_id = job.at("result").at("fit_id").to_number<std::int64_t>();
  if (again_status != "queued" && again_status != "running") {
    // The second request came after the first had finished: it started a fit of its own.
    WaitForJob(port(), a.access_token, JsonOf(again).at("job_id").to_number<std::int64_t>());
  }

  TestResponse model = Get("/clv/model?fit_id=" + std::to_string(fit_id), a.access_token);
  ASSERT_EQ(model.status, 200) << model.body;
  json::object fit = JsonOf(model).at("fit").as_object();
  EXPECT_EQ(fit.at("id").to_number<std::int64_t>(), fit_id);
  EXPECT_EQ(fit.at("customers").to_number<std::int64_t>(), 2357);
  EXPECT_EQ(std::string(fit.at("as_of").as_string()), "1997-09-30T23:59:59.999999Z");
  const json::object& report = fit.at("report").as_object();
  EXPECT_FALSE(report.contains("scoring"));
  // Every requested model, fitted on the whole period, equals `clv fit` on the same log.
  for (const json::value& m : report.at("models").as_array()) {
    const std::string name(m.at("model").as_string());
    json::object cli = ClvFit(name);
    ASSERT_TRUE(cli.contains("params")) << name;
    const json::object& want = cli.at("params").as_object();
    const json::object& got = m.at("full").at("params").as_object();
    ASSERT_EQ(got.size(), want.size()) << name;
    for (const auto& [param, value] : want) {
      const double w = value.to_number<double>();
      EXPECT_NEAR(got.at(param).to_number<double>(), w, 1e-6 * std::abs(w)) << name << " " << param;
    }
    EXPECT_NEAR(m.at("full").at("log_likelihood").to_number<double>(),
                cli.at("log_likelihood").to_number<double>(), 1e-6)
        << name;
    // Standard errors, the backtest by frequency bucket.
    EXPECT_TRUE(m.at("full").at("standard_errors").as_object().at("r").is_number()) << name;
    EXPECT_FALSE(m.at("backtest").at("buckets").as_array().empty()) << name;
  }
  if (fit.at("model").as_string() == "bgnbd") {
    // FHL (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426.
    EXPECT_NEAR(fit.at("params").at("r").to_number<double>(), 0.243, 5e-4);
  }
  EXPECT_TRUE(report.at("frequency_recency_matrix").is_object());
  EXPECT_FALSE(JsonOf(model).at("versions").as_array().empty());

  TestResponse forecast = Get("/clv/forecast?horizon=6&period=month", a.access_token);
  ASSERT_EQ(forecast.status, 200) << forecast.body;
  json::object fc = JsonOf(forecast).as_object();
  ASSERT_EQ(fc.at("periods").as_array().size(), 6u);
  for (const json::value& p : fc.at("periods").as_array()) {
    const std::int64_t lo = p.at("revenue_lower_minor").to_number<std::int64_t>();
    const std::int64_t mid = p.at("expected_revenue_minor").to_number<std::int64_t>();
    const std::int64_t hi = p.at("revenue_upper_minor").to_number<std::int64_t>();
    EXPECT_LE(lo, mid);
    EXPECT_LE(mid, hi);
    EXPECT_GT(mid, 0);
  }
  EXPECT_EQ(std::string(fc.at("currency").as_string()), "USD");
  ASSERT_TRUE(fc.at("holdout").is_object());
  EXPECT_GT(fc.at("holdout").at("check").at("total_actual").to_number<double>(), 0);
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/forecast?period=week", a.access_token), 400));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/forecast?horizon=0", a.access_token), 400));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/forecast?horizon=100", a.access_token), 400));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/model?fit_id=999999", a.access_token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/clv/model?fit_id=abc", a.access_token), 400));

  TestResponse list = Get("/jobs", a.access_token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_FALSE(JsonOf(list).at("items").as_array().empty());

  // Incremental: customer "1" orders again before the analysis' as_of; only that customer's
  // score moves.
  auto customer_id_of = [&](const std::string& external_id) -> std::int64_t {
    TestResponse c = Get("/customers?source=csv&external_id=" + external_id, a.access_token);
    EXPECT_EQ(c.status, 200) << c.body;
    const json::value body = JsonOf(c);
    const json::array& items = body.at("items").as_array();
    EXPECT_EQ(items.size(), 1u);
    return items.empty() ? 0 : items[0].at("id").to_number<std::int64_t>();
  };
  const std::int64_t customer_id = customer_id_of("1");
  const std::int64_t other_id = customer_id_of("2");
  const TenantId tenant{a.tenant_id};
  Result<storage::ScoredCustomer> before = app().store().GetCustomerScore(tenant, CustomerId{customer_id});
  Result<storage::ScoredCustomer> other_before = app().store().GetCustomerScore(tenant, CustomerId{other_id});
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_TRUE(other_before.ok());
  // (The import's source, so the same customer.)
  ASSERT_EQ(Post("/orders/import",
                 "id,customer_id,placed_at,total,currency\nNEW-1,1,1997-09-20T12:00:00Z,50.00,USD\n",
                 a.access_token, "text/csv")
                .status,
            200);
  Result<storage::ScoredCustomer> after = app().store().GetCustomerScore(tenant, CustomerId{customer_id});
  Result<storage::ScoredCustomer> other_after = app().store().GetCustomerScore(tenant, CustomerId{other_id});
  ASSERT_TRUE(after.ok());
  ASSERT_TRUE(other_after.ok());
  EXPECT_EQ(after->score.orders, before->score.orders + 1);
  EXPECT_EQ(after->score.historical_clv_minor, before->score.historical_clv_minor + 5000);
  EXPECT_NE(after->score.predicted_clv_minor, before->score.predicted_clv_minor);
  EXPECT_EQ(other_after->score.predicted_clv_minor, other_before->score.predicted_clv_minor);
  EXPECT_EQ(other_after->score.updated_at_us, other_before->score.updated_at_us);
}

TEST_P(ApiJobsTest, PermissionsBadParametersAndTenancy) {
  Account a = Register("owner@a.example", "A");
  Account b = Register("owner@b.example", "B");
  Account viewer = AddUser(a.tenant_id, "viewer@a.example", Role::kViewer);
  EXPECT_TRUE(IsErrorEnvelope(Post("/clv/calculate", "{}", viewer.access_token), 403));
  EXPECT_TRUE(IsErrorEnvelope(Post("/clv/calculate", "{}"), 401));
  for (const char* body : {R"({"models":["nope"]})", R"({"period":"year"})", R"({"margin":2})",
                           R"({"as_of":"not a date"})", R"({"clv_months":0})", R"({"x":1})",
                           "[]", "{"}) {
    TestResponse r = Post("/clv/calculate", body, a.access_token);
    EXPECT_TRUE(IsErrorEnvelope(r, 400)) << body << " " << r.body;
  }
  // A job of tenant A, seen from B: not found, as is an id that does not exist.
  Result<storage::EnqueuedJob> e = app().store().EnqueueJob(TenantId{a.tenant_id}, "clv.calculate",
                                                            R"({"models":["bgnbd"]})", std::nullopt, kNow);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const std::string path = "/jobs/" + std::to_string(e->job.id.value);
  EXPECT_EQ(Get(path, a.access_token).status, 200);
  EXPECT_EQ(Get(path, viewer.access_token).status, 200);
  EXPECT_TRUE(IsErrorEnvelope(Get(path, b.access_token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/jobs/987654321", a.access_token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Get("/jobs/abc", a.access_token), 404));
  TestResponse b_list = Get("/jobs", b.access_token);
  ASSERT_EQ(b_list.status, 200);
  EXPECT_TRUE(JsonOf(b_list).at("items").as_array().empty());
  // The job (too little data) fails with the calculation's message.
  json::object job = WaitForJob(port(), a.access_token, e->job.id.value);
  EXPECT_EQ(std::string(job.at("status").as_string()), "failed");
  EXPECT_THAT(std::string(job.at("error").as_string()), HasSubstr("at least 100 customers"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiJobsTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
