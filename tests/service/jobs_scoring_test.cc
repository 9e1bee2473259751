// CLV calculations as jobs (service/clv_job.h, service/jobs.h), the stored report
// (service/fit_report.h) and incremental scores (service/scoring.h):
//  - the request's validation names the field;
//  - rescoring every customer with the stored spec reproduces the calculation's own scores
//    exactly (the spec is complete and the scoring code is the calculation's);
//  - on a real store (SQLite in memory): a job runs to a stored fit with every customer's
//    scores, a second request while one is active gets the same job, too little data fails the
//    job with the calculation's message, a job whose worker died is reclaimed (attempts 2) and
//    the dead worker is told it lost the lease, and a new order rescores exactly its customer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/time.h"
#include "service/cdnow_shop.h"
#include "service/clv_job.h"
#include "service/fit_report.h"
#include "service/jobs.h"
#include "service/orders.h"
#include "service/scoring.h"
#include "storage/store.h"

namespace clv::service {
namespace {

using ::testing::HasSubstr;

using cdnowtest::BuildInput;
using cdnowtest::CdnowRows;

TEST(CalculationRequestTest, DefaultsAndCanonicalJson) {
  Result<CalculationRequest> r = ParseCalculationRequest("");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->as_of_us.has_value());
  EXPECT_EQ(r->options.models.size(), 3u);
  EXPECT_EQ(r->options.forecast_months, 24);
  Result<CalculationRequest> d = ParseCalculationRequest(
      R"({"models":["pnbd"],"period":"month","resolution":"period","as_of":"1998-06-30",
          "horizon":6,"discount_rate":0.02,"margin":0.4,"clv_months":24})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // A date is the end of that day: its orders count.
  EXPECT_EQ(*d->as_of_us, MidnightUtc(1998, 7, 1) - 1);
  Result<CalculationRequest> again = ParseCalculationRequest(CalculationRequestJson(*d));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(CalculationRequestJson(*again), CalculationRequestJson(*d));
  EXPECT_EQ(again->options.margin, 0.4);
  EXPECT_EQ(again->options.period, engine::Period::kMonth);
}

TEST(CalculationRequestTest, BadValuesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"models":["xgboost"]})", "models"},
      {R"({"models":[]})", "models"},
      {R"({"models":"bgnbd"})", "models"},
      {R"({"period":"year"})", "period"},
      {R"({"resolution":"hour"})", "resolution"},
      {R"({"as_of":"yesterday"})", "as_of"},
      {R"({"as_of":"2024-02-30"})", "as_of"},
      {R"({"horizon":-1})", "horizon"},
      {R"({"horizon":"12"})", "horizon"},
      {R"({"discount_rate":-1})", "discount_rate"},
      {R"({"margin":0})", "margin"},
      {R"({"margin":1.5})", "margin"},
      {R"({"clv_months":0})", "clv_months"},
      {R"({"clv_months":1.5})", "clv_months"},
      {R"({"holdout_fraction":0.9})", "holdout_fraction"},
      {R"({"forecast_months":500})", "forecast_months"},
      {R"({"tenant":1})", "tenant"},
      {R"([1])", "object"},
      {R"({"models":)", "JSON"},
  };
  for (const auto& [body, field] : cases) {
    Result<CalculationRequest> r = ParseCalculationRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(r.status().message(), HasSubstr(field)) << body;
  }
}

// The spec stored in the report, read back, scores every customer exactly as the calculation
// did: the same P(alive), expected purchases, CLV and interval, churn band, RFM scores, segment
// and tier. (Incremental scores are then consistent with a refit's on unchanged data.)
TEST(ScoringTest, StoredSpecReproducesTheCalculationsScores) {
  for (const char* models : {R"(["bgnbd","mbgnbd"])", R"(["pnbd"])"}) {
    const CalculationInput in = BuildInput(CdnowRows(), MidnightUtc(1998, 6, 30));
    Result<CalculationRequest> req =
        ParseCalculationRequest(std::string(R"({"as_of":"1998-06-30","models":)") + models + "}");
    ASSERT_TRUE(req.ok());
    Result<CalculationResult> r = RunCalculation(in, req->options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Result<ScoringSpec> spec = ParseScoringSpec(BuildFitReport(*r, in, *req));
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    Result<std::vector<storage::CustomerScore>> got = ScoreWithSpec(*spec, in, 7, 1);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), static_cast<std::size_t>(r->customers));
    int segment_differences = 0;
    int tier_ties = 0;
    for (std::size_t c = 0; c < got->size(); ++c) {
      const storage::CustomerScore want = ScoreRowOf(*r, c, 7, 1);
      const storage::CustomerScore& s = (*got)[c];
      ASSERT_EQ(s.customer, want.customer);
      EXPECT_EQ(s.frequency, want.frequency);
      EXPECT_EQ(s.recency, want.recency);
      EXPECT_EQ(s.orders, want.orders);
      EXPECT_EQ(s.historical_clv_minor, want.historical_clv_minor);
      EXPECT_DOUBLE_EQ(s.p_alive, want.p_alive) << c;
      EXPECT_DOUBLE_EQ(s.expected_purchases_365d, want.expected_purchases_365d) << c;
      EXPECT_DOUBLE_EQ(s.predicted_clv_minor, want.predicted_clv_minor) << c;
      EXPECT_DOUBLE_EQ(s.clv_upper_minor, want.clv_upper_minor) << c;
      EXPECT_EQ(s.churn_risk, want.churn_risk) << c;
      EXPECT_EQ(s.expected_next_order_day, want.expected_next_order_day) << c;
      EXPECT_EQ(s.rfm_recency, want.rfm_recency) << c;
      EXPECT_EQ(s.rfm_frequency, want.rfm_frequency) << c;
      EXPECT_EQ(s.rfm_monetary, want.rfm_monetary) << c;
      segment_differences += s.segment != want.segment;
      // Ties at a tier boundary are broken by index in the calculation and by value here (all
      // tied customers join the higher tier): tiers differ only for a CLV equal to a threshold.
      if (s.clv_tier != want.clv_tier) {
        const double v = want.predicted_clv_minor;
        EXPECT_TRUE(v == spec->tier_top_1 || v == spec->tier_top_10 || v == spec->tier_top_50)
            << c << " " << want.clv_tier << " -> " << s.clv_tier;
        ++tier_ties;
      }
    }
    EXPECT_EQ(segment_differences, 0);
    EXPECT_LT(tier_ties, r->customers / 10);
  }
}

// ---- With a store ------------------------------------------------------------------------------

constexpr UnixMicros kNow = 1'748'736'000'000'000;  // 2025-06-01

class JobsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<cdnowtest::ShopStore> shop = cdnowtest::OpenShopStore(kNow);
    ASSERT_TRUE(shop.ok()) << shop.status().ToString();
    store_ = std::move(shop->store);
    tenant_ = shop->tenant;
    Result<storage::ModelFitRecord> probe = store_->GetCurrentFit(tenant_);
    if (!probe.ok() && probe.status().code() != StatusCode::kNotFound) {
      GTEST_SKIP() << "the store does not implement fits yet: " << probe.status().ToString();
    }
    JobRunnerOptions options;
    options.lease_seconds = 30;
    runner_ = std::make_unique<JobRunner>(*store_, clock_, options);
    storage::Store* store = store_.get();
    runner_->Register(std::string(kClvCalculateJob),
                      [this, store](const storage::Job& job,
                                    const std::function<void(double, std::string_view)>& progress,
                                    const std::atomic<bool>& cancelled) {
                        return RunCalculationJob(*store, clock_, job.tenant, job.id,
                                                 job.params_json, progress, &cancelled);
                      });
    orders_ = std::make_unique<OrderService>(
        *store_, clock_, [this](TenantId tenant, const std::vector<CustomerId>& customers) {
          Result<RescoreSummary> r = scorer_->Rescore(tenant, customers);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          rescored_ += r->rescored;
        });
    scorer_ = std::make_unique<IncrementalScorer>(*store_, clock_);
  }

  // The CDNOW log as orders of this tenant (customer external id = cohort id).
  void LoadCdnow() {
    std::string csv = "id,customer_id,placed_at,total,currency\n";
    for (const OrderInput& o : cdnowtest::CdnowOrders()) {
      char total[32];
      std::snprintf(total, sizeof(total), "%lld.%02lld",
                    static_cast<long long>(o.total_minor / 100),
                    static_cast<long long>(o.total_minor % 100));
      csv += o.external_id + "," + o.customer_external_id + "," + FormatRfc3339(o.placed_at_us) +
             "," + total + "," + o.currency + "\n";
    }
    Result<ImportSummary> u = orders_->ImportCsvText(tenant_, csv);
    ASSERT_TRUE(u.ok()) << u.status().ToString();
    ASSERT_EQ(u->counts.created, static_cast<std::int64_t>(cdnowtest::kCdnowOrders));
  }

  Result<storage::Job> RunQueued(std::string_view params) {
    Result<storage::EnqueuedJob> e = runner_->Enqueue(tenant_, kClvCalculateJob, params, std::nullopt);
    if (!e.ok()) return e.status();
    Result<bool> ran = runner_->RunOne();
    if (!ran.ok()) return ran.status();
    if (!*ran) return Internal("nothing ran");
    return store_->GetJob(tenant_, e->job.id);
  }

  FakeClock clock_{kNow};
  std::unique_ptr<storage::Store> store_;
  TenantId tenant_;
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<IncrementalScorer> scorer_;
  std::unique_ptr<OrderService> orders_;
  std::int64_t rescored_ = 0;
};

TEST_F(JobsStoreTest, CalculationJobStoresTheFitAndEveryScore) {
  LoadCdnow();
  const std::string params = R"({"models":["bgnbd"],"as_of":"1997-09-30"})";
  Result<storage::EnqueuedJob> first = runner_->Enqueue(tenant_, kClvCalculateJob, params, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  // At most one calculation per tenant: the active one is returned.
  Result<storage::EnqueuedJob> second = runner_->Enqueue(tenant_, kClvCalculateJob, "{}", std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->job.id, first->job.id);

  Result<bool> ran = runner_->RunOne();
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  ASSERT_TRUE(*ran);
  Result<storage::Job> job = store_->GetJob(tenant_, first->job.id);
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->status, storage::JobStatus::kSucceeded) << job->error;
  EXPECT_EQ(job->attempts, 1);
  EXPECT_EQ(job->progress, 1.0);
  boost::json::value result = boost::json::parse(job->result_json);
  const std::int64_t fit_id = result.at("fit_id").to_number<std::int64_t>();

  Result<storage::ModelFitRecord> fit = store_->GetCurrentFit(tenant_);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_EQ(fit->id, fit_id);
  EXPECT_EQ(fit->model, "bgnbd");
  EXPECT_TRUE(fit->as_of_explicit);
  EXPECT_EQ(fit->customers, 2357);
  EXPECT_EQ(fit->currency, "USD");
  // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426.
  ASSERT_EQ(fit->model_params.size(), 4u);
  EXPECT_NEAR(fit->model_params[0], 0.243, 0.0005);
  EXPECT_NEAR(fit->model_params[1], 4.414, 0.005);
  EXPECT_NEAR(fit->model_params[2], 0.793, 0.0005);
  EXPECT_NEAR(fit->model_params[3], 2.426, 0.005);
  Result<ScoringSpec> spec = ParseScoringSpec(fit->report_json);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  std::int64_t scored = 0;
  storage::ListScoresOptions list;
  list.limit = 1000;
  while (true) {
    Result<storage::Page<storage::ScoredCustomer>> page = store_->ListCustomerScores(tenant_, list);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    scored += static_cast<std::int64_t>(page->items.size());
    if (page->next_cursor.empty()) break;
    list.cursor = page->next_cursor;
  }
  EXPECT_EQ(scored, 2357);

  // Nothing is queued any more.
  Result<bool> idle = runner_->RunOne();
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(*idle);
}

TEST_F(JobsStoreTest, TooLittleDataFailsTheJobWithTheMinimum) {
  Result<storage::UpsertResult> u = orders_->RecordJson(
      tenant_, R"({"orders":[{"id":"1","customer_id":"A","placed_at":"2024-01-01T00:00:00Z","total":"5.00","currency":"USD"}]})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  Status cheap = CheckEnoughCustomers(*store_, tenant_);
  EXPECT_EQ(cheap.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(cheap.message(), HasSubstr("at least 100 customers"));
  Result<storage::Job> job = RunQueued("{}");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->status, storage::JobStatus::kFailed);
  EXPECT_THAT(job->error, HasSubstr("at least 100 customers"));
}

TEST_F(JobsStoreTest, JobOfADeadWorkerIsReclaimedAfterTheLease) {
  LoadCdnow();
  Result<storage::EnqueuedJob> e =
      runner_->Enqueue(tenant_, kClvCalculateJob, R"({"models":["bgnbd"],"as_of":"1997-09-30"})", std::nullopt);
  ASSERT_TRUE(e.ok());
  // A worker that claims the job and dies.
  Result<std::optional<storage::Job>> dead = store_->ClaimJob("dead:1:x", kNow, kNow - 30 * kMicrosPerSecond);
  ASSERT_TRUE(dead.ok() && dead->has_value());
  // Within the lease nobody else takes it.
  clock_.Advance(10 * kMicrosPerSecond);
  Result<bool> early = runner_->RunOne();
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(*early);
  // After it, the runner does, and runs it to the end.
  clock_.Advance(31 * kMicrosPerSecond);
  Result<bool> ran = runner_->RunOne();
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  ASSERT_TRUE(*ran);
  Result<storage::Job> job = store_->GetJob(tenant_, e->job.id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->status, storage::JobStatus::kSucceeded) << job->error;
  EXPECT_EQ(job->attempts, 2);
  EXPECT_EQ(job->worker, runner_->worker_id());
  // The dead worker, were it to wake up, is told it no longer holds the job.
  EXPECT_EQ(store_->UpdateJobProgress(tenant_, e->job.id, "dead:1:x", 0.5, "x", clock_.Now()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FinishJob(tenant_, e->job.id, "dead:1:x", true, "{}", "", clock_.Now()).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(JobsStoreTest, NewOrderRescoresExactlyItsCustomer) {
  LoadCdnow();
  Result<storage::Job> job = RunQueued(R"({"models":["bgnbd","mbgnbd"],"as_of":"1997-09-30"})");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_EQ(job->status, storage::JobStatus::kSucceeded) << job->error;
  auto all_scores = [&] {
    std::map<std::int64_t, storage::CustomerScore> out;
    storage::ListScoresOptions list;
    list.limit = 1000;
    list.sort = storage::ScoreSort::kCustomerId;
    while (true) {
      Result<storage::Page<storage::ScoredCustomer>> page = store_->ListCustomerScores(tenant_, list);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& item : page->items) out[item.customer.id.value] = item.score;
      if (page->next_cursor.empty()) break;
      list.cursor = page->next_cursor;
    }
    return out;
  };
  const auto before = all_scores();
  ASSERT_EQ(before.size(), 2357u);
  rescored_ = 0;
  // Customer "1" orders again before the fit's (explicit) as_of; an order after it would not
  // count for this historical analysis.
  // (Same source as the import, so the same customer.)
  Result<ImportSummary> u = orders_->ImportCsvText(
      tenant_, "id,customer_id,placed_at,total,currency\nNEW-1,1,1997-09-20T12:00:00Z,50.00,USD\n");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_EQ(u->counts.affected_customers.size(), 1u);
  EXPECT_EQ(rescored_, 1);
  const auto after = all_scores();
  ASSERT_EQ(after.size(), before.size());
  const std::int64_t changed_id = u->counts.affected_customers[0].value;
  for (const auto& [id, score] : after) {
    const storage::CustomerScore& old = before.at(id);
    if (id == changed_id) {
      EXPECT_EQ(score.orders, old.orders + 1);
      EXPECT_EQ(score.historical_clv_minor, old.historical_clv_minor + 5000);
      EXPECT_EQ(score.last_order_day, DaysFromCivil(1997, 9, 20));
      EXPECT_NE(score.predicted_clv_minor, old.predicted_clv_minor);
      EXPECT_EQ(score.fit_id, old.fit_id);
    } else {
      EXPECT_EQ(score.predicted_clv_minor, old.predicted_clv_minor) << id;
      EXPECT_EQ(score.updated_at_us, old.updated_at_us) << id;
    }
  }
  // An order after the explicit as_of leaves the score as it was (rescored, unchanged).
  Result<ImportSummary> late = orders_->ImportCsvText(
      tenant_, "id,customer_id,placed_at,total,currency\nNEW-2,1,1998-01-05T12:00:00Z,50.00,USD\n");
  ASSERT_TRUE(late.ok());
  const auto final_scores = all_scores();
  EXPECT_EQ(final_scores.at(changed_id).predicted_clv_minor, after.at(changed_id).predicted_clv_minor);
  EXPECT_EQ(final_scores.at(changed_id).orders, after.at(changed_id).orders);
}

}  // namespace
}  // namespace clv::service
