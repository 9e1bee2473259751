// Scheduled refits (service/jobs.h) on a real store (SQLite in memory) and a real calculation,
// driven by a FakeClock: no sleeps. A stale "as of now" fit with orders since is refitted with
// the request of the job that made it; the sweep runs only when due; a second instance (another
// JobRunner on the same store) never doubles a refit; a failing refit is retried once per
// interval; the job metrics count outcomes and durations; the order trigger remembers a fresh
// fit exactly until it can be due.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/time.h"
#include "service/cdnow_shop.h"
#include "service/clv_job.h"
#include "service/jobs.h"
#include "storage/store.h"

namespace clv::service {
namespace {

OrderInput NewOrder(const std::string& id) {
  OrderInput o;
  o.source = "api";
  o.external_id = id;
  o.customer_external_id = "1";
  o.placed_at_us = DaysFromCivil(1997, 9, 20) * kMicrosPerDay;
  o.currency = "USD";
  o.total_minor = 5000;
  return o;
}

class RefitSweepTest : public ::testing::Test {
 protected:
  static constexpr UnixMicros kT0 = 875'664'000'000'000;  // 1997-10-01T00:00:00Z

  void SetUp() override {
    ASSERT_EQ(FormatRfc3339(kT0), "1997-10-01T00:00:00Z");
    Result<cdnowtest::ShopStore> shop = cdnowtest::OpenShopStore(kT0);
    ASSERT_TRUE(shop.ok()) << shop.status().ToString();
    store_ = std::move(shop->store);
    tenant_ = shop->tenant;
    const std::vector<OrderInput> orders = cdnowtest::CdnowOrders();
    ASSERT_EQ(orders.size(), cdnowtest::kCdnowOrders);
    ASSERT_TRUE(store_->UpsertOrders(tenant_, orders, clock_.Now()).ok());
  }

  std::unique_ptr<JobRunner> MakeRunner(std::int64_t sweep_minutes) {
    JobRunnerOptions options;
    options.refit_interval_hours = 24;
    options.refit_sweep_minutes = sweep_minutes;
    options.metrics = &registry_;
    auto runner = std::make_unique<JobRunner>(*store_, clock_, options);
    storage::Store* store = store_.get();
    runner->Register(std::string(kClvCalculateJob),
                     [this, store](const storage::Job& job,
                                   const std::function<void(double, std::string_view)>& progress,
                                   const std::atomic<bool>& cancelled) {
                       return RunCalculationJob(*store, clock_, job.tenant, job.id, job.params_json,
                                                progress, &cancelled);
                     });
    return runner;
  }

  void WriteOrder(const std::string& id) {
    ASSERT_TRUE(store_->UpsertOrders(tenant_, std::vector<OrderInput>{NewOrder(id)}, clock_.Now()).ok());
  }

  std::vector<storage::Job> Jobs() {  // oldest first
    storage::ListJobsOptions o;
    o.limit = 100;
    Result<storage::Page<storage::Job>> page = store_->ListJobs(tenant_, o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<storage::Job> out = page.ok() ? page->items : std::vector<storage::Job>{};
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::size_t Due() {
    Result<std::vector<storage::RefitCandidate>> due = store_->ListRefitCandidates(
        kClvCalculateJob, clock_.Now() - 24 * kMicrosPerHour, tenant_);
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    return due.ok() ? due->size() : 0;
  }

  FakeClock clock_{kT0};
  metrics::Registry registry_;
  std::unique_ptr<storage::Store> store_;
  TenantId tenant_;
};

TEST_F(RefitSweepTest, StaleFitsAreRefittedWithTheirRequestOncePerIntervalAcrossInstances) {
  std::unique_ptr<JobRunner> a = MakeRunner(/*sweep_minutes=*/120);
  std::unique_ptr<JobRunner> b = MakeRunner(/*sweep_minutes=*/48 * 60);  // a second instance
  const std::string request = R"({"models":["bgnbd"],"period":"week"})";

  // The first fit, "as of now" (no as_of in the request).
  Result<storage::EnqueuedJob> first = a->Enqueue(tenant_, kClvCalculateJob, request, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(a->RunOne().value());
  Result<storage::ModelFitRecord> f1 = store_->GetCurrentFit(tenant_);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString() << " " << store_->GetJob(tenant_, first->job.id)->error;
  EXPECT_FALSE(f1->as_of_explicit);
  const std::string stored_request = store_->GetJob(tenant_, first->job.id)->params_json;

  // Fresh fit: the first sweep (due at once) and the order trigger queue nothing.
  EXPECT_EQ(a->MaybeSweep().value(), 0);  // swept at T0; next at T0 + 2 h
  clock_.Set(kT0 + kMicrosPerHour);
  WriteOrder("N-1");
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_EQ(Jobs().size(), 1u);

  // A day later the fit is stale and orders came since: the sweep queues one refit, with the
  // first job's request.
  clock_.Set(kT0 + 25 * kMicrosPerHour);
  EXPECT_EQ(Due(), 1u);
  EXPECT_EQ(a->MaybeSweep().value(), 1);
  std::vector<storage::Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].params_json, stored_request);
  EXPECT_EQ(jobs[1].status, storage::JobStatus::kQueued);
  EXPECT_FALSE(jobs[1].created_by.has_value());
  // The other instance sweeping at the same moment, and new orders, do not double it.
  EXPECT_EQ(b->MaybeSweep().value(), 0);  // b's first sweep; next at T0 + 73 h
  EXPECT_EQ(b->SweepRefits().value(), 0);
  WriteOrder("N-2");
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_EQ(Jobs().size(), 2u);

  // The refit runs: a new current fit "as of now".
  ASSERT_TRUE(a->RunOne().value());
  Result<storage::ModelFitRecord> f2 = store_->GetCurrentFit(tenant_);
  ASSERT_TRUE(f2.ok());
  EXPECT_GT(f2->id, f1->id);
  EXPECT_EQ(f2->created_at_us, kT0 + 25 * kMicrosPerHour);
  EXPECT_GT(f2->as_of_us, f1->as_of_us);
  EXPECT_EQ(f2->model, "bgnbd");
  EXPECT_EQ(Due(), 0u);

  // Stale again with new orders; b's sweep is not due yet (it ran at T0 + 25 h), a's is.
  clock_.Set(kT0 + 26 * kMicrosPerHour);
  WriteOrder("N-3");
  clock_.Set(kT0 + 50 * kMicrosPerHour);
  EXPECT_EQ(Due(), 1u);
  EXPECT_EQ(b->MaybeSweep().value(), 0);
  EXPECT_EQ(Jobs().size(), 2u);
  EXPECT_EQ(a->MaybeSweep().value(), 1);
  jobs = Jobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[2].params_json, stored_request);

  // That refit fails (here: another worker takes it and reports an error). It is not retried
  // on every order or sweep, only once the interval has passed since it was queued.
  Result<std::optional<storage::Job>> other = store_->ClaimJob("other:1:x", clock_.Now(), clock_.Now());
  ASSERT_TRUE(other.ok() && other->has_value());
  ASSERT_TRUE(store_->FinishJob(tenant_, jobs[2].id, "other:1:x", false, "", "boom", clock_.Now()).ok());
  clock_.Set(kT0 + 51 * kMicrosPerHour);
  WriteOrder("N-4");
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_EQ(a->SweepRefits().value(), 0);
  clock_.Set(kT0 + 74 * kMicrosPerHour + kMicrosPerSecond);
  EXPECT_EQ(b->MaybeSweep().value(), 1);  // b's sweep is due (T0 + 73 h)
  jobs = Jobs();
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[3].params_json, stored_request);

  // Metrics: the two calculations a ran, the three refits the sweeps queued.
  metrics::CounterFamily& outcomes = registry_.Counter("clv_jobs_total", "", {"kind", "outcome"});
  EXPECT_EQ(outcomes.Value({kClvCalculateJob, "succeeded"}), 2);
  EXPECT_EQ(outcomes.Value({kClvCalculateJob, "failed"}), 0);
  EXPECT_EQ(registry_.Histogram("clv_job_duration_seconds", "", {"kind"}, metrics::kJobBuckets)
                .Count({kClvCalculateJob}),
            2u);
  metrics::CounterFamily& refits = registry_.Counter("clv_refits_scheduled_total", "", {"trigger"});
  EXPECT_EQ(refits.Value({"sweep"}), 3);
  EXPECT_EQ(refits.Value({"orders"}), 0);
}

TEST_F(RefitSweepTest, OrdersTriggerARefitAndHistoricalFitsNeverAge) {
  std::unique_ptr<JobRunner> a = MakeRunner(/*sweep_minutes=*/0);  // no sweep
  Result<storage::EnqueuedJob> first = a->Enqueue(
      tenant_, kClvCalculateJob, R"({"models":["bgnbd"],"as_of":"1997-09-30"})", std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(a->RunOne().value());
  ASSERT_TRUE(store_->GetCurrentFit(tenant_).ok());
  clock_.Set(kT0 + 30 * kMicrosPerHour);
  WriteOrder("N-1");
  EXPECT_EQ(a->MaybeSweep().value(), 0);                 // sweeps are off
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());  // a historical analysis does not age
  EXPECT_EQ(Jobs().size(), 1u);

  // A fit "as of now", stale after a day: the order trigger queues its refit at once.
  ASSERT_TRUE(a->Enqueue(tenant_, kClvCalculateJob, R"({"models":["bgnbd"]})", std::nullopt).ok());
  ASSERT_TRUE(a->RunOne().value());
  clock_.Set(kT0 + 55 * kMicrosPerHour);
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());  // no orders since the fit
  WriteOrder("N-2");
  EXPECT_TRUE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());  // queued already
  const std::vector<storage::Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[2].params_json, jobs[1].params_json);
  EXPECT_EQ(registry_.Counter("clv_refits_scheduled_total", "", {"trigger"}).Value({"orders"}), 1);
}

// The order trigger remembers a fresh fit instead of asking the store on every write: the
// remembered bound ends exactly where the store's rule starts answering "due", not later.
TEST_F(RefitSweepTest, AFreshFitIsRememberedUntilItsIntervalEndsAndNoLonger) {
  std::unique_ptr<JobRunner> a = MakeRunner(/*sweep_minutes=*/0);
  ASSERT_TRUE(a->Enqueue(tenant_, kClvCalculateJob, R"({"models":["bgnbd"]})", std::nullopt).ok());
  ASSERT_TRUE(a->RunOne().value());
  ASSERT_EQ(store_->GetCurrentFit(tenant_)->created_at_us, kT0);

  clock_.Set(kT0 + kMicrosPerHour);
  WriteOrder("N-1");
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());  // fresh until T0 + 24 h
  clock_.Set(kT0 + 24 * kMicrosPerHour);                 // the last fresh moment
  EXPECT_EQ(Due(), 0u);
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());
  clock_.Set(kT0 + 24 * kMicrosPerHour + 1);             // stale, with N-1 written since
  EXPECT_EQ(Due(), 1u);
  EXPECT_TRUE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_EQ(Jobs().size(), 2u);

  // The refit's fit is fresh again for a day from when it is made.
  ASSERT_TRUE(a->RunOne().value());
  clock_.Set(kT0 + 30 * kMicrosPerHour);
  WriteOrder("N-2");
  EXPECT_FALSE(a->MaybeScheduleRefit(tenant_).value());
  clock_.Set(kT0 + 48 * kMicrosPerHour + 2);
  EXPECT_TRUE(a->MaybeScheduleRefit(tenant_).value());
  EXPECT_EQ(Jobs().size(), 3u);
}

}  // namespace
}  // namespace clv::service
