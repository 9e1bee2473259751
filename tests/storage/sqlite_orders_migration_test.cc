// SQLite migration 4 (sqlite/migrations.cc): the orders table rebuilt with its status and kind
// CHECKs written as comparisons. On a version-3 database holding two tenants' orders, refunds
// and every status, the migration must keep every row as it was, the same indexes and foreign
// keys, a clean integrity check, and still reject what the old CHECKs rejected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/migration.h"
#include "storage/sqlite/migrations.h"
#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage::testing {
namespace {

constexpr UnixMicros kStart = 1'700'000'000'000'000;
constexpr UnixMicros kDayUs = 86'400'000'000;

OrderInput Order(std::string id, std::string customer, int day, std::int64_t total,
                 OrderStatus status = OrderStatus::kPaid, std::string refund_of = "") {
  OrderInput o;
  o.source = "api";
  o.external_id = std::move(id);
  o.customer_external_id = std::move(customer);
  o.email = o.customer_external_id + "@example.com";
  o.placed_at_us = kStart + day * kDayUs;
  o.currency = "EUR";
  o.total_minor = total;
  o.status = status;
  o.refund_of = std::move(refund_of);
  return o;
}

std::vector<clv::Order> AllOrders(Store& store, TenantId tenant) {
  std::vector<clv::Order> out;
  ListOrdersOptions options;
  options.limit = 100;
  while (true) {
    auto page = store.ListOrders(tenant, options);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return out;
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) return out;
    options.cursor = page->next_cursor;
  }
}

void ExpectSameOrders(const std::vector<clv::Order>& want, const std::vector<clv::Order>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("order " + want[i].data.external_id);
    EXPECT_EQ(got[i].id.value, want[i].id.value);
    EXPECT_EQ(got[i].customer.value, want[i].customer.value);
    EXPECT_EQ(got[i].data, want[i].data);
    EXPECT_EQ(got[i].created_at_us, want[i].created_at_us);
    EXPECT_EQ(got[i].updated_at_us, want[i].updated_at_us);
  }
}

TEST(SqliteOrdersMigrationTest, VersionThreeOrdersSurviveTheRebuildWithTheSameRules) {
  std::string skip;
  auto created = TestDatabase::Create(Backend::kSqliteFile, &skip);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  TestDatabase& db = **created;
  auto opened = OpenStore(db.url(), {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;

  // The schema as a version-3 release left it, applied as Store::Migrate applies it.
  const auto migrations = sqlite::Migrations();
  ASSERT_GE(migrations.size(), 4u);
  ASSERT_TRUE(db.ExecRaw("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at BIGINT NOT NULL)")
                  .ok());
  for (int v = 1; v <= 3; ++v) {
    ASSERT_TRUE(db.ExecRaw(migrations[v - 1].sql).ok()) << "migration " << v;
    ASSERT_TRUE(
        db.ExecRaw("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 'v', 1)")
            .ok());
  }
  ASSERT_EQ(store.SchemaVersion().value(), 3);
  ASSERT_EQ(db.QueryInt("SELECT instr(sql, 'status IN') > 0 FROM sqlite_schema "
                        "WHERE name = 'orders'")
                .value(),
            1);

  // Two tenants; every status; refunds of earlier orders, one of an order of the same batch.
  auto a = store.CreateTenantWithOwner("Shop A", "a@example.com", "hash-a", kStart).value();
  auto b = store.CreateTenantWithOwner("Shop B", "b@example.com", "hash-b", kStart).value();
  const std::vector<OrderInput> a_orders = {
      Order("a1", "c1", 0, 1000),
      Order("a2", "c1", 3, 2500, OrderStatus::kPartiallyRefunded),
      Order("a3", "c2", 4, 700, OrderStatus::kPending),
      Order("a4", "c3", 5, 900, OrderStatus::kCancelled),
      Order("a5", "c2", 6, 1200, OrderStatus::kRefunded),
      Order("r1", "c1", 7, 500, OrderStatus::kRefunded, "a2"),
      Order("r2", "c2", 8, 1200, OrderStatus::kRefunded, "a5"),
  };
  ASSERT_TRUE(store.UpsertOrders(a.tenant.id, a_orders, kStart + kDayUs).ok());
  const std::vector<OrderInput> b_orders = {Order("a1", "c1", 1, 4000)};
  ASSERT_TRUE(store.UpsertOrders(b.tenant.id, b_orders, kStart).ok());
  const std::vector<OrderInput> later = {
      Order("r3", "c1", 9, 100, OrderStatus::kRefunded, "a1")};
  ASSERT_TRUE(store.UpsertOrders(a.tenant.id, later, kStart + 2 * kDayUs).ok());
  const std::vector<clv::Order> a_before = AllOrders(store, a.tenant.id);
  const std::vector<clv::Order> b_before = AllOrders(store, b.tenant.id);
  ASSERT_EQ(a_before.size(), 8u);
  ASSERT_EQ(b_before.size(), 1u);

  ASSERT_TRUE(store.Migrate().ok());
  ASSERT_EQ(store.SchemaVersion().value(), kSchemaVersion);

  ExpectSameOrders(a_before, AllOrders(store, a.tenant.id));
  ExpectSameOrders(b_before, AllOrders(store, b.tenant.id));
  // The rebuilt table: comparisons instead of IN lists, nothing left of the old one, the
  // same indexes and foreign keys (the refund reference points at the new table), sound.
  EXPECT_EQ(db.QueryInt("SELECT instr(sql, 'IN (') FROM sqlite_schema WHERE name = 'orders'")
                .value(),
            0);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%orders_v3%' "
                        "OR tbl_name = 'orders_v3'")
                .value(),
            0);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'orders'")
                .value(),
            2);  // the unique key's and orders_customer
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pragma_index_info('orders_customer')").value(), 4);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pragma_foreign_key_list('orders') WHERE "
                        "\"table\" = 'orders' AND \"from\" = 'refund_of_order_id'")
                .value(),
            1);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pragma_foreign_key_list('orders') WHERE "
                        "\"table\" = 'customers' AND \"from\" = 'customer_id'")
                .value(),
            1);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pragma_foreign_key_check").value(), 0);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check "
                        "<> 'ok'")
                .value(),
            0);

  // The same rules: an unknown status or kind, or a negative total, is still refused.
  const std::string insert =
      "INSERT INTO orders (tenant_id, id, source, external_id, customer_id, placed_at, currency, "
      "total_minor, status, refund_of_order_id, kind, created_at, updated_at) VALUES (" +
      std::to_string(a.tenant.id.value) + ", 100, 'api', 'x', " +
      std::to_string(a_before.front().customer.value) + ", 0, 'EUR', ";
  EXPECT_FALSE(db.ExecRaw(insert + "1, 'shipped', NULL, 'order', 0, 0)").ok());
  EXPECT_FALSE(db.ExecRaw(insert + "1, 'paid', NULL, 'gift', 0, 0)").ok());
  EXPECT_FALSE(db.ExecRaw(insert + "-1, 'paid', NULL, 'order', 0, 0)").ok());
  EXPECT_TRUE(db.ExecRaw(insert + "1, 'partially_refunded', NULL, 'order', 0, 0)").ok());
  EXPECT_TRUE(db.ExecRaw("DELETE FROM orders WHERE external_id = 'x'").ok());

  // The store writes and reads the rebuilt table: a new order, a refund of a migrated order,
  // a customer's orders through orders_customer.
  const std::vector<OrderInput> after = {
      Order("a6", "c3", 10, 300), Order("r4", "c2", 11, 300, OrderStatus::kRefunded, "a3")};
  ASSERT_TRUE(store.UpsertOrders(a.tenant.id, after, kStart + 3 * kDayUs).ok());
  ListOrdersOptions by_customer;
  by_customer.limit = 10;
  by_customer.customer = a_before[2].customer;  // c2: a3, a5, r2, then the new refund of a3
  auto c2 = store.ListOrders(a.tenant.id, by_customer);
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  ASSERT_EQ(c2->items.size(), 4u);
  EXPECT_EQ(AllOrders(store, a.tenant.id).size(), 10u);
}

}  // namespace
}  // namespace clv::storage::testing
