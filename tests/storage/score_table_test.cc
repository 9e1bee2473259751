// The customer_scores table across schema versions and under lock contention:
// - migration 3 (PostgreSQL: customer_scores partitioned by tenant; SQLite: no-op) applied to a
//   version-2 database that already holds fits and scores of two tenants keeps every row, and
//   the tenants' next fits replace only their own scores;
// - PostgreSQL's partition swap at fit commit waits for its lock a bounded time per attempt,
//   retries, and fails cleanly (nothing written, the old fit current) when the lock never comes.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/postgres/migrations.h"
#include "storage/postgres/pg.h"
#include "storage/sqlite/migrations.h"
#include "storage/store.h"
#include "storage/storage_test_fixtures.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using testing::Backend;
using testing::TestDatabase;

using testing::kDay;
using testing::kT0;

// n customers "<prefix>0".. with one order each; returns their ids in that order.
std::vector<CustomerId> AddCustomers(Store& store, TenantId tenant, const std::string& prefix,
                                     int n) {
  std::vector<OrderInput> orders;
  for (int i = 0; i < n; ++i) {
    OrderInput o;
    o.source = "api";
    o.external_id = prefix + "o" + std::to_string(i);
    o.customer_external_id = prefix + std::to_string(i);
    o.placed_at_us = kT0 + i * kDay;
    o.currency = "EUR";
    o.total_minor = 1000 + i;
    o.status = OrderStatus::kPaid;
    orders.push_back(o);
  }
  EXPECT_TRUE(store.UpsertOrders(tenant, orders, kT0).ok());
  std::vector<CustomerId> ids;
  for (int i = 0; i < n; ++i) {
    ListCustomersOptions q;
    q.external_id = prefix + std::to_string(i);
    auto page = store.ListCustomers(tenant, q);
    EXPECT_TRUE(page.ok() && page->items.size() == 1);
    ids.push_back(page.ok() && !page->items.empty() ? page->items[0].id : CustomerId{0});
  }
  return ids;
}

// A score whose every field derives from `v`, so two generations of scores differ everywhere.
CustomerScore ScoreOf(CustomerId customer, std::int64_t fit_id, double v) {
  CustomerScore s;
  s.customer = customer;
  s.fit_id = fit_id;
  s.frequency = v;
  s.recency = v / 2;
  s.age = v + 10;
  s.monetary = v * 3.25;
  s.orders = static_cast<std::int64_t>(v) + 1;
  s.first_order_day = 19000;
  s.last_order_day = 19000 + static_cast<std::int64_t>(v);
  s.historical_clv_minor = static_cast<std::int64_t>(v * 100);
  s.p_alive = 1.0 / (1.0 + v);
  s.expected_purchases_30d = v / 12;
  s.expected_purchases_90d = v / 4;
  s.expected_purchases_365d = v;
  s.expected_purchases_horizon = v;
  s.expected_spend_minor = 1234.5;
  s.predicted_clv_minor = v * 77.5;
  s.clv_lower_minor = std::nan("");
  s.clv_upper_minor = v * 80;
  s.churn_risk = "low";
  s.value_at_risk_minor = v * 0.5;
  s.rfm_recency = 1;
  s.rfm_frequency = 2;
  s.rfm_monetary = 3;
  s.segment = "champions";
  s.clv_tier = "top_10";
  s.expected_next_order_day = 19500;
  s.updated_at_us = kT0 + static_cast<UnixMicros>(v);
  return s;
}

ModelFitRecord FitOf(TenantId tenant, UnixMicros at, std::int64_t customers) {
  ModelFitRecord f = testing::SampleFit(tenant, at);
  f.customers = customers;
  return f;
}

Result<ModelFitRecord> WriteFit(Store& store, TenantId tenant, UnixMicros at,
                                const std::vector<CustomerScore>& scores) {
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<FitWriter> w,
                       store.BeginFitWrite(tenant, FitOf(tenant, at, std::ssize(scores))));
  CLV_RETURN_IF_ERROR(w->Add(scores));
  return w->Commit();
}

// Every stored score of the tenant equals `want` (same customers, same values, fit `fit_id`).
void ExpectScores(Store& store, TenantId tenant, const std::vector<CustomerScore>& want,
                  std::int64_t fit_id) {
  ListScoresOptions o;
  o.limit = kMaxPageLimit;
  o.sort = ScoreSort::kCustomerId;
  o.descending = false;
  auto page = store.ListCustomerScores(tenant, o);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const CustomerScore& got = page->items[i].score;
    const CustomerScore& w = want[i];
    EXPECT_EQ(got.customer, w.customer);
    EXPECT_EQ(got.fit_id, fit_id);
    EXPECT_EQ(got.frequency, w.frequency);
    EXPECT_EQ(got.monetary, w.monetary);
    EXPECT_EQ(got.orders, w.orders);
    EXPECT_EQ(got.last_order_day, w.last_order_day);
    EXPECT_EQ(got.historical_clv_minor, w.historical_clv_minor);
    EXPECT_EQ(got.p_alive, w.p_alive);
    EXPECT_EQ(got.expected_purchases_365d, w.expected_purchases_365d);
    EXPECT_EQ(got.predicted_clv_minor, w.predicted_clv_minor);
    EXPECT_TRUE(std::isnan(got.clv_lower_minor));
    EXPECT_EQ(got.clv_upper_minor, w.clv_upper_minor);
    EXPECT_EQ(got.value_at_risk_minor, w.value_at_risk_minor);
    EXPECT_EQ(got.segment, w.segment);
    EXPECT_EQ(got.updated_at_us, w.updated_at_us);
  }
  // The sort indexes answer too: highest predicted CLV first.
  ListScoresOptions by_clv;
  by_clv.limit = 1;
  auto top = store.ListCustomerScores(tenant, by_clv);
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_EQ(top->items.size(), 1u);
  EXPECT_EQ(top->items[0].score.customer, want.back().customer);
}

// ---- Migration 3 on a version-2 database ------------------------------------------------------

class ScoreMigrationTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ScoreMigrationTest, VersionTwoScoresOfTwoTenantsSurviveMigrationThree) {
  std::string skip;
  auto created = TestDatabase::Create(GetParam(), &skip);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  if (!*created) GTEST_SKIP() << skip;
  TestDatabase& db = **created;
  const bool pg = GetParam() == Backend::kPostgres;

  // Opening creates the (empty, version 0) database.
  auto opened = OpenStore(db.url(), {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  ASSERT_EQ(store.SchemaVersion().value(), 0);

  // The schema as a version-2 release left it: migrations 1 and 2 with their bookkeeping rows,
  // applied as Store::Migrate applies them.
  const auto migrations = pg ? postgres::Migrations() : sqlite::Migrations();
  ASSERT_GE(migrations.size(), 3u);
  ASSERT_TRUE(db.ExecRaw("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at BIGINT NOT NULL)")
                  .ok());
  for (int v = 1; v <= 2; ++v) {
    const Migration& m = migrations[v - 1];
    ASSERT_EQ(m.version, v);
    ASSERT_TRUE(db.ExecRaw(m.sql).ok()) << "migration " << v;
    ASSERT_TRUE(db.ExecRaw("INSERT INTO schema_migrations VALUES (" + std::to_string(v) +
                           ", 'v', 1)")
                    .ok());
  }
  ASSERT_EQ(store.SchemaVersion().value(), 2);

  // Two tenants with a fit each and scores in the single version-2 table. The fit rows go in by
  // SQL (the version-2 model_fits layout); the scores through UpsertCustomerScores, whose
  // statements need nothing of migration 3.
  auto a = store.CreateTenantWithOwner("Shop A", "a@example.com", "hash-a", kT0).value();
  auto b = store.CreateTenantWithOwner("Shop B", "b@example.com", "hash-b", kT0).value();
  const auto a_ids = AddCustomers(store, a.tenant.id, "a", 5);
  const auto b_ids = AddCustomers(store, b.tenant.id, "b", 3);
  // PostgreSQL draws fit ids from model_fits' identity (as the version-2 writer did); SQLite
  // numbers them per tenant.
  auto insert_fit = [&](TenantId t) -> std::int64_t {
    const std::string tenant = std::to_string(t.value);
    EXPECT_TRUE(db.ExecRaw(
                      "INSERT INTO model_fits (tenant_id, " + std::string(pg ? "" : "id, ") +
                      "job_id, created_at, as_of, as_of_explicit, currency, model, "
                      "model_params, gamma_gamma_params, spend_model, period, resolution, "
                      "horizon_periods, clv_months, discount_rate_monthly, margin, customers, "
                      "report) VALUES (" + tenant + ", " + (pg ? "" : "1, ") + "NULL, " +
                      std::to_string(kT0) + ", " + std::to_string(kT0 - kDay) + ", " +
                      (pg ? "true" : "1") +
                      ", 'EUR', 'bgnbd', '0.25,4.5,0.75,2.5', '6.25,3.75,15.5', 'gamma_gamma', "
                      "'week', 'day', 52, 12, 0.01, 0.3, 5, '{}')")
                    .ok());
    return db.QueryInt("SELECT max(id) FROM model_fits WHERE tenant_id = " + tenant).value();
  };
  const std::int64_t a_fit = insert_fit(a.tenant.id);
  const std::int64_t b_fit = insert_fit(b.tenant.id);
  std::vector<CustomerScore> a_scores, b_scores;
  for (int i = 0; i < 5; ++i) a_scores.push_back(ScoreOf(a_ids[i], a_fit, 1 + i));
  for (int i = 0; i < 3; ++i) b_scores.push_back(ScoreOf(b_ids[i], b_fit, 10 + i * 0.5));
  ASSERT_TRUE(store.UpsertCustomerScores(a.tenant.id, a_scores).ok());
  ASSERT_TRUE(store.UpsertCustomerScores(b.tenant.id, b_scores).ok());

  ASSERT_TRUE(store.Migrate().ok());
  ASSERT_EQ(store.SchemaVersion().value(), kSchemaVersion);
  if (pg) {
    // Every old row moved to the default partition; no tenant partition exists yet.
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM customer_scores_default").value(), 8);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                          "'customer_scores'::regclass")
                  .value(),
              1);
  }
  ExpectScores(store, a.tenant.id, a_scores, a_fit);
  ExpectScores(store, b.tenant.id, b_scores, b_fit);
  EXPECT_EQ(store.GetCurrentFit(a.tenant.id).value().id, a_fit);
  EXPECT_EQ(store.GetCurrentFit(b.tenant.id).value().id, b_fit);
  auto one = store.GetCustomerScore(b.tenant.id, b_ids[1]);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->score.predicted_clv_minor, b_scores[1].predicted_clv_minor);

  // Incremental rescoring still upserts into the migrated table.
  b_scores[2] = ScoreOf(b_ids[2], b_fit, 40);
  ASSERT_TRUE(store.UpsertCustomerScores(b.tenant.id, {&b_scores[2], 1}).ok());
  ExpectScores(store, b.tenant.id, b_scores, b_fit);

  // A's next fit (on PostgreSQL its first partition) replaces A's scores only, twice.
  for (int round = 0; round < 2; ++round) {
    std::vector<CustomerScore> next;
    for (int i = 0; i < 4; ++i) next.push_back(ScoreOf(a_ids[i], 0, 50 + 10 * round + i));
    auto fit = WriteFit(store, a.tenant.id, kT0 + (round + 1) * kDay, next);
    ASSERT_TRUE(fit.ok()) << fit.status().ToString();
    EXPECT_GT(fit->id, a_fit);
    EXPECT_EQ(store.GetCurrentFit(a.tenant.id).value().id, fit->id);
    ExpectScores(store, a.tenant.id, next, fit->id);
    ExpectScores(store, b.tenant.id, b_scores, b_fit);
  }
  if (pg) {
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM customer_scores_default").value(), 3);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ScoreMigrationTest,
                         ::testing::Values(Backend::kSqliteFile, Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

// ---- PostgreSQL: bounded lock wait of the partition swap ----------------------------------------

class PgScoreSwapTest : public testing::PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    tenant_ = store_->CreateTenantWithOwner("Shop", "s@example.com", "hash", kT0).value().tenant.id;
    ids_ = AddCustomers(*store_, tenant_, "c", 4);
    for (int i = 0; i < 4; ++i) first_.push_back(ScoreOf(ids_[i], 0, 1 + i));
    auto fit = WriteFit(*store_, tenant_, kT0 + kDay, first_);
    ASSERT_TRUE(fit.ok()) << fit.status().ToString();
    first_fit_ = fit->id;
    for (int i = 0; i < 4; ++i) second_.push_back(ScoreOf(ids_[i], 0, 20 + i));
  }

  std::unique_ptr<postgres::PgConn> Connect() {
    auto c = postgres::PgConn::Connect(db_->url(), 5);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // A reader in an open transaction: holds ACCESS SHARE on customer_scores and its partitions,
  // which the swap's DETACH must wait for.
  std::unique_ptr<postgres::PgConn> HoldReadLock() {
    auto c = Connect();
    if (!c) return nullptr;
    EXPECT_TRUE(c->Command("BEGIN").ok());
    EXPECT_TRUE(c->Exec("SELECT count(*) FROM customer_scores").ok());
    return c;
  }

  // query_start of the swap statement while it waits for a lock; "" when none waits.
  static std::string WaitingSwapStart(postgres::PgConn& watcher) {
    auto r = watcher.Exec(
        "SELECT query_start::text FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
        "query LIKE 'ALTER TABLE customer_scores %'");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->rows() > 0 ? r->Text(0, 0) : "";
  }

  std::int64_t TenantPartitions() {
    return db_
        ->QueryInt("SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE "
                   "'customer_scores_t" + std::to_string(tenant_.value) + "\\_%'")
        .value();
  }

  TenantId tenant_;
  std::vector<CustomerId> ids_;
  std::vector<CustomerScore> first_, second_;
  std::int64_t first_fit_ = 0;
};

TEST_F(PgScoreSwapTest, SwapRetriesAfterALockTimeoutAndCommitsOnceTheReaderIsGone) {
  auto reader = HoldReadLock();
  auto watcher = Connect();
  ASSERT_TRUE(reader && watcher);
  Result<ModelFitRecord> result = Internal("not run");
  std::thread writer([&] { result = WriteFit(*store_, tenant_, kT0 + 2 * kDay, second_); });
  // Release the reader only once a second attempt of the swap waits (a different query_start
  // than the first wait seen): the first attempt must have timed out and been retried.
  std::string first_wait, now;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    now = WaitingSwapStart(*watcher);
    if (first_wait.empty()) first_wait = now;
    if (!now.empty() && now != first_wait) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_FALSE(first_wait.empty());
  EXPECT_NE(now, first_wait) << "the swap never waited a second time";
  ASSERT_TRUE(reader->Command("COMMIT").ok());
  writer.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_GT(result->id, first_fit_);
  EXPECT_EQ(store_->GetCurrentFit(tenant_).value().id, result->id);
  ExpectScores(*store_, tenant_, second_, result->id);
  EXPECT_EQ(TenantPartitions(), 1);
}

TEST_F(PgScoreSwapTest, SwapGivesUpAfterBoundedAttemptsAndKeepsTheOldFit) {
  auto reader = HoldReadLock();
  ASSERT_TRUE(reader);
  auto result = WriteFit(*store_, tenant_, kT0 + 2 * kDay, second_);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("could not be swapped in"), std::string::npos)
      << result.status().ToString();
  ASSERT_TRUE(reader->Command("COMMIT").ok());
  // Nothing of the failed fit: the old fit is current with its scores, its table is gone.
  EXPECT_EQ(store_->GetCurrentFit(tenant_).value().id, first_fit_);
  ExpectScores(*store_, tenant_, first_, first_fit_);
  EXPECT_EQ(TenantPartitions(), 1);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM model_fits").value(), 1);
  // The tenant can fit again.
  auto again = WriteFit(*store_, tenant_, kT0 + 3 * kDay, second_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectScores(*store_, tenant_, second_, again->id);
}

}  // namespace
}  // namespace clv::storage
