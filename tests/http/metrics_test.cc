// core/metrics.h (the registry and its text format) and GET /metrics through a running
// Application on both backends.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "http/api_testlib.h"

namespace clv {
namespace {

TEST(MetricsRegistry, RendersThePrometheusTextFormat) {
  metrics::Registry registry;
  metrics::CounterFamily& c = registry.Counter("test_events_total", "Events.\nBy kind.", {"kind"});
  c.Add({"a"});
  c.Add({"a"}, 2);
  c.Add({"b\"x\\y\nz"});
  c.Add({"a"}, -5);  // ignored: counters only go up
  metrics::HistogramFamily& h =
      registry.Histogram("test_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  h.Observe({"/x"}, 0.05);
  h.Observe({"/x"}, 0.1);  // le is inclusive
  h.Observe({"/x"}, 3);
  auto gauge = registry.Gauge("test_open", "Open things.", [] { return 2.5; });

  EXPECT_EQ(registry.Render(),
            "# HELP test_events_total Events.\\nBy kind.\n"
            "# TYPE test_events_total counter\n"
            "test_events_total{kind=\"a\"} 3\n"
            "test_events_total{kind=\"b\\\"x\\\\y\\nz\"} 1\n"
            "# HELP test_latency_seconds Latency.\n"
            "# TYPE test_latency_seconds histogram\n"
            "test_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "test_latency_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"
            "test_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"
            "test_latency_seconds_sum{route=\"/x\"} 3.15\n"
            "test_latency_seconds_count{route=\"/x\"} 3\n"
            "# HELP test_open Open things.\n"
            "# TYPE test_open gauge\n"
            "test_open 2.5\n");
  EXPECT_EQ(c.Value({"a"}), 3);
  EXPECT_EQ(h.Count({"/x"}), 3u);
}

TEST(MetricsRegistry, FamiliesAreFoundAgainByNameAndGaugesGoAwayWithTheirHandle) {
  metrics::Registry registry;
  metrics::CounterFamily& a = registry.Counter("test_total", "T.", {"k"});
  metrics::CounterFamily& b = registry.Counter("test_total", "T.", {"k"});
  EXPECT_EQ(&a, &b);
  {
    auto g = registry.Gauge("test_gauge", "G.", [] { return 1.0; });
    EXPECT_NE(registry.Render().find("test_gauge 1\n"), std::string::npos);
  }
  EXPECT_EQ(registry.Render().find("test_gauge"), std::string::npos);
  EXPECT_DEATH(registry.Counter("test_total", "T.", {"other"}), "");
}

TEST(MetricsRegistry, ObservedCountersAreReadAtScrapeTimeAsCounters) {
  metrics::Registry registry;
  double waits = 3;
  {
    auto handle = registry.ObservedCounter("test_waits_total", "Waits.", [&waits] { return waits; });
    EXPECT_EQ(registry.Render(), "# HELP test_waits_total Waits.\n# TYPE test_waits_total counter\ntest_waits_total 3\n");
    waits = 5;
    EXPECT_NE(registry.Render().find("test_waits_total 5\n"), std::string::npos);
  }
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsRegistry, ConcurrentUpdatesFromManyThreadsAddUp) {
  metrics::Registry registry;
  metrics::CounterFamily& c = registry.Counter("test_concurrent_total", "C.", {"k"});
  metrics::HistogramFamily& h = registry.Histogram("test_concurrent_seconds", "H.", {"k"}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        c.Add({"x"});
        h.Observe({"x"}, 0.5);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(c.Value({"x"}), 80000);
  EXPECT_EQ(h.Count({"x"}), 80000u);
  EXPECT_NE(registry.Render().find("test_concurrent_seconds_bucket{k=\"x\",le=\"1\"} 80000\n"),
            std::string::npos);
}

TEST(MetricsRegistry, FormatValue) {
  EXPECT_EQ(metrics::FormatValue(3), "3");
  EXPECT_EQ(metrics::FormatValue(0.1), "0.1");
  EXPECT_EQ(metrics::FormatValue(0.0005), "0.0005");
  EXPECT_EQ(metrics::FormatValue(1.0 / 0.0), "+Inf");
}

}  // namespace

namespace http::apitest {
namespace {

// Every line of an exposition: a comment (# HELP / # TYPE) or `name{labels} value`.
::testing::AssertionResult IsExposition(const std::string& text) {
  static const std::regex kSample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  static const std::regex kComment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, kSample) && !std::regex_match(line, kComment)) {
      return ::testing::AssertionFailure() << "bad line: " << line;
    }
  }
  if (text.empty() || text.back() != '\n') return ::testing::AssertionFailure() << "no final newline";
  return ::testing::AssertionSuccess();
}

double Sample(const std::string& text, const std::string& series) {
  const std::string line_start = "\n" + series + " ";
  const std::size_t at = text.find(line_start);
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + line_start.size()));
}

class MetricsApiTest : public ApiTest {};

TEST_P(MetricsApiTest, CountsRequestsByRoutePatternAndStatus) {
  Account owner = Register("owner@example.com", "Shop");
  const std::string not_found =
      R"(clv_http_requests_total{method="GET",route="/customers/:id",status="404"})";
  const std::string unmatched =
      R"(clv_http_requests_total{method="GET",route="unmatched",status="404"})";
  const std::string latency =
      R"(clv_http_request_duration_seconds_count{method="GET",route="/customers/:id",status="404"})";
  TestResponse before = Get("/metrics");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  EXPECT_EQ(Get("/customers/424242", owner.access_token).status, 404);
  EXPECT_EQ(Get("/customers/424243", owner.access_token).status, 404);
  EXPECT_EQ(Get("/no/such/route").status, 404);

  TestResponse after = Get("/metrics");
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(IsExposition(after.body));
  // The process-wide registry is shared by every test: compare differences.
  EXPECT_EQ(Sample(after.body, not_found) - Sample(before.body, not_found), 2);
  EXPECT_EQ(Sample(after.body, latency) - Sample(before.body, latency), 2);
  EXPECT_EQ(Sample(after.body, unmatched) - Sample(before.body, unmatched), 1);
  EXPECT_EQ(after.body.find("424242"), std::string::npos) << "raw paths must not be labels";
  EXPECT_NE(after.body.find("# TYPE clv_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_GE(Sample(after.body, "clv_http_open_connections"), 1);
}

TEST_P(MetricsApiTest, CountsIngestedOrders) {
  Account owner = Register("owner@example.com", "Shop");
  const std::string created = R"(clv_orders_ingested_total{source="api",result="created"})";
  const std::string updated = R"(clv_orders_ingested_total{source="api",result="updated"})";
  const std::string before = Get("/metrics").body;
  ASSERT_EQ(Post("/orders", OrdersJson({OrderSpec("O-1", "C-1"), OrderSpec("O-2", "C-1")}),
                 owner.access_token).status, 200);
  ASSERT_EQ(Post("/orders", OrdersJson({OrderSpec("O-1", "C-1").Total("7.00")}),
                 owner.access_token).status, 200);
  const std::string after = Get("/metrics").body;
  EXPECT_EQ(Sample(after, created) - Sample(before, created), 2);
  EXPECT_EQ(Sample(after, updated) - Sample(before, updated), 1);
}

TEST_P(MetricsApiTest, JobOutcomesDurationsAndStorePoolUsage) {
  Account owner = Register("owner@example.com", "Shop");
  const std::string failed = R"(clv_jobs_total{kind="clv.calculate",outcome="failed"})";
  const std::string runs = R"(clv_job_duration_seconds_count{kind="clv.calculate"})";
  const std::string run_seconds = R"(clv_job_duration_seconds_sum{kind="clv.calculate"})";
  const std::string before = Get("/metrics").body;
  // A calculation with too little data: it runs, fails, and is counted as failed.
  Result<storage::EnqueuedJob> e = app().jobs().Enqueue(TenantId{owner.tenant_id}, "clv.calculate",
                                                       "{}", std::nullopt);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  Result<storage::Job> job = app().store().GetJob(TenantId{owner.tenant_id}, e->job.id);
  while (job.ok() && job->status != storage::JobStatus::kFailed &&
         job->status != storage::JobStatus::kSucceeded && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a real worker thread runs it
    job = app().store().GetJob(TenantId{owner.tenant_id}, e->job.id);
  }
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_EQ(job->status, storage::JobStatus::kFailed);
  // The worker counts the outcome after recording it: joining the workers orders the two.
  app().jobs().Stop();
  const std::string after = Get("/metrics").body;
  EXPECT_TRUE(IsExposition(after));
  EXPECT_EQ(Sample(after, failed) - Sample(before, failed), 1);
  EXPECT_EQ(Sample(after, runs) - Sample(before, runs), 1);
  const double took = Sample(after, run_seconds) - Sample(before, run_seconds);
  EXPECT_GT(took, 0);
  EXPECT_LT(took, 120);
  EXPECT_NE(after.find("# TYPE clv_job_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(after.find(R"(clv_job_duration_seconds_bucket{kind="clv.calculate",le="+Inf"})"),
            std::string::npos);

  // The store's pool, with nothing running now: consistent counts, nobody waited.
  const double max = Sample(after, "clv_store_pool_connections_max");
  const double open = Sample(after, "clv_store_pool_connections_open");
  const double in_use = Sample(after, "clv_store_pool_connections_in_use");
  const double idle = Sample(after, "clv_store_pool_connections_idle");
  EXPECT_GE(max, 1);
  EXPECT_GE(open, 1);  // the requests and the job used at least one
  EXPECT_LE(open, max);
  EXPECT_EQ(in_use + idle, open);
  EXPECT_EQ(in_use, 0);
  EXPECT_EQ(Sample(after, "clv_store_pool_wait_timeouts_total"), 0);
  EXPECT_GE(Sample(after, "clv_store_pool_wait_seconds_total"), 0);
  for (const char* counter : {"clv_store_pool_waits_total", "clv_store_pool_wait_seconds_total",
                              "clv_store_pool_wait_timeouts_total"}) {
    EXPECT_NE(after.find(std::string("# TYPE ") + counter + " counter"), std::string::npos) << counter;
  }
  EXPECT_NE(after.find("# TYPE clv_store_pool_connections_in_use gauge"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, MetricsApiTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace http::apitest
}  // namespace clv
