// PostgreSQL: a write that grows orders or customers by a large share refreshes their planner
// statistics itself (ANALYZE after its COMMIT), so the next merge is never planned against a
// table that has none. Regression test for the re-import that spent > 140 s in its refund
// merge right after a fresh 1M-order import: autovacuum had analyzed customers but not yet
// orders, and the planner looked every refund up by (tenant_id, source) alone.
//
// Autovacuum is switched off for both tables here, so statistics can only come from the store.
#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "storage/store.h"
#include "storage/storage_test_fixtures.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using testing::Backend;
using testing::TestDatabase;

using testing::kHour;
using testing::kT0;

// `n` orders "<prefix>o0".. over `customers` customers "<prefix>c0".., every 50th a refund of
// the order before it.
std::vector<OrderInput> MakeOrders(const std::string& prefix, int n, int customers) {
  std::vector<OrderInput> out;
  for (int i = 0; i < n; ++i) {
    OrderInput o;
    o.source = "shop";
    o.external_id = prefix + "o" + std::to_string(i);
    o.customer_external_id = prefix + "c" + std::to_string(i % customers);
    o.placed_at_us = kT0 + i * kHour;
    o.currency = "EUR";
    o.total_minor = 100 + i % 997;
    o.status = OrderStatus::kPaid;
    if (i % 50 == 49) {
      o.refund_of = prefix + "o" + std::to_string(i - 1);
      o.customer_external_id = prefix + "c" + std::to_string((i - 1) % customers);
    }
    out.push_back(std::move(o));
  }
  return out;
}

class PgImportStatsTest : public testing::PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* table : {"orders", "customers"}) {
      ASSERT_TRUE(db_->ExecRaw(std::string("ALTER TABLE ") + table +
                               " SET (autovacuum_enabled = false)")
                      .ok());
    }
    tenant_ = store_->CreateTenantWithOwner("Shop", "s@example.com", "hash", kT0).value().tenant.id;
  }

  // The planner's row estimate of `table`; -1 while it has never been analyzed.
  long long RowEstimate(const std::string& table) {
    auto r = db_->QueryInt("SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table +
                           "'::regclass");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -2;
  }
  long long Count(const std::string& table) {
    auto r = db_->QueryInt("SELECT count(*) FROM " + table);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }
  // Manual ANALYZEs of `table` so far (autovacuum's are counted apart).
  long long AnalyzeCount(const std::string& table) {
    auto r = db_->QueryInt("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = '" +
                           table + "'");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }
  // Column statistics rows of `table` (pg_stats), 0 without ANALYZE.
  long long ColumnStats(const std::string& table) {
    auto r = db_->QueryInt("SELECT count(*) FROM pg_stats WHERE tablename = '" + table + "'");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  Result<UpsertResult> Import(std::span<const OrderInput> orders) {
    return testing::ImportInBatches(*store_, tenant_, orders, 700, kT0);
  }

  TenantId tenant_;
};

TEST_F(PgImportStatsTest, LargeImportLeavesOrdersAndCustomersAnalyzed) {
  ASSERT_EQ(RowEstimate("orders"), -1);  // never analyzed: the state the bug started from
  ASSERT_EQ(RowEstimate("customers"), -1);
  const auto orders = MakeOrders("a", 5000, 1500);
  auto r = Import(orders);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 5000);
  // ANALYZE reads every row of tables this small, so the estimates are exact.
  EXPECT_EQ(RowEstimate("orders"), 5000);
  EXPECT_EQ(RowEstimate("customers"), Count("customers"));
  EXPECT_GT(Count("customers"), 1000);
  EXPECT_GT(ColumnStats("orders"), 0);
  EXPECT_GT(ColumnStats("customers"), 0);

  const long long orders_analyzed = AnalyzeCount("orders");
  const long long customers_analyzed = AnalyzeCount("customers");
  EXPECT_GE(orders_analyzed, 1);
  EXPECT_GE(customers_analyzed, 1);

  // The same file again: nothing grew, no ANALYZE.
  auto again = Import(orders);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->unchanged, 5000);
  EXPECT_EQ(AnalyzeCount("orders"), orders_analyzed);
  EXPECT_EQ(AnalyzeCount("customers"), customers_analyzed);

  // 600 more orders grow a 5,000-row table by 12 %, but are under the 1,000-row floor.
  auto small = Import(MakeOrders("b", 600, 60));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->created, 600);
  EXPECT_EQ(RowEstimate("orders"), 5000);
  EXPECT_EQ(AnalyzeCount("orders"), orders_analyzed);
}

TEST_F(PgImportStatsTest, LargeOrderBatchLeavesOrdersAnalyzed) {
  // The POST /orders path (UpsertOrders) refreshes them the same way.
  const auto orders = MakeOrders("a", 2000, 1200);
  auto r = store_->UpsertOrders(tenant_, orders, kT0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 2000);
  EXPECT_EQ(RowEstimate("orders"), 2000);
  EXPECT_EQ(RowEstimate("customers"), Count("customers"));
  EXPECT_GT(Count("customers"), 1000);
}

TEST_F(PgImportStatsTest, ImportUnderTenPercentOfTheTableLeavesStatisticsToAutovacuum) {
  ASSERT_TRUE(Import(MakeOrders("a", 12000, 1100)).ok());
  ASSERT_EQ(RowEstimate("orders"), 12000);
  const long long customers = Count("customers");
  ASSERT_EQ(RowEstimate("customers"), customers);
  // 1,100 orders (9 % of 12,000) and 100 new customers (under the floor).
  auto r = Import(MakeOrders("b", 1100, 100));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 1100);
  EXPECT_EQ(RowEstimate("orders"), 12000);
  EXPECT_GT(Count("customers"), customers);
  EXPECT_EQ(RowEstimate("customers"), customers);
}

}  // namespace
}  // namespace clv::storage
