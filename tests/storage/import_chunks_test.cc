// Order writes large enough to cross the SQLite writer's multi-row INSERT chunks (64 orders per
// statement, storage/sqlite/sqlite_store.cc): a chunk with a duplicate or a known order in it
// must give exactly what row-by-row writing gives (counts, aggregates, the first error with
// both items named, nothing stored on error). Run on every backend: the outcome is the Store
// contract, not a SQLite detail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "storage/store.h"
#include "storage/storage_test_fixtures.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using ::testing::HasSubstr;
using testing::Backend;
using testing::TestDatabase;

using testing::kDay;
using testing::kT0;

// Order i: customer c(i % 23), placed i days after kT0, total 100 + i; every 9th cancelled
// (not counted in the aggregates).
OrderInput MakeOrder(int i, std::string refund_of = "") {
  OrderInput o;
  o.source = "csv";
  o.external_id = "o" + std::to_string(i);
  o.customer_external_id = "c" + std::to_string(i % 23);
  o.placed_at_us = kT0 + i * kDay;
  o.currency = "EUR";
  o.total_minor = 100 + i;
  o.status = i % 9 == 0 ? OrderStatus::kCancelled : OrderStatus::kPaid;
  o.refund_of = std::move(refund_of);
  if (i % 5 == 0) o.email = "C" + std::to_string(i % 23) + "@Example.com";
  return o;
}

std::vector<OrderInput> Orders(int from, int to, int step = 1) {
  std::vector<OrderInput> out;
  for (int i = from; i < to; i += step) out.push_back(MakeOrder(i));
  return out;
}

class ImportChunksTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { testing::OpenFreshStore(GetParam(), db_, store_); }
  TenantId NewTenant(const std::string& email) {
    auto t = store_->CreateTenantWithOwner("Shop " + email, email, "hash", kT0);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->tenant.id : TenantId{};
  }
  // The whole import in batches of `batch` orders.
  Result<UpsertResult> Import(TenantId tenant, const std::vector<OrderInput>& all,
                              std::size_t batch = 1000) {
    return testing::ImportInBatches(*store_, tenant, all, batch, kT0 + 1);
  }
  // Customer external id -> (order count, first, last, email), the stored aggregates.
  std::map<std::string, std::tuple<std::int64_t, std::optional<UnixMicros>,
                                   std::optional<UnixMicros>, std::string>>
  Aggregates(TenantId tenant) {
    std::map<std::string, std::tuple<std::int64_t, std::optional<UnixMicros>,
                                     std::optional<UnixMicros>, std::string>>
        out;
    ListCustomersOptions o;
    o.limit = 1000;
    do {  // every page
      auto page = store_->ListCustomers(tenant, o);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const Customer& c : page->items)
        out[c.external_id] = {c.order_count, c.first_order_at_us, c.last_order_at_us, c.email};
      o.cursor = page->next_cursor;
    } while (!o.cursor.empty());
    return out;
  }
  // Order external id -> (customer external id, total, refund_of).
  std::map<std::string, std::tuple<std::string, std::int64_t, std::string>> StoredOrders(
      TenantId tenant) {
    std::map<std::string, std::tuple<std::string, std::int64_t, std::string>> out;
    ListOrdersOptions o;
    o.limit = 1000;
    auto page = store_->ListOrders(tenant, o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return out;
    EXPECT_TRUE(page->next_cursor.empty());
    for (const Order& x : page->items)
      out[x.data.external_id] = {x.data.customer_external_id, x.data.total_minor,
                                 x.data.refund_of};
    return out;
  }

  // `tenant` stores what `reference` stores: customers with their aggregates, and orders.
  void ExpectSameState(TenantId tenant, TenantId reference) {
    EXPECT_EQ(Aggregates(tenant), Aggregates(reference));
    EXPECT_EQ(StoredOrders(tenant), StoredOrders(reference));
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

// Known orders spread through chunks of new ones (every third order imported first), through
// the importer and through UpsertOrders: the same counts and the same stored state as one
// write of everything into an empty tenant.
TEST_P(ImportChunksTest, KnownOrdersInsideChunksGiveTheRowByRowOutcome) {
  const TenantId reference = NewTenant("ref@example.com");
  const TenantId imported = NewTenant("imp@example.com");
  const TenantId upserted = NewTenant("up@example.com");
  const std::vector<OrderInput> all = Orders(0, 400);

  auto ref = Import(reference, all);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->created, 400);

  auto first = Import(imported, Orders(0, 400, 3));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->created, 134);
  auto second = Import(imported, all, 150);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->created, 266);
  EXPECT_EQ(second->unchanged, 134);
  EXPECT_EQ(second->updated, 0);
  EXPECT_EQ(second->affected_customers.size(), 23u);

  auto up1 = store_->UpsertOrders(upserted, Orders(0, 400, 3), kT0 + 1);
  ASSERT_TRUE(up1.ok()) << up1.status().ToString();
  auto up2 = store_->UpsertOrders(upserted, all, kT0 + 1);
  ASSERT_TRUE(up2.ok()) << up2.status().ToString();
  EXPECT_EQ(up2->created, 266);
  EXPECT_EQ(up2->unchanged, 134);

  const auto expected = Aggregates(reference);
  ASSERT_EQ(expected.size(), 23u);
  // c0 has orders 0, 23, …, 391 (18 of them); 0 and 207 are cancelled.
  EXPECT_EQ(std::get<0>(expected.at("c0")), 16);
  EXPECT_EQ(std::get<3>(expected.at("c0")), "c0@example.com");
  EXPECT_EQ(Aggregates(imported), expected);
  EXPECT_EQ(Aggregates(upserted), expected);
  EXPECT_EQ(StoredOrders(imported), StoredOrders(reference));
  EXPECT_EQ(StoredOrders(upserted), StoredOrders(reference));
}

// A re-import mostly in the stored order (the SQLite writer then reads the known orders with
// one range scan per chunk, predicting they follow the last known one) with the prediction
// broken in every way: a changed order, an order moved to another customer, a reversed
// chunk, a new order among known ones. Importer and UpsertOrders give the counts and the
// stored state of one clean write of the final orders.
TEST_P(ImportChunksTest, ReImportsInAndOutOfStoredOrderGiveTheRowByRowOutcome) {
  const TenantId reference = NewTenant("ref@example.com");
  const TenantId imported = NewTenant("imp@example.com");
  const TenantId upserted = NewTenant("up@example.com");
  std::vector<OrderInput> again = Orders(0, 400);
  again[100].total_minor += 5;              // updated in place
  again[300].customer_external_id = "c5";   // moved from c1 to c5
  std::reverse(again.begin() + 200, again.begin() + 264);
  again.insert(again.begin() + 150, MakeOrder(1000));  // new, customer c11

  auto ref = Import(reference, again);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->created, 401);

  ASSERT_TRUE(Import(imported, Orders(0, 400)).ok());
  auto second = Import(imported, again, 150);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->created, 1);
  EXPECT_EQ(second->updated, 2);
  EXPECT_EQ(second->unchanged, 398);
  // c5 (moved in), c1 (moved out), c100's customer c8 (100 % 23), c11 (new order).
  EXPECT_EQ(second->affected_customers.size(), 4u);

  ASSERT_TRUE(store_->UpsertOrders(upserted, Orders(0, 400), kT0 + 1).ok());
  auto up = store_->UpsertOrders(upserted, again, kT0 + 1);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->created, 1);
  EXPECT_EQ(up->updated, 2);
  EXPECT_EQ(up->unchanged, 398);

  ExpectSameState(imported, reference);
  ExpectSameState(upserted, reference);
}

// An import into a shop with thousands of known customers (past the point where the SQLite
// writer stops looking customers up one by one and loads the tenant's keys in one scan), with
// known and new customers mixed after that point: every order lands on the right customer,
// with the aggregates of one clean write.
TEST_P(ImportChunksTest, ManyKnownCustomersAndNewOnesAfterThemGiveTheRowByRowOutcome) {
  const TenantId reference = NewTenant("ref@example.com");
  const TenantId imported = NewTenant("imp@example.com");
  auto order = [](int i, int customer) {
    OrderInput o = MakeOrder(i);
    o.customer_external_id = "k" + std::to_string(customer);
    o.email = customer % 7 == 0 ? "K" + std::to_string(customer) + "@example.com" : "";
    return o;
  };
  std::vector<OrderInput> first, second;
  for (int i = 0; i < 5000; ++i) first.push_back(order(i, i));
  for (int i = 0; i < 5000; ++i) second.push_back(order(i, i));     // all known
  for (int i = 5000; i < 5300; ++i) {
    second.push_back(order(i, i % 3 == 0 ? 5000 + i % 50 : i % 4999));  // new and known
  }
  std::vector<OrderInput> all = second;

  auto ref = Import(reference, all);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->created, 5300);
  ASSERT_TRUE(Import(imported, first).ok());
  auto r = Import(imported, second, 700);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 300);
  EXPECT_EQ(r->unchanged, 5000);
  EXPECT_EQ(store_->CountCustomers(imported).value(), 5050);

  const auto expected = Aggregates(reference);
  ASSERT_EQ(expected.size(), 5050u);
  EXPECT_EQ(std::get<0>(expected.at("k5000")), 2);  // orders 5100 and 5250 (i % 150 == 0)
  EXPECT_EQ(Aggregates(imported), expected);
}

// A duplicate among known orders of a re-import (two batches apart): reported naming both
// items, and the stored state is left as it was.
TEST_P(ImportChunksTest, DuplicateKnownOrdersInAReImportAreReportedExactly) {
  const TenantId tenant = NewTenant("a@example.com");
  ASSERT_TRUE(Import(tenant, Orders(0, 300)).ok());
  const auto before = Aggregates(tenant);
  std::vector<OrderInput> again = Orders(0, 300);
  again[10].total_minor += 1;     // an update that must be rolled back
  again[250] = MakeOrder(170);
  auto r = Import(tenant, again, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("orders[170] and orders[250]"));
  EXPECT_EQ(store_->CountOrders(tenant).value(), 300);
  EXPECT_EQ(Aggregates(tenant), before);
  EXPECT_EQ(std::get<1>(StoredOrders(tenant).at("o10")), 110);
}

// A refund whose target sits in the same chunk, not yet written when the refund arrives, and
// one whose target is in an earlier chunk.
TEST_P(ImportChunksTest, RefundsFindTargetsInTheSameAndEarlierChunks) {
  const TenantId tenant = NewTenant("a@example.com");
  std::vector<OrderInput> all = Orders(0, 200);
  all[70] = MakeOrder(70, "o66");  // same chunk (64..127), target not yet inserted
  all[150] = MakeOrder(150, "o3");  // an earlier chunk
  auto r = Import(tenant, all);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->created, 200);
  const auto stored = StoredOrders(tenant);
  ASSERT_EQ(stored.size(), 200u);
  EXPECT_EQ(std::get<2>(stored.at("o70")), "o66");
  EXPECT_EQ(std::get<2>(stored.at("o150")), "o3");
  EXPECT_EQ(std::get<2>(stored.at("o71")), "");
}

// A duplicate of an order of an earlier batch (Add refuses duplicates within a batch), in the
// middle and at the start of a full chunk: the first in import order is reported, naming both
// items, and nothing is stored.
TEST_P(ImportChunksTest, DuplicatesInsideAChunkAreReportedExactly) {
  const TenantId tenant = NewTenant("a@example.com");
  {
    std::vector<OrderInput> all = Orders(0, 300);
    all[150] = MakeOrder(70);  // the chunk 100..163 of the second batch
    all[250] = MakeOrder(10);  // a later one
    auto r = Import(tenant, all, 100);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("orders[70] and orders[150]"));
  }
  {
    std::vector<OrderInput> all = Orders(0, 300);
    all[100] = MakeOrder(10);  // first row of a chunk whose other rows are new
    auto r = Import(tenant, all, 100);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("orders[10] and orders[100]"));
  }
  EXPECT_EQ(store_->CountOrders(tenant).value(), 0);
  EXPECT_EQ(store_->CountCustomers(tenant).value(), 0);
}

// A refund of an unknown order after a duplicate that is still in a partial chunk: the
// duplicate, met first, is the error (second batch: orders 75..89).
TEST_P(ImportChunksTest, AnEarlierDuplicateIsReportedBeforeALaterBadRefund) {
  const TenantId tenant = NewTenant("a@example.com");
  std::vector<OrderInput> all = Orders(0, 90);
  all[80] = MakeOrder(70);
  all[85] = MakeOrder(85, "missing");
  auto r = Import(tenant, all, 75);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("orders[70] and orders[80]"));
  EXPECT_EQ(store_->CountOrders(tenant).value(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportChunksTest,
                         ::testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory,
                                           Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace clv::storage
