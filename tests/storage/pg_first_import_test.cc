// PostgreSQL: a tenant's first import is written straight into orders and customers by COPY
// (DirectImport, pg_import.h) instead of staged and merged. These tests hold it to the staged
// merge: the same rows written by UpsertOrders into another tenant give the same customers and
// orders, field by field; errors name the same indexes, and nothing of a failed import stays.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "storage/storage_test_fixtures.h"
#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using ::testing::HasSubstr;

using testing::kHour;
using testing::kT0;
using testing::MakeOrder;

// 3,000 rows, 130 customers per source, refunds of an order 1–300 rows earlier (so in the same
// or an earlier batch of 700) when it is of their source, and one customer ("refund-only",
// row 2000) that appears only in a refund (testing::MixedRows).
std::vector<OrderInput> Rows() {
  return testing::MixedRows(
      {.rows = 3000, .customers = 130, .hours = 3000, .refund_only_at = 2000});
}

class PgFirstImportTest : public testing::PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = store_->CreateTenantWithOwner("A", "a@example.com", "hash", kT0).value().tenant.id;
    b_ = store_->CreateTenantWithOwner("B", "b@example.com", "hash", kT0).value().tenant.id;
  }

  Result<UpsertResult> Import(TenantId tenant, std::span<const OrderInput> rows,
                              std::size_t batch = 700) {
    return testing::ImportInBatches(*store_, tenant, rows, batch, kT0 + 1);
  }
  std::vector<Customer> AllCustomers(TenantId tenant) {
    return testing::AllCustomers(*store_, tenant);
  }
  std::vector<Order> AllOrders(TenantId tenant) { return testing::AllOrders(*store_, tenant); }
  long long Count(const char* table, TenantId tenant) {
    auto r = db_->QueryInt(std::string("SELECT count(*) FROM ") + table +
                           " WHERE tenant_id = " + std::to_string(tenant.value));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  TenantId a_, b_;
};

using CustomerFields = std::tuple<std::string, std::string, std::string, UnixMicros, UnixMicros,
                                  std::int64_t, UnixMicros>;
std::map<std::pair<std::string, std::string>, CustomerFields> ByKey(const std::vector<Customer>& cs) {
  std::map<std::pair<std::string, std::string>, CustomerFields> out;
  for (const Customer& c : cs)
    out[{c.source, c.external_id}] = {c.source, c.external_id, c.email, c.first_order_at_us,
                                      c.last_order_at_us, c.order_count, c.created_at_us};
  return out;
}

TEST_F(PgFirstImportTest, WritesWhatTheStagedMergeWrites) {
  const std::vector<OrderInput> rows = Rows();
  auto direct = Import(a_, rows);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  auto merged = store_->UpsertOrders(b_, rows, kT0 + 1);  // the staged merge
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(direct->created, 3000);
  EXPECT_EQ(direct->updated, 0);
  EXPECT_EQ(direct->unchanged, 0);
  EXPECT_EQ(merged->created, 3000);

  const std::vector<Customer> ca = AllCustomers(a_), cb = AllCustomers(b_);
  ASSERT_EQ(ca.size(), 261u);  // 130 per source + "refund-only"
  EXPECT_EQ(ByKey(ca), ByKey(cb));
  // Every customer is affected, ascending.
  ASSERT_EQ(direct->affected_customers.size(), ca.size());
  for (std::size_t i = 0; i < ca.size(); ++i)
    EXPECT_EQ(direct->affected_customers[i].value, ca[i].id.value);
  // Customers are numbered in order of first appearance.
  EXPECT_EQ(ca[0].external_id, "c0");
  EXPECT_EQ(ca[0].source, "pos");
  EXPECT_EQ(ca[1].external_id, "c1");

  const std::vector<Order> oa = AllOrders(a_), ob = AllOrders(b_);
  ASSERT_EQ(oa.size(), 3000u);
  ASSERT_EQ(ob.size(), 3000u);
  // Fields by key.
  std::map<std::pair<std::string, std::string>, const Order*> merged_by_key;
  for (const Order& o : ob) merged_by_key[{o.data.source, o.data.external_id}] = &o;
  // Both paths number the orders in import order, then the refunds in import order.
  std::vector<const OrderInput*> expected;
  for (const OrderInput& r : rows)
    if (r.refund_of.empty()) expected.push_back(&r);
  for (const OrderInput& r : rows)
    if (!r.refund_of.empty()) expected.push_back(&r);
  int refunds = 0;
  for (std::size_t i = 0; i < oa.size(); ++i) {
    EXPECT_EQ(oa[i].data.external_id, expected[i]->external_id) << i;
    EXPECT_EQ(ob[i].data.external_id, expected[i]->external_id) << i;
    const Order* m = merged_by_key[{oa[i].data.source, oa[i].data.external_id}];
    ASSERT_NE(m, nullptr) << i;
    EXPECT_EQ(oa[i].data.customer_external_id, m->data.customer_external_id) << i;
    EXPECT_EQ(oa[i].data.email, m->data.email) << i;
    EXPECT_EQ(oa[i].data.placed_at_us, m->data.placed_at_us) << i;
    EXPECT_EQ(oa[i].data.currency, m->data.currency) << i;
    EXPECT_EQ(oa[i].data.total_minor, m->data.total_minor) << i;
    EXPECT_EQ(oa[i].data.status, m->data.status) << i;
    EXPECT_EQ(oa[i].data.refund_of, m->data.refund_of) << i;
    EXPECT_EQ(oa[i].data.refund_of, expected[i]->refund_of) << i;
    EXPECT_EQ(oa[i].created_at_us, kT0 + 1);
    EXPECT_EQ(oa[i].updated_at_us, kT0 + 1);
    refunds += !oa[i].data.refund_of.empty();
  }
  EXPECT_GT(refunds, 30);

  // The next import of the tenant is an ordinary merge: everything unchanged.
  auto again = Import(a_, rows, 999);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->unchanged, 3000);
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(ByKey(AllCustomers(a_)), ByKey(cb));
}

TEST_F(PgFirstImportTest, ErrorsNameTheIndexesAndLeaveNothing) {
  std::vector<OrderInput> rows;
  for (int i = 0; i < 10; ++i)
    rows.push_back(MakeOrder("o" + std::to_string(i), "c" + std::to_string(i % 3), kT0 + i * kHour,
                             100, OrderStatus::kPaid, "", "shop"));
  // Each case: `rows` with a few fields changed, and what the error must say.
  using Rows = std::vector<OrderInput>;
  struct Case {
    std::string message;
    std::function<void(Rows&)> change;
  };
  const Case cases[] = {
      // a duplicate in a later batch: the first index comes from the database
      {"orders[2] and orders[7] have the same source and id ('shop', 'o2')",
       [](Rows& r) { r[7].external_id = "o2"; }},
      // the earlier row is a refund (refunds are written last)
      {"orders[3] and orders[7] have the same source and id ('shop', 'o3')",
       [](Rows& r) {
         r[3].refund_of = "o1";
         r[7].external_id = "o3";
       }},
      // the earlier row is an order after a refund: its index counts the refund
      {"orders[4] and orders[6] have the same source and id ('shop', 'o4')",
       [](Rows& r) {
         r[2].refund_of = "o1";
         r[6].external_id = "o4";
       }},
      // within one batch
      {"orders[4] and orders[5] have the same source and id",
       [](Rows& r) { r[5].external_id = "o4"; }},
      // the same id in another source is no duplicate; a refund of a missing order
      {"orders[8]: refund_of 'nope' is not an earlier or existing order",
       [](Rows& r) {
         r[6].source = "pos";
         r[6].external_id = "o1";
         r[8].refund_of = "nope";
       }},
      // a refund of a LATER order
      {"orders[3]: refund_of 'o9'", [](Rows& r) { r[3].refund_of = "o9"; }},
      // a refund of a refund; the earlier valid refund is fine
      {"orders[6]: refund_of 'o4'",
       [](Rows& r) {
         r[4].refund_of = "o1";
         r[6].refund_of = "o4";
       }},
      // a refund of an order of another source
      {"orders[6]: refund_of 'o1' is not an earlier or existing order of source 'pos'",
       [](Rows& r) {
         r[6].source = "pos";
         r[6].refund_of = "o1";
       }},
      // a duplicate wins over an earlier bad refund, as in UpsertOrders
      {"orders[1] and orders[8]",
       [](Rows& r) {
         r[2].refund_of = "nope";
         r[8].external_id = "o1";
       }},
      // an invalid row
      {"orders[5]:", [](Rows& r) { r[5].total_minor = -1; }},
  };
  for (const Case& c : cases) {
    Rows bad = rows;
    c.change(bad);
    auto direct = Import(a_, bad, 4);
    ASSERT_FALSE(direct.ok()) << c.message;
    EXPECT_EQ(direct.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(direct.status().message(), HasSubstr(c.message));
    auto merged = store_->UpsertOrders(b_, bad, kT0);
    ASSERT_FALSE(merged.ok()) << c.message;
    EXPECT_THAT(merged.status().message(), HasSubstr(c.message));
    EXPECT_EQ(Count("orders", a_), 0);
    EXPECT_EQ(Count("customers", a_), 0);
  }
  // Aborted and abandoned imports leave nothing either.
  {
    auto importer = store_->BeginImport(a_, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(rows).ok());
    (*importer)->Abort();
    EXPECT_EQ((*importer)->Commit().status().code(), StatusCode::kFailedPrecondition);
  }
  {
    auto importer = store_->BeginImport(a_, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(rows).ok());
  }
  EXPECT_EQ(Count("orders", a_), 0);
  EXPECT_EQ(Count("customers", a_), 0);
  // And the tenant's first import still works after all that.
  auto ok = Import(a_, rows, 4);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->created, 10);
  EXPECT_EQ(Count("customers", a_), 3);
}

// Two imports into one fresh tenant: the second waits for the first's tenant lock in
// BeginImport, then finds its customers and merges; both end exact.
TEST_F(PgFirstImportTest, ASecondImportOfAFreshTenantMergesIntoTheFirst) {
  std::vector<OrderInput> first, second;
  for (int i = 0; i < 200; ++i)
    first.push_back(MakeOrder("o" + std::to_string(i), "c" + std::to_string(i % 9), kT0 + i * kHour,
                              100, OrderStatus::kPaid, "", "shop"));
  for (int i = 100; i < 300; ++i)
    second.push_back(MakeOrder("o" + std::to_string(i), "d" + std::to_string(i % 11),
                               kT0 + i * kHour, 100, OrderStatus::kPaid, "", "shop"));
  auto importer = store_->BeginImport(a_, kT0);
  ASSERT_TRUE(importer.ok());
  ASSERT_TRUE((*importer)->Add(first).ok());
  Result<UpsertResult> other = Internal("not run");
  std::thread t([&] { other = Import(a_, second, 50); });
  auto done = (*importer)->Commit();
  t.join();
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(done->created, 200);
  EXPECT_EQ(other->created, 100);
  EXPECT_EQ(other->updated, 100);  // o100..o199 moved to the d customers
  EXPECT_EQ(Count("orders", a_), 300);
  EXPECT_EQ(Count("customers", a_), 20);
  auto count = db_->QueryInt("SELECT sum(order_count) FROM customers WHERE tenant_id = " +
                             std::to_string(a_.value));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 300);
}

// Customer ids come in blocks reserved between two COPY commands, the blocks doubling: 30,000
// new customers take three (8,192 + 16,384 + 32,768 ids). Every order names a written
// customer, and ids rise in order of first appearance across the blocks.
TEST_F(PgFirstImportTest, CustomersSpanningSeveralIdBlocksKeepTheirOrder) {
  std::vector<OrderInput> rows;
  char name[16];
  for (int i = 0; i < 30000; ++i) {
    std::snprintf(name, sizeof name, "c%05d", i);
    rows.push_back(MakeOrder("o" + std::to_string(i), name, kT0 + i, 100));
  }
  for (int i = 0; i < 100; ++i) {  // repeat customers after the last block was opened
    std::snprintf(name, sizeof name, "c%05d", i);
    rows.push_back(MakeOrder("r" + std::to_string(i), name, kT0 + 30000 + i, 100));
  }
  auto done = Import(a_, rows, 5000);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->created, 30100);
  EXPECT_EQ(done->affected_customers.size(), 30000u);
  EXPECT_EQ(Count("customers", a_), 30000);
  const std::string t = std::to_string(a_.value);
  auto joined = db_->QueryInt(
      "SELECT count(*) FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id "
      "AND c.id = o.customer_id WHERE o.tenant_id = " + t);
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  EXPECT_EQ(*joined, 30100);
  auto out_of_order = db_->QueryInt(
      "SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY external_id) AS prev "
      "FROM customers WHERE tenant_id = " + t + ") s WHERE prev >= id");
  ASSERT_TRUE(out_of_order.ok()) << out_of_order.status().ToString();
  EXPECT_EQ(*out_of_order, 0);
  auto repeats = db_->QueryInt("SELECT count(*) FROM customers WHERE tenant_id = " + t +
                               " AND order_count = 2");
  ASSERT_TRUE(repeats.ok()) << repeats.status().ToString();
  EXPECT_EQ(*repeats, 100);
}

// Migration 5: orders_customer's keys are unique, so B-tree deduplication can never merge
// anything and its pass before each leaf split is wasted (docs/benchmarks.md "Session 10").
TEST_F(PgFirstImportTest, OrdersCustomerIndexDoesNotDeduplicate) {
  auto off = db_->QueryInt(
      "SELECT count(*) FROM pg_class WHERE oid = 'orders_customer'::regclass "
      "AND 'deduplicate_items=off' = ANY (reloptions)");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(*off, 1);
}

// Migration 6: the unique keys lead with external_id (cheaper comparisons for one tenant's
// keys, which share a source), and the customers' key replaces customers_external_id.
TEST_F(PgFirstImportTest, UniqueKeysLeadWithExternalIdAndServeLookupsByIt) {
  for (const std::string table : {"orders", "customers"}) {
    auto keys = db_->QueryInt(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'u' AND conrelid = '" + table +
        "'::regclass AND pg_get_indexdef(conindid) LIKE '%(tenant_id, external_id, source)'");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    EXPECT_EQ(*keys, 1) << table;
  }
  // The customers' key serves lookups by external_id, so the index that did is gone.
  auto gone = db_->QueryInt("SELECT count(*) FROM pg_class WHERE relname = 'customers_external_id'");
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_EQ(*gone, 0);
}

}  // namespace
}  // namespace clv::storage
