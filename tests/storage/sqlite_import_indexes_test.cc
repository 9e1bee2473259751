// The SQLite importer's bulk load into empty tables: it drops orders_customer (orders empty)
// and customers_email / customers_external_id (customers empty) inside its transaction and
// re-creates them from their own CREATE statements before COMMIT. After a committed import the
// schema must be exactly what it was (same index names and SQL), the indexes must hold every
// row (integrity_check compares each index with its table) and serve their lookups; after a
// failed import nothing is left and the indexes are back untouched. An import into non-empty
// tables keeps its indexes throughout.
#include <gtest/gtest.h>

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

// Order i of customer c(i % 37), every 4th with an email; enough rows for several 64-row
// chunks and customers written in more than one chunk.
OrderInput MakeOrder(int i) {
  OrderInput o;
  o.source = "csv";
  o.external_id = "o" + std::to_string(1000 + i);
  o.customer_external_id = "c" + std::to_string(i % 37);
  o.placed_at_us = kT0 + i * kHour;
  o.currency = "EUR";
  o.total_minor = 100 + i;
  o.status = OrderStatus::kPaid;
  if (i % 4 == 0) o.email = "c" + std::to_string(i % 37) + "@example.com";
  return o;
}

std::vector<OrderInput> Orders(int from, int to) {
  std::vector<OrderInput> out;
  for (int i = from; i < to; ++i) out.push_back(MakeOrder(i));
  return out;
}

class SqliteImportIndexesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::OpenFreshStore(Backend::kSqliteFile, db_, store_);
    if (IsSkipped() || HasFatalFailure()) return;
    auto t = store_->CreateTenantWithOwner("Shop", "owner@example.com", "hash", kT0);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tenant_ = t->tenant.id;
    // The schema's indexes as migrated, kept for comparison in a table of the database itself.
    ASSERT_TRUE(db_->ExecRaw("CREATE TABLE indexes_before AS SELECT name, tbl_name, sql "
                             "FROM sqlite_schema WHERE type = 'index'")
                    .ok());
  }

  Result<UpsertResult> Import(TenantId tenant, const std::vector<OrderInput>& all) {
    return testing::ImportInBatches(*store_, tenant, all, 100, kT0 + 1);
  }

  long long Int(const std::string& sql) {
    auto v = db_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << sql << ": " << v.status().ToString();
    return v.ok() ? *v : -1;
  }

  // Indexes that differ between now and the migrated schema, in either direction.
  long long ChangedIndexes() {
    return Int(
        "SELECT count(*) FROM ("
        "SELECT * FROM (SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' "
        "EXCEPT SELECT name, tbl_name, sql FROM indexes_before) "
        "UNION ALL SELECT * FROM (SELECT name, tbl_name, sql FROM indexes_before "
        "EXCEPT SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index'))");
  }
  long long IntegrityProblems() {
    return Int("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'");
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  TenantId tenant_;
};

TEST_F(SqliteImportIndexesTest, FreshImportLeavesTheSchemaAndFullIndexes) {
  auto r = Import(tenant_, Orders(0, 500));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 500);

  EXPECT_EQ(ChangedIndexes(), 0);
  EXPECT_EQ(IntegrityProblems(), 0);
  // Each re-created index holds one entry per row (read through the index itself).
  EXPECT_EQ(Int("SELECT count(*) FROM orders INDEXED BY orders_customer "
                "WHERE tenant_id = " + std::to_string(tenant_.value) + " AND customer_id > 0"),
            500);
  EXPECT_EQ(Int("SELECT count(*) FROM customers INDEXED BY customers_external_id "
                "WHERE tenant_id = " + std::to_string(tenant_.value) + " AND external_id > ''"),
            37);
  EXPECT_EQ(Int("SELECT count(*) FROM customers INDEXED BY customers_email "
                "WHERE tenant_id = " + std::to_string(tenant_.value) +
                " AND email = 'c5@example.com'"),
            1);
  // And the Store's own lookups through them find the rows.
  ListCustomersOptions by_email;
  by_email.limit = 10;
  by_email.email = "c5@example.com";
  auto page = store_->ListCustomers(tenant_, by_email);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].external_id, "c5");
  EXPECT_EQ(page->items[0].order_count, 14);  // orders 5, 42, …, 486

  // A second import into the now non-empty tables (new and known orders) keeps them too.
  auto again = Import(tenant_, Orders(400, 700));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->created, 200);
  EXPECT_EQ(again->unchanged, 100);
  EXPECT_EQ(ChangedIndexes(), 0);
  EXPECT_EQ(IntegrityProblems(), 0);
}

TEST_F(SqliteImportIndexesTest, FailedFreshImportLeavesNothingAndTheIndexes) {
  std::vector<OrderInput> all = Orders(0, 500);
  all[430].refund_of = "no-such-order";  // found by the writer, after several chunks
  all[430].status = OrderStatus::kRefunded;
  auto r = Import(tenant_, all);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no-such-order"), std::string::npos)
      << r.status().ToString();

  EXPECT_EQ(Int("SELECT count(*) FROM orders"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM customers"), 0);
  EXPECT_EQ(ChangedIndexes(), 0);
  EXPECT_EQ(IntegrityProblems(), 0);

  // The store goes on working with the indexes in place.
  auto ok = Import(tenant_, Orders(0, 100));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->created, 100);
  EXPECT_EQ(ChangedIndexes(), 0);
  EXPECT_EQ(IntegrityProblems(), 0);
}

}  // namespace
}  // namespace clv::storage
