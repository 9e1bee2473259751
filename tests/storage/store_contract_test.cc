// The Store contract (storage/store.h), one suite instantiated for every backend: SQLite file,
// SQLite in-memory and PostgreSQL (CLV_TEST_POSTGRES_URL; see test_database.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>

#include "storage/storage_test_fixtures.h"
#include "storage/detail_batcher.h"
#include "storage/postgres/pg.h"
#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Backend;
using testing::TestDatabase;

using testing::kDay;
using testing::kT0;
using testing::MakeOrder;

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    auto db = TestDatabase::Create(GetParam(), &skip);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    if (!*db) GTEST_SKIP() << skip;
    db_ = std::move(db).value();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Migrate().ok());
  }

  std::unique_ptr<Store> Open(StoreOptions options = {}) {
    auto s = OpenStore(db_->url(), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  TenantWithOwner NewTenant(const std::string& email) {
    auto t = store_->CreateTenantWithOwner("Shop " + email, email, "hash-" + email, kT0);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TenantWithOwner{};
  }

  UpsertResult Upsert(TenantId tenant, const std::vector<OrderInput>& orders) {
    auto r = store_->UpsertOrders(tenant, orders, kT0 + 1);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : UpsertResult{};
  }

  Customer CustomerByExternalId(TenantId tenant, const std::string& external_id) {
    ListCustomersOptions o;
    o.external_id = external_id;
    auto page = store_->ListCustomers(tenant, o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok() || page->items.size() != 1) {
      ADD_FAILURE() << "no single customer " << external_id;
      return {};
    }
    return page->items[0];
  }

  std::int64_t Orders(TenantId t) { return store_->CountOrders(t).value(); }
  std::int64_t Customers(TenantId t) { return store_->CountCustomers(t).value(); }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

// ---- Opening and migrations -------------------------------------------------------------------

TEST_P(StoreContractTest, MigrateIsIdempotentAndRecordsTheVersion) {
  EXPECT_EQ(store_->SchemaVersion().value(), kSchemaVersion);
  ASSERT_TRUE(store_->Migrate().ok());
  ASSERT_TRUE(store_->Migrate().ok());
  EXPECT_EQ(store_->SchemaVersion().value(), kSchemaVersion);
  EXPECT_TRUE(store_->Ping().ok());
  if (!db_->can_reopen()) return;
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM schema_migrations").value(), kSchemaVersion);
  EXPECT_GT(db_->QueryInt("SELECT min(applied_at) FROM schema_migrations").value(),
            1'600'000'000'000'000LL);
}

TEST_P(StoreContractTest, FreshDatabaseHasVersionZeroUntilMigrated) {
  if (!db_->can_reopen()) {
    auto fresh = OpenStore("sqlite::memory:");
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ((*fresh)->SchemaVersion().value(), 0);
    auto orders = (*fresh)->CountOrders(TenantId{1});
    EXPECT_FALSE(orders.ok());
    return;
  }
  // A second, unmigrated database on the same backend.
  std::string skip;
  auto other = TestDatabase::Create(GetParam(), &skip);
  ASSERT_TRUE(other.ok() && *other);
  auto s = OpenStore((*other)->url());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->SchemaVersion().value(), 0);
  EXPECT_EQ((*s)->CountOrders(TenantId{1}).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*s)->Migrate().ok());
  EXPECT_EQ((*s)->SchemaVersion().value(), kSchemaVersion);
  s->reset();
}

TEST_P(StoreContractTest, RefusesADatabaseNewerThanTheBinary) {
  if (!db_->can_reopen()) GTEST_SKIP() << "needs a second connection";
  const int newer = kSchemaVersion + 1;
  ASSERT_TRUE(db_->ExecRaw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                           std::to_string(newer) + ", 'future', 0)")
                  .ok());
  Status migrate = store_->Migrate();
  EXPECT_EQ(migrate.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(migrate.message(),
              HasSubstr("database schema version " + std::to_string(newer) +
                        " is newer than this clv (" + std::to_string(kSchemaVersion) +
                        "); upgrade clv"));
  auto reopened = OpenStore(db_->url());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, ConcurrentMigrationsApplyEachVersionOnce) {
  if (!db_->can_reopen()) GTEST_SKIP() << "needs a second connection";
  std::string skip;
  auto other = TestDatabase::Create(GetParam(), &skip);
  ASSERT_TRUE(other.ok() && *other);
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(OpenStore((*other)->url()).value());
  std::vector<Status> results(stores.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < stores.size(); ++i)
    threads.emplace_back([&, i] { results[i] = stores[i]->Migrate(); });
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ((*other)->QueryInt("SELECT count(*) FROM schema_migrations").value(), kSchemaVersion);
  stores.clear();
}

// ---- Tenants and users ------------------------------------------------------------------------

TEST_P(StoreContractTest, CreatesTenantWithOwnerAndFindsLoginCaseInsensitively) {
  auto created = store_->CreateTenantWithOwner("Acme", "Ann@Example.COM", "h1", kT0);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->tenant.name, "Acme");
  EXPECT_EQ(created->owner.email, "ann@example.com");
  EXPECT_EQ(created->owner.role, Role::kOwner);
  EXPECT_EQ(created->owner.tenant, created->tenant.id);

  auto found = store_->FindUserByEmail("ANN@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, created->owner.id);
  EXPECT_EQ(found->tenant, created->tenant.id);
  EXPECT_EQ(found->password_hash, "h1");
  EXPECT_EQ(store_->GetTenant(created->tenant.id)->name, "Acme");
  EXPECT_EQ(store_->FindUserByEmail("nobody@example.com").status().code(),
            StatusCode::kNotFound);

  auto again = store_->CreateTenantWithOwner("Other", "ann@EXAMPLE.com", "h2", kT0);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  auto user = store_->CreateUser(created->tenant.id, "ANN@example.com", "h3", Role::kViewer, kT0);
  EXPECT_EQ(user.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateTenantWithOwner("", "x@example.com", "h", kT0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ManagesUsersWithinTheirTenantOnly) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  auto bob = store_->CreateUser(a.tenant.id, "bob@example.com", "hb", Role::kAnalyst, kT0);
  ASSERT_TRUE(bob.ok());
  auto users = store_->ListUsers(a.tenant.id);
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[1].email, "bob@example.com");
  EXPECT_EQ(store_->ListUsers(b.tenant.id)->size(), 1u);

  // Tenant B cannot see or change A's users.
  EXPECT_EQ(store_->GetUser(b.tenant.id, bob->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateUserRole(b.tenant.id, bob->id, Role::kOwner).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdatePasswordHash(b.tenant.id, bob->id, "evil").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUser(b.tenant.id, bob->id).code(), StatusCode::kNotFound);
  auto still = store_->GetUser(a.tenant.id, bob->id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->role, Role::kAnalyst);
  EXPECT_EQ(still->password_hash, "hb");

  ASSERT_TRUE(store_->UpdateUserRole(a.tenant.id, bob->id, Role::kAdmin).ok());
  ASSERT_TRUE(store_->UpdatePasswordHash(a.tenant.id, bob->id, "hb2").ok());
  still = store_->GetUser(a.tenant.id, bob->id);
  EXPECT_EQ(still->role, Role::kAdmin);
  EXPECT_EQ(still->password_hash, "hb2");

  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, bob->id, "tok-bob", "fam", kT0 + kDay, kT0)
                  .ok());
  ASSERT_TRUE(store_->DeleteUser(a.tenant.id, bob->id).ok());
  EXPECT_EQ(store_->GetUser(a.tenant.id, bob->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUser(a.tenant.id, bob->id).code(), StatusCode::kNotFound);
  // The deleted user's token went with them.
  EXPECT_EQ(store_->RotateRefreshToken("tok-bob", "tok-bob2", kT0, kT0 + kDay).status().code(),
            StatusCode::kUnauthenticated);
  // The email is free again.
  EXPECT_TRUE(store_->CreateUser(b.tenant.id, "BOB@example.com", "h", Role::kViewer, kT0).ok());
  EXPECT_EQ(store_->CreateUser(TenantId{987654}, "c@example.com", "h", Role::kViewer, kT0)
                .status()
                .code(),
            StatusCode::kNotFound);
}

// ---- Refresh tokens ---------------------------------------------------------------------------

TEST_P(StoreContractTest, RotatesRefreshTokensAndRevokesTheFamilyOnReuse) {
  auto a = NewTenant("a@example.com");
  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "t1", "f1", kT0 + kDay, kT0)
                  .ok());
  EXPECT_EQ(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "t1", "f1", kT0 + kDay, kT0)
                .code(),
            StatusCode::kAlreadyExists);

  auto owner = store_->RotateRefreshToken("t1", "t2", kT0 + 10, kT0 + 2 * kDay);
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  EXPECT_EQ(owner->tenant, a.tenant.id);
  EXPECT_EQ(owner->user, a.owner.id);
  EXPECT_EQ(owner->family_id, "f1");
  ASSERT_TRUE(store_->RotateRefreshToken("t2", "t3", kT0 + 20, kT0 + 2 * kDay).ok());

  // Replaying t1 (already rotated) revokes the family: t3, the live one, stops working.
  auto reuse = store_->RotateRefreshToken("t1", "t-evil", kT0 + 30, kT0 + 2 * kDay);
  EXPECT_EQ(reuse.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(reuse.status().message(), HasSubstr("already used"));
  EXPECT_EQ(store_->RotateRefreshToken("t3", "t4", kT0 + 40, kT0 + 2 * kDay).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->RotateRefreshToken("t-evil", "t5", kT0 + 40, kT0 + 2 * kDay).status().code(),
            StatusCode::kUnauthenticated);

  // Other families are untouched.
  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "g1", "f2", kT0 + kDay, kT0)
                  .ok());
  EXPECT_TRUE(store_->RotateRefreshToken("g1", "g2", kT0 + 50, kT0 + kDay).ok());
  EXPECT_EQ(store_->RotateRefreshToken("unknown", "x", kT0, kT0 + kDay).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(StoreContractTest, RefreshTokensExpireAndLogoutRevokes) {
  auto a = NewTenant("a@example.com");
  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "e1", "f", kT0 + 100, kT0).ok());
  auto expired = store_->RotateRefreshToken("e1", "e2", kT0 + 100, kT0 + kDay);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(expired.status().message(), HasSubstr("expired"));
  // A failed rotation leaves nothing behind: e2 was not stored.
  EXPECT_EQ(store_->RotateRefreshToken("e2", "e3", kT0, kT0 + kDay).status().code(),
            StatusCode::kUnauthenticated);

  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "l1", "g", kT0 + kDay, kT0).ok());
  ASSERT_TRUE(store_->RevokeRefreshToken("l1", kT0 + 1).ok());
  ASSERT_TRUE(store_->RevokeRefreshToken("l1", kT0 + 2).ok());       // idempotent
  ASSERT_TRUE(store_->RevokeRefreshToken("unknown", kT0 + 2).ok());  // idempotent
  auto revoked = store_->RotateRefreshToken("l1", "l2", kT0 + 3, kT0 + kDay);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(revoked.status().message(), HasSubstr("revoked"));
}

TEST_P(StoreContractTest, RevokeAllForUserStaysInsideTheTenant) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "a1", "fa", kT0 + kDay, kT0).ok());
  ASSERT_TRUE(store_->InsertRefreshToken(a.tenant.id, a.owner.id, "a2", "fb", kT0 + kDay, kT0).ok());
  ASSERT_TRUE(store_->InsertRefreshToken(b.tenant.id, b.owner.id, "b1", "fc", kT0 + kDay, kT0).ok());
  // B cannot attach a token to A's user.
  EXPECT_EQ(store_->InsertRefreshToken(b.tenant.id, a.owner.id, "x", "f", kT0 + kDay, kT0).code(),
            a.owner.id == b.owner.id ? StatusCode::kOk : StatusCode::kNotFound);
  // B revoking "its" user with A's user id touches only B's rows.
  ASSERT_TRUE(store_->RevokeAllForUser(b.tenant.id, b.owner.id, kT0 + 1).ok());
  EXPECT_TRUE(store_->RotateRefreshToken("a1", "a1n", kT0 + 2, kT0 + kDay).ok());
  EXPECT_FALSE(store_->RotateRefreshToken("b1", "b1n", kT0 + 2, kT0 + kDay).ok());
  ASSERT_TRUE(store_->RevokeAllForUser(a.tenant.id, a.owner.id, kT0 + 3).ok());
  EXPECT_FALSE(store_->RotateRefreshToken("a2", "a2n", kT0 + 4, kT0 + kDay).ok());
  EXPECT_FALSE(store_->RotateRefreshToken("a1n", "a1nn", kT0 + 4, kT0 + kDay).ok());
}

// ---- Orders ------------------------------------------------------------------------------------

TEST_P(StoreContractTest, UpsertCountsCreatedUpdatedUnchanged) {
  auto a = NewTenant("a@example.com");
  std::vector<OrderInput> batch = {MakeOrder("o1", "c1", kT0, 1000),
                                   MakeOrder("o2", "c1", kT0 + kDay, 2000),
                                   MakeOrder("o3", "c2", kT0 + 2 * kDay, 500)};
  auto first = Upsert(a.tenant.id, batch);
  EXPECT_EQ(first.created, 3);
  EXPECT_EQ(first.updated, 0);
  EXPECT_EQ(first.unchanged, 0);
  EXPECT_EQ(first.affected_customers.size(), 2u);

  auto second = Upsert(a.tenant.id, batch);
  EXPECT_EQ(second.created, 0);
  EXPECT_EQ(second.unchanged, 3);
  EXPECT_TRUE(second.affected_customers.empty());

  batch[1].total_minor = 2500;
  batch[2].status = OrderStatus::kPending;
  batch.push_back(MakeOrder("o4", "c3", kT0, 100));
  auto third = Upsert(a.tenant.id, batch);
  EXPECT_EQ(third.created, 1);
  EXPECT_EQ(third.updated, 2);
  EXPECT_EQ(third.unchanged, 1);
  EXPECT_EQ(Orders(a.tenant.id), 4);
  EXPECT_EQ(Customers(a.tenant.id), 3);

  auto page = store_->ListOrders(a.tenant.id, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[1].data, batch[1]);
  EXPECT_EQ(page->items[1].created_at_us, kT0 + 1);
  auto got = store_->GetOrder(a.tenant.id, page->items[2].id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, batch[2]);
  EXPECT_EQ(got->customer, CustomerByExternalId(a.tenant.id, "c2").id);
}

TEST_P(StoreContractTest, MaintainsCustomerAggregatesWhenOrdersMoveAndChange) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c1", kT0 + 5 * kDay, 1000),
                       MakeOrder("o2", "c1", kT0 + 1 * kDay, 1000, OrderStatus::kPaid, "", "api",
                                 "C1@Example.com"),
                       MakeOrder("o3", "c1", kT0 + 9 * kDay, 1000, OrderStatus::kCancelled),
                       MakeOrder("r1", "c1", kT0 + 10 * kDay, 300, OrderStatus::kPaid, "o1"),
                       MakeOrder("o4", "c2", kT0 + 3 * kDay, 700)});
  Customer c1 = CustomerByExternalId(a.tenant.id, "c1");
  EXPECT_EQ(c1.order_count, 2);  // the cancelled order and the refund do not count
  EXPECT_EQ(c1.first_order_at_us, kT0 + 1 * kDay);
  EXPECT_EQ(c1.last_order_at_us, kT0 + 5 * kDay);
  EXPECT_EQ(c1.email, "c1@example.com");
  EXPECT_EQ(c1.source, "api");
  Customer c2 = CustomerByExternalId(a.tenant.id, "c2");

  // o1 moves to c2 and o2 becomes cancelled: c1 has no counted order left.
  auto moved = Upsert(a.tenant.id, {MakeOrder("o1", "c2", kT0 + 5 * kDay, 1000),
                                    MakeOrder("o2", "c1", kT0 + 1 * kDay, 1000,
                                              OrderStatus::kCancelled)});
  EXPECT_EQ(moved.updated, 2);
  EXPECT_THAT(moved.affected_customers, ElementsAre(c1.id, c2.id));
  c1 = CustomerByExternalId(a.tenant.id, "c1");
  EXPECT_EQ(c1.order_count, 0);
  EXPECT_EQ(c1.first_order_at_us, 0);
  EXPECT_EQ(c1.last_order_at_us, 0);
  EXPECT_EQ(c1.email, "c1@example.com");  // an order without email keeps it
  c2 = CustomerByExternalId(a.tenant.id, "c2");
  EXPECT_EQ(c2.order_count, 2);
  EXPECT_EQ(c2.first_order_at_us, kT0 + 3 * kDay);
  EXPECT_EQ(c2.last_order_at_us, kT0 + 5 * kDay);

  // Un-cancelling brings it back; an earlier date moves first_order_at.
  Upsert(a.tenant.id, {MakeOrder("o2", "c1", kT0, 1000)});
  c1 = CustomerByExternalId(a.tenant.id, "c1");
  EXPECT_EQ(c1.order_count, 1);
  EXPECT_EQ(c1.first_order_at_us, kT0);
  // An unchanged order with a new email updates only the email.
  auto same = Upsert(a.tenant.id, {MakeOrder("o2", "c1", kT0, 1000, OrderStatus::kPaid, "", "api",
                                             "new@example.com")});
  EXPECT_EQ(same.unchanged, 1);
  EXPECT_EQ(CustomerByExternalId(a.tenant.id, "c1").email, "new@example.com");
}

TEST_P(StoreContractTest, RefundsMustReferenceAnOrderOfTheSameTenantAndSource) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c1", kT0, 1000)});
  // Earlier in the same batch is fine; the refund names its order by external id.
  auto ok = Upsert(a.tenant.id, {MakeOrder("o2", "c1", kT0, 500),
                                 MakeOrder("r2", "c1", kT0 + 1, 200, OrderStatus::kPaid, "o2"),
                                 MakeOrder("r1", "c1", kT0 + 2, 100, OrderStatus::kPaid, "o1")});
  EXPECT_EQ(ok.created, 3);
  auto page = store_->ListOrders(a.tenant.id, {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.back().data.refund_of, "o1");

  struct Case {
    std::vector<OrderInput> batch;
    std::string message;
  };
  std::vector<Case> cases = {
      {{MakeOrder("x", "c1", kT0, 1), MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "nope")},
       "orders[1]: refund_of 'nope'"},
      // Later in the batch is not an earlier order.
      {{MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "o9"), MakeOrder("o9", "c1", kT0, 1)},
       "orders[0]: refund_of 'o9'"},
      // Another source.
      {{MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "o1", "shopify")},
       "orders[0]: refund_of 'o1'"},
      // A refund of a refund.
      {{MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "r1")}, "orders[0]: refund_of 'r1'"},
  };
  for (const Case& c : cases) {
    auto r = store_->UpsertOrders(a.tenant.id, c.batch, kT0);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
  // Another tenant's order cannot be refunded.
  auto other = store_->UpsertOrders(
      b.tenant.id, std::vector{MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "o1")}, kT0);
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Orders(a.tenant.id), 4);
  EXPECT_EQ(Orders(b.tenant.id), 0);
}

TEST_P(StoreContractTest, ABadItemInTheMiddleRollsBackTheWholeBatch) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c1", kT0, 1000)});
  std::vector<OrderInput> batch = {MakeOrder("o1", "c1", kT0, 9999),  // would update
                                   MakeOrder("o2", "c2", kT0, 100),
                                   MakeOrder("r", "c2", kT0, 1, OrderStatus::kPaid, "missing"),
                                   MakeOrder("o3", "c3", kT0, 100)};
  auto r = store_->UpsertOrders(a.tenant.id, batch, kT0 + 5);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("orders[2]"));
  EXPECT_EQ(Orders(a.tenant.id), 1);
  EXPECT_EQ(Customers(a.tenant.id), 1);
  EXPECT_EQ(store_->ListOrders(a.tenant.id, {})->items[0].data.total_minor, 1000);
  EXPECT_EQ(CustomerByExternalId(a.tenant.id, "c1").order_count, 1);

  batch[2] = MakeOrder("o4", "c2", kT0, 100);
  batch[2].currency = "eur";
  r = store_->UpsertOrders(a.tenant.id, batch, kT0 + 5);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("orders[2]: currency"));
  EXPECT_EQ(Orders(a.tenant.id), 1);
}

TEST_P(StoreContractTest, DuplicateIdsInABatchAreRejectedNamingBothItems) {
  auto a = NewTenant("a@example.com");
  auto r = store_->UpsertOrders(
      a.tenant.id,
      std::vector{MakeOrder("o1", "c1", kT0, 1), MakeOrder("o2", "c1", kT0, 1),
                  MakeOrder("o1", "c2", kT0, 2)},
      kT0);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("orders[0] and orders[2]"));
  EXPECT_EQ(Orders(a.tenant.id), 0);
  // The same external id under another source is a different order.
  auto ok = Upsert(a.tenant.id, {MakeOrder("o1", "c1", kT0, 1),
                                 MakeOrder("o1", "c1", kT0, 1, OrderStatus::kPaid, "", "csv")});
  EXPECT_EQ(ok.created, 2);
  EXPECT_EQ(Customers(a.tenant.id), 2);  // customers are per source too
}

TEST_P(StoreContractTest, TenantsNeverSeeOrChangeEachOthersOrders) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c1", kT0, 1000), MakeOrder("o2", "c2", kT0, 2000)});
  auto a_orders = store_->ListOrders(a.tenant.id, {})->items;
  auto a_customers = store_->ListCustomers(a.tenant.id, {})->items;
  ASSERT_EQ(a_orders.size(), 2u);

  EXPECT_TRUE(store_->ListOrders(b.tenant.id, {})->items.empty());
  EXPECT_TRUE(store_->ListCustomers(b.tenant.id, {})->items.empty());
  EXPECT_EQ(Orders(b.tenant.id), 0);
  EXPECT_EQ(Customers(b.tenant.id), 0);
  for (const Order& o : a_orders)
    EXPECT_EQ(store_->GetOrder(b.tenant.id, o.id).status().code(), StatusCode::kNotFound);
  for (const Customer& c : a_customers)
    EXPECT_EQ(store_->GetCustomer(b.tenant.id, c.id).status().code(), StatusCode::kNotFound);
  ListOrdersOptions by_customer;
  by_customer.customer = a_customers[0].id;
  EXPECT_TRUE(store_->ListOrders(b.tenant.id, by_customer)->items.empty());

  // The same external ids in B create B's own rows and leave A's alone.
  auto rb = Upsert(b.tenant.id, {MakeOrder("o1", "c1", kT0, 5)});
  EXPECT_EQ(rb.created, 1);
  EXPECT_EQ(store_->GetOrder(a.tenant.id, a_orders[0].id)->data.total_minor, 1000);
  EXPECT_EQ(CustomerByExternalId(a.tenant.id, "c1").order_count, 1);
  int streamed = 0;
  ASSERT_TRUE(store_->StreamOrdersForAnalysis(b.tenant.id, [&](const AnalysisRow& r) {
    EXPECT_EQ(r.amount_minor, 5);
    ++streamed;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(streamed, 1);
  EXPECT_EQ(store_->UpsertOrders(TenantId{987654}, std::vector{MakeOrder("o", "c", kT0, 1)}, kT0)
                .status()
                .code(),
            StatusCode::kNotFound);
}

// ---- Reads and pagination ---------------------------------------------------------------------

TEST_P(StoreContractTest, PaginatesCompletelyWithoutDuplicatesWhileRowsArrive) {
  auto a = NewTenant("a@example.com");
  std::vector<OrderInput> batch;
  for (int i = 0; i < 25; ++i)
    batch.push_back(MakeOrder("o" + std::to_string(i), "c" + std::to_string(i), kT0 + i, i));
  Upsert(a.tenant.id, batch);

  std::vector<std::int64_t> seen;
  ListCustomersOptions options;
  options.limit = 7;
  int pages = 0;
  while (true) {
    auto page = store_->ListCustomers(a.tenant.id, options);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->items.size(), 7u);
    for (const Customer& c : page->items) seen.push_back(c.id.value);
    if (++pages == 2) {
      // New customers arriving mid-way do not disturb the pages already served.
      Upsert(a.tenant.id, {MakeOrder("late", "c-late", kT0, 1)});
    }
    if (page->next_cursor.empty()) break;
    options.cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen.size(), 26u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), seen.size());

  // Orders paginate the same way, and exactly `limit` rows leave no dangling page.
  ListOrdersOptions orders;
  orders.limit = 13;
  auto p1 = store_->ListOrders(a.tenant.id, orders);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 13u);
  orders.cursor = p1->next_cursor;
  auto p2 = store_->ListOrders(a.tenant.id, orders);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->items.size(), 13u);
  EXPECT_TRUE(p2->next_cursor.empty());
  EXPECT_LT(p1->items.back().id, p2->items.front().id);
}

TEST_P(StoreContractTest, RejectsBadCursorsAndLimits) {
  auto a = NewTenant("a@example.com");
  for (const std::string& cursor : std::vector<std::string>{"garbage", "v1.", "v1.-5", "v1.0", "v1.abc", "v1.12x",
                             "v1.999999999999999999999", std::string("v1.\xff\x00", 5), "v2.5"}) {
    ListCustomersOptions c;
    c.cursor = cursor;
    EXPECT_EQ(store_->ListCustomers(a.tenant.id, c).status().code(),
              StatusCode::kInvalidArgument)
        << cursor;
    ListOrdersOptions o;
    o.cursor = cursor;
    EXPECT_EQ(store_->ListOrders(a.tenant.id, o).status().code(), StatusCode::kInvalidArgument);
  }
  for (int limit : {-1, kMaxPageLimit + 1}) {
    ListOrdersOptions o;
    o.limit = limit;
    EXPECT_EQ(store_->ListOrders(a.tenant.id, o).status().code(), StatusCode::kInvalidArgument);
  }
  ListOrdersOptions max;
  max.limit = kMaxPageLimit;
  EXPECT_TRUE(store_->ListOrders(a.tenant.id, max).ok());
}

TEST_P(StoreContractTest, FiltersCustomersAndOrders) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id,
         {MakeOrder("o1", "c1", kT0, 1, OrderStatus::kPaid, "", "api", "Ann@Example.com"),
          MakeOrder("o2", "c1", kT0, 1, OrderStatus::kPaid, "", "shopify"),
          MakeOrder("o3", "c2", kT0, 1), MakeOrder("o4", "c2", kT0, 1)});
  ListCustomersOptions by_ext;
  by_ext.external_id = "c1";
  EXPECT_EQ(store_->ListCustomers(a.tenant.id, by_ext)->items.size(), 2u);
  by_ext.source = "shopify";
  auto shopify = store_->ListCustomers(a.tenant.id, by_ext);
  ASSERT_EQ(shopify->items.size(), 1u);
  EXPECT_EQ(shopify->items[0].source, "shopify");
  ListCustomersOptions by_email;
  by_email.email = "ANN@example.COM";
  auto ann = store_->ListCustomers(a.tenant.id, by_email);
  ASSERT_EQ(ann->items.size(), 1u);
  EXPECT_EQ(ann->items[0].external_id, "c1");
  EXPECT_EQ(ann->items[0].source, "api");
  EXPECT_EQ(store_->GetCustomer(a.tenant.id, ann->items[0].id)->email, "ann@example.com");

  ListOrdersOptions by_customer;
  by_customer.customer = CustomerByExternalId(a.tenant.id, "c2").id;
  auto orders = store_->ListOrders(a.tenant.id, by_customer);
  ASSERT_EQ(orders->items.size(), 2u);
  EXPECT_EQ(orders->items[0].data.external_id, "o3");
  EXPECT_EQ(orders->items[1].data.external_id, "o4");
  EXPECT_EQ(store_->GetCustomer(a.tenant.id, CustomerId{424242}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetOrder(a.tenant.id, OrderId{424242}).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, StreamsCashFlowsByCustomerAndTimeNetOfRefunds) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c2", kT0 + 2 * kDay, 1000),
                       MakeOrder("o2", "c1", kT0 + 3 * kDay, 500),
                       MakeOrder("o3", "c1", kT0 + 1 * kDay, 700, OrderStatus::kRefunded),
                       MakeOrder("o4", "c1", kT0 + 2 * kDay, 900, OrderStatus::kCancelled),
                       MakeOrder("r3", "c1", kT0 + 4 * kDay, 700, OrderStatus::kPaid, "o3")});
  const CustomerId c1 = CustomerByExternalId(a.tenant.id, "c1").id;
  const CustomerId c2 = CustomerByExternalId(a.tenant.id, "c2").id;
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t>> rows;
  ASSERT_TRUE(store_->StreamOrdersForAnalysis(a.tenant.id, [&](const AnalysisRow& r) {
    EXPECT_EQ(r.currency, "EUR");
    rows.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor);
    return Status::Ok();
  }).ok());
  // Cancelled o4 is left out; the refund of o3 is negative; customers in id order.
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t>> expected = {
      {c1.value, kT0 + 1 * kDay, 700},
      {c1.value, kT0 + 3 * kDay, 500},
      {c1.value, kT0 + 4 * kDay, -700},
      {c2.value, kT0 + 2 * kDay, 1000}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rows, expected);
  int calls = 0;
  Status stopped = store_->StreamOrdersForAnalysis(a.tenant.id, [&](const AnalysisRow&) {
    ++calls;
    return Internal("stop");
  });
  EXPECT_EQ(stopped.message(), "stop");
  EXPECT_EQ(calls, 1);
}

// Rows of several customers inserted out of order, ties on placed_at broken by order id, two
// currencies; the sink may call back into the store (no connection is held while it runs).
TEST_P(StoreContractTest, StreamsCashFlowsSortedWithTiesByOrderId) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  Upsert(b.tenant.id, {MakeOrder("x1", "c9", kT0, 1)});  // another tenant, never streamed
  std::vector<OrderInput> orders;
  for (int i = 0; i < 60; ++i) {
    // Customers c0..c9 interleaved; times descending within a customer, in pairs of equal times.
    OrderInput o = MakeOrder("o" + std::to_string(i), "c" + std::to_string(i % 10),
                             kT0 + (100 - i / 20) * kDay, 100 + i);
    if (i % 7 == 0) o.currency = "USD";
    orders.push_back(o);
  }
  Upsert(a.tenant.id, orders);
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t, std::string>> expected;
  for (const OrderInput& o : orders) {
    const Order stored = [&] {
      ListOrdersOptions by_customer;
      by_customer.customer = CustomerByExternalId(a.tenant.id, o.customer_external_id).id;
      by_customer.limit = 100;
      auto listed = store_->ListOrders(a.tenant.id, by_customer);  // kept alive for the loop
      for (const Order& x : listed->items)
        if (x.data.external_id == o.external_id) return x;
      ADD_FAILURE() << "order " << o.external_id << " not found";
      return Order{};
    }();
    expected.emplace_back(stored.customer.value, o.placed_at_us, stored.id.value,
                          std::string(o.currency));
  }
  std::sort(expected.begin(), expected.end());  // customer, placed_at, order id
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t, std::string>> got;
  ASSERT_TRUE(store_->StreamOrdersForAnalysis(a.tenant.id, [&](const AnalysisRow& r) {
    EXPECT_EQ(store_->CountOrders(a.tenant.id).value(), 60);  // calling back is allowed
    got.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor, r.currency);
    return Status::Ok();
  }).ok());
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    // The amount identifies the order (100 + its index), so ties must come out in id order.
    const auto& [customer, placed, id, currency] = expected[i];
    const Order o = store_->GetOrder(a.tenant.id, OrderId{id}).value();
    EXPECT_EQ(got[i], std::make_tuple(customer, placed, o.data.total_minor, currency)) << i;
  }
}

TEST_P(StoreContractTest, AppendsAndListsTheAuditLogPerTenant) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  ASSERT_TRUE(store_->AppendAudit(a.tenant.id, a.owner.id, "user.login", R"({"ip":"::1"})", kT0)
                  .ok());
  ASSERT_TRUE(store_->AppendAudit(a.tenant.id, std::nullopt, "import", "{}", kT0 + 1).ok());
  auto log = store_->ListAudit(a.tenant.id, {});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 2u);
  EXPECT_EQ(log->items[0].action, "user.login");
  EXPECT_EQ(log->items[0].actor, std::optional<UserId>(a.owner.id));
  EXPECT_EQ(log->items[0].detail_json, R"({"ip":"::1"})");
  EXPECT_EQ(log->items[1].actor, std::nullopt);
  EXPECT_EQ(log->items[1].at_us, kT0 + 1);
  EXPECT_TRUE(store_->ListAudit(b.tenant.id, {})->items.empty());
}

// ---- Bulk import -------------------------------------------------------------------------------

TEST_P(StoreContractTest, ImportCommitsAllBatchesAtOnceAndIsIdempotent) {
  auto a = NewTenant("a@example.com");
  std::vector<OrderInput> all;
  for (int i = 0; i < 300; ++i)
    all.push_back(MakeOrder("o" + std::to_string(i), "c" + std::to_string(i % 40),
                            kT0 + i * kDay, 100 + i));
  all.push_back(MakeOrder("r0", "c0", kT0 + 400 * kDay, 50, OrderStatus::kPaid, "o0"));
  auto run = [&](UnixMicros now) -> Result<UpsertResult> {
    CLV_ASSIGN_OR_RETURN(auto importer, store_->BeginImport(a.tenant.id, now));
    for (std::size_t i = 0; i < all.size(); i += 64) {
      std::span<const OrderInput> batch(all.data() + i, std::min<std::size_t>(64, all.size() - i));
      CLV_RETURN_IF_ERROR(importer->Add(batch));
    }
    if (db_->backend() == Backend::kSqliteFile) {
      // Readers see nothing of an uncommitted import.
      EXPECT_EQ(Orders(a.tenant.id), now == kT0 ? 0 : 301);
    }
    return importer->Commit();
  };
  auto first = run(kT0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->created, 301);
  EXPECT_EQ(first->affected_customers.size(), 40u);
  EXPECT_EQ(Orders(a.tenant.id), 301);
  EXPECT_EQ(Customers(a.tenant.id), 40);
  Customer c0 = CustomerByExternalId(a.tenant.id, "c0");
  EXPECT_EQ(c0.order_count, 8);  // o0, o40, …, o280
  EXPECT_EQ(c0.first_order_at_us, kT0);
  EXPECT_EQ(c0.last_order_at_us, kT0 + 280 * kDay);

  auto again = run(kT0 + 1);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->unchanged, 301);

  all[5].total_minor = 1;
  all[7].customer_external_id = "c0";
  auto changed = run(kT0 + 2);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->updated, 2);
  EXPECT_EQ(changed->unchanged, 299);
  EXPECT_EQ(CustomerByExternalId(a.tenant.id, "c0").order_count, 9);
  EXPECT_EQ(CustomerByExternalId(a.tenant.id, "c7").order_count, 7);
}

TEST_P(StoreContractTest, ImportAbortAndErrorsLeaveNothing) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id, {MakeOrder("old", "c1", kT0, 1)});
  {
    auto importer = store_->BeginImport(a.tenant.id, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1)}).ok());
    (*importer)->Abort();
    EXPECT_EQ((*importer)->Add(std::vector{MakeOrder("o2", "c1", kT0, 1)}).code(),
              StatusCode::kFailedPrecondition);
  }
  {
    auto importer = store_->BeginImport(a.tenant.id, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1)}).ok());
    // Destroyed without Commit.
  }
  EXPECT_EQ(Orders(a.tenant.id), 1);

  // A duplicate across batches names both items by their index in the whole import.
  {
    auto importer = store_->BeginImport(a.tenant.id, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1),
                                             MakeOrder("old", "c1", kT0, 1)}).ok());
    Status s = (*importer)->Add(std::vector{MakeOrder("o2", "c1", kT0, 1),
                                            MakeOrder("old", "c1", kT0, 2)});
    if (s.ok()) {
      // Backends that merge at Commit report it there.
      s = (*importer)->Commit().status();
    }
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("orders[1] and orders[3]"));
    EXPECT_EQ((*importer)->Commit().status().code(), StatusCode::kFailedPrecondition);
  }
  {
    auto importer = store_->BeginImport(a.tenant.id, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1),
                                             MakeOrder("o2", "c1", kT0, 1)}).ok());
    Status s = (*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1)});
    if (s.ok()) s = (*importer)->Commit().status();
    EXPECT_THAT(s.message(), HasSubstr("orders[0] and orders[2]"));
  }
  {
    auto importer = store_->BeginImport(a.tenant.id, kT0);
    ASSERT_TRUE(importer.ok());
    ASSERT_TRUE((*importer)->Add(std::vector{MakeOrder("o1", "c1", kT0, 1)}).ok());
    Status s = (*importer)->Add(
        std::vector{MakeOrder("r", "c1", kT0, 1, OrderStatus::kPaid, "o1"),
                    MakeOrder("r2", "c1", kT0, 1, OrderStatus::kPaid, "missing")});
    if (s.ok()) s = (*importer)->Commit().status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("orders[2]: refund_of 'missing'"));
  }
  EXPECT_EQ(Orders(a.tenant.id), 1);
  EXPECT_EQ(Customers(a.tenant.id), 1);
  EXPECT_EQ(store_->BeginImport(TenantId{987654}, kT0).status().code(), StatusCode::kNotFound);
}

// ---- Concurrency ---------------------------------------------------------------------------------

TEST_P(StoreContractTest, ConcurrentWritersAndReadersSmokeTest) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 10;
  std::vector<TenantWithOwner> tenants;
  for (int t = 0; t < kThreads; ++t) tenants.push_back(NewTenant("t" + std::to_string(t) + "@x.io"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const TenantId tenant = tenants[t].tenant.id;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<OrderInput> batch;
        for (int i = 0; i < 20; ++i) {
          const int n = b * 20 + i;
          batch.push_back(MakeOrder("o" + std::to_string(n), "c" + std::to_string(n % 7),
                                    kT0 + n, n));
        }
        auto r = store_->UpsertOrders(tenant, batch, kT0);
        if (!r.ok() || r->created != 20) ++failures;
        if (!store_->ListOrders(tenant, {}).ok()) ++failures;
        if (!store_->InsertRefreshToken(tenant, tenants[t].owner.id,
                                        "tok" + std::to_string(t) + "-" + std::to_string(b), "f",
                                        kT0 + kDay, kT0)
                 .ok())
          ++failures;
        if (!store_->FindUserByEmail("t0@x.io").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Orders(tenants[t].tenant.id), kThreads * 0 + kBatches * 20);
    EXPECT_EQ(Customers(tenants[t].tenant.id), 7);
  }
}

TEST_P(StoreContractTest, SqliteWritersWaitForTheBusyTimeoutThenAnswerUnavailable) {
  if (db_->backend() != Backend::kSqliteFile) GTEST_SKIP() << "SQLite file locking";
  auto a = NewTenant("a@example.com");
  StoreOptions quick;
  quick.busy_timeout_ms = 50;
  auto first = Open(quick);
  auto second = Open(quick);  // another process, as far as locking goes
  auto importer = first->BeginImport(a.tenant.id, kT0);
  ASSERT_TRUE(importer.ok());
  const std::vector<OrderInput> one = {MakeOrder("o1", "c1", kT0, 1)};
  EXPECT_EQ(second->UpsertOrders(a.tenant.id, one, kT0).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(first->UpsertOrders(a.tenant.id, one, kT0).status().code(),
            StatusCode::kUnavailable);
  EXPECT_TRUE(second->ListOrders(a.tenant.id, {}).ok());  // WAL: readers are not blocked
  ASSERT_TRUE((*importer)->Commit().ok());
  EXPECT_TRUE(second->UpsertOrders(a.tenant.id, one, kT0).ok());
}

// ---- Analytics: jobs ----------------------------------------------------------------------------

constexpr const char* kCalc = "clv.calculate";

TEST_P(StoreContractTest, EnqueueKeepsOneActiveJobPerTenantAndKind) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  auto first = store_->EnqueueJob(a.tenant.id, kCalc, R"({"model":"auto"})", a.owner.id, kT0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->job.status, JobStatus::kQueued);
  EXPECT_EQ(first->job.kind, kCalc);
  EXPECT_EQ(first->job.params_json, R"({"model":"auto"})");
  EXPECT_EQ(first->job.created_by, std::optional<UserId>(a.owner.id));
  EXPECT_EQ(first->job.attempts, 0);
  EXPECT_EQ(first->job.created_at_us, kT0);
  EXPECT_EQ(first->job.started_at_us, std::nullopt);
  // Same tenant and kind while active: the existing job, not a new one.
  auto again = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0 + 5);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job.id, first->job.id);
  EXPECT_EQ(again->job.params_json, R"({"model":"auto"})");
  // Still one while running.
  auto claimed = store_->ClaimJob("w1", kT0 + 10, kT0);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  auto running = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0 + 11);
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->created);
  EXPECT_EQ(running->job.status, JobStatus::kRunning);
  // Another kind, and another tenant, are independent.
  auto other_kind = store_->EnqueueJob(a.tenant.id, "other", "{}", std::nullopt, kT0 + 12);
  ASSERT_TRUE(other_kind.ok());
  EXPECT_TRUE(other_kind->created);
  auto other_tenant = store_->EnqueueJob(b.tenant.id, kCalc, "{}", std::nullopt, kT0 + 13);
  ASSERT_TRUE(other_tenant.ok());
  EXPECT_TRUE(other_tenant->created);
  // Finished: a new one can be queued.
  Status fin = store_->FinishJob(a.tenant.id, first->job.id, "w1", false, "", "boom", kT0 + 20);
  ASSERT_TRUE(fin.ok()) << fin.ToString();
  auto next = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0 + 21);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->created);
  EXPECT_NE(next->job.id, first->job.id);
  EXPECT_EQ(store_->EnqueueJob(a.tenant.id, "", "{}", std::nullopt, kT0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->EnqueueJob(TenantId{987654}, kCalc, "{}", std::nullopt, kT0).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ClaimsTheOldestJobOfAnyTenantFirst) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  EXPECT_FALSE(store_->ClaimJob("w1", kT0, kT0 - kDay).value().has_value());
  const JobId ja = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0 + 2)->job.id;
  const JobId jb = store_->EnqueueJob(b.tenant.id, kCalc, "{}", std::nullopt, kT0 + 1)->job.id;
  const JobId ja2 = store_->EnqueueJob(a.tenant.id, "other", "{}", std::nullopt, kT0 + 3)->job.id;
  auto c1 = store_->ClaimJob("w1", kT0 + 10, kT0);
  ASSERT_TRUE(c1.ok() && c1->has_value()) << c1.status().ToString();
  EXPECT_EQ((*c1)->tenant, b.tenant.id);
  EXPECT_EQ((*c1)->id, jb);
  EXPECT_EQ((*c1)->status, JobStatus::kRunning);
  EXPECT_EQ((*c1)->worker, "w1");
  EXPECT_EQ((*c1)->attempts, 1);
  EXPECT_EQ((*c1)->started_at_us, std::optional<UnixMicros>(kT0 + 10));
  EXPECT_EQ((*c1)->heartbeat_at_us, std::optional<UnixMicros>(kT0 + 10));
  auto c2 = store_->ClaimJob("w2", kT0 + 11, kT0);
  ASSERT_TRUE(c2.ok() && c2->has_value());
  EXPECT_EQ((*c2)->tenant, a.tenant.id);
  EXPECT_EQ((*c2)->id, ja);
  auto c3 = store_->ClaimJob("w2", kT0 + 12, kT0);
  ASSERT_TRUE(c3.ok() && c3->has_value());
  EXPECT_EQ((*c3)->id, ja2);
  // Running jobs with fresh heartbeats are not claimable.
  EXPECT_FALSE(store_->ClaimJob("w3", kT0 + 13, kT0 + 10).value().has_value());
  auto stored = store_->GetJob(b.tenant.id, jb);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, JobStatus::kRunning);
  EXPECT_EQ(stored->worker, "w1");
  EXPECT_EQ(store_->ClaimJob("", kT0, kT0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ConcurrentClaimersNeverClaimTheSameJob) {
  constexpr int kJobs = 24;
  std::vector<TenantWithOwner> tenants;
  for (int t = 0; t < 4; ++t) tenants.push_back(NewTenant("c" + std::to_string(t) + "@x.io"));
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(store_->EnqueueJob(tenants[i % 4].tenant.id, "k" + std::to_string(i / 4), "{}",
                                   std::nullopt, kT0 + i)
                    .ok());
  }
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> got(2);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      while (true) {
        auto c = store_->ClaimJob("w" + std::to_string(w), kT0 + 100, kT0);
        if (!c.ok()) {
          ++failures;
          return;
        }
        if (!c->has_value()) return;
        got[w].emplace_back((*c)->tenant.value, (*c)->id.value);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::pair<std::int64_t, std::int64_t>> all;
  for (const auto& list : got) all.insert(list.begin(), list.end());
  EXPECT_EQ(got[0].size() + got[1].size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));  // nobody claimed a job twice
}

TEST_P(StoreContractTest, StaleJobsAreReclaimedAndTheOldWorkerIsFencedOff) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const JobId id = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0)->job.id;
  ASSERT_TRUE(store_->ClaimJob("w1", kT0 + 10, kT0).value().has_value());
  ASSERT_TRUE(store_->UpdateJobProgress(a.tenant.id, id, "w1", 0.25, "fitting", kT0 + 20).ok());
  auto j = store_->GetJob(a.tenant.id, id).value();
  EXPECT_DOUBLE_EQ(j.progress, 0.25);
  EXPECT_EQ(j.stage, "fitting");
  EXPECT_EQ(j.heartbeat_at_us, std::optional<UnixMicros>(kT0 + 20));
  // Heartbeat at kT0+20 is not older than stale_before kT0+20: not stale yet.
  EXPECT_FALSE(store_->ClaimJob("w2", kT0 + 30, kT0 + 20).value().has_value());
  auto re = store_->ClaimJob("w2", kT0 + 40, kT0 + 21);
  ASSERT_TRUE(re.ok() && re->has_value());
  EXPECT_EQ((*re)->id, id);
  EXPECT_EQ((*re)->worker, "w2");
  EXPECT_EQ((*re)->attempts, 2);
  EXPECT_EQ((*re)->started_at_us, std::optional<UnixMicros>(kT0 + 40));
  // The first worker lost the lease.
  EXPECT_EQ(store_->UpdateJobProgress(a.tenant.id, id, "w1", 0.5, "x", kT0 + 41).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FinishJob(a.tenant.id, id, "w1", true, "{}", "", kT0 + 41).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpdateJobProgress(a.tenant.id, id, "w2", 1.5, "x", kT0 + 41).code(),
            StatusCode::kInvalidArgument);
  // Unknown job, or the job under another tenant: NotFound.
  EXPECT_EQ(store_->UpdateJobProgress(a.tenant.id, JobId{999999}, "w2", 0.5, "x", kT0).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateJobProgress(b.tenant.id, id, "w2", 0.5, "x", kT0).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->FinishJob(b.tenant.id, id, "w2", true, "{}", "", kT0).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetJob(b.tenant.id, id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->UpdateJobProgress(a.tenant.id, id, "w2", 0.75, "scoring", kT0 + 50).ok());
  ASSERT_TRUE(
      store_->FinishJob(a.tenant.id, id, "w2", true, R"({"fit_id":3})", "ignored", kT0 + 60).ok());
  j = store_->GetJob(a.tenant.id, id).value();
  EXPECT_EQ(j.status, JobStatus::kSucceeded);
  EXPECT_EQ(j.result_json, R"({"fit_id":3})");
  EXPECT_EQ(j.error, "");
  EXPECT_DOUBLE_EQ(j.progress, 1.0);
  EXPECT_EQ(j.finished_at_us, std::optional<UnixMicros>(kT0 + 60));
  EXPECT_EQ(j.attempts, 2);
  // Finished: no more progress or finishing, and not claimable even when "stale".
  EXPECT_EQ(store_->UpdateJobProgress(a.tenant.id, id, "w2", 0.5, "x", kT0 + 61).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FinishJob(a.tenant.id, id, "w2", false, "", "late", kT0 + 61).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->ClaimJob("w3", kT0 + 100, kT0 + 1000).value().has_value());
  // A failed job keeps its error.
  const JobId id2 = store_->EnqueueJob(a.tenant.id, kCalc, "{}", std::nullopt, kT0 + 70)->job.id;
  ASSERT_TRUE(store_->ClaimJob("w3", kT0 + 71, kT0).value().has_value());
  ASSERT_TRUE(store_->FinishJob(a.tenant.id, id2, "w3", false, "{}", "no orders", kT0 + 72).ok());
  j = store_->GetJob(a.tenant.id, id2).value();
  EXPECT_EQ(j.status, JobStatus::kFailed);
  EXPECT_EQ(j.error, "no orders");
  EXPECT_EQ(j.result_json, "");
  EXPECT_EQ(JobStatusName(j.status), "failed");
}

TEST_P(StoreContractTest, ListsJobsNewestFirstWithCursorsPerTenant) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  std::vector<JobId> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(
        store_->EnqueueJob(a.tenant.id, "k" + std::to_string(i), "{}", std::nullopt, kT0 + i)
            ->job.id);
  ASSERT_TRUE(store_->EnqueueJob(b.tenant.id, "k0", "{}", std::nullopt, kT0).ok());
  std::vector<JobId> seen;
  ListJobsOptions o;
  o.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->ListJobs(a.tenant.id, o);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const Job& j : page->items) {
      EXPECT_EQ(j.tenant, a.tenant.id);
      seen.push_back(j.id);
    }
    if (page->next_cursor.empty()) break;
    o.cursor = page->next_cursor;
  }
  std::vector<JobId> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(store_->ListJobs(b.tenant.id, {})->items.size(), 1u);
  ListJobsOptions bad;
  bad.cursor = "nope";
  EXPECT_EQ(store_->ListJobs(a.tenant.id, bad).status().code(), StatusCode::kInvalidArgument);
}

// ---- Analytics: model fits and customer scores --------------------------------------------------

ModelFitRecord MakeFit(TenantId tenant, UnixMicros at) { return testing::SampleFit(tenant, at); }

// Deterministic scores with ties on every sort key (i / 2), so the customer-id tie breaker is
// exercised.
CustomerScore MakeScore(CustomerId customer, int i) {
  static const char* kSegments[] = {"champions", "at_risk", "hibernating"};
  static const char* kRisks[] = {"low", "medium", "high"};
  static const char* kTiers[] = {"top_1", "top_10", "rest"};
  CustomerScore s;
  s.customer = customer;
  s.fit_id = 0;
  s.frequency = i;
  s.recency = i * 0.5;
  s.age = 10 + i;
  s.monetary = 100.25 * i;
  s.orders = i + 1;
  s.first_order_day = 19000 + i;
  s.last_order_day = 19300 + (i * 7) % 5;
  s.historical_clv_minor = 1000 * ((i * 3) % 4);
  s.p_alive = 0.1 * ((i * 5) % 7) + 0.05;
  s.expected_purchases_30d = 0.1 * i;
  s.expected_purchases_90d = 0.3 * i;
  s.expected_purchases_365d = 1.0 / 3.0 * ((i * 2) % 5);
  s.expected_purchases_horizon = 1.5 * i;
  s.expected_spend_minor = 1234.5;
  s.predicted_clv_minor = 100.0 * (i / 2) + 0.1;
  s.clv_lower_minor = s.predicted_clv_minor - 10;
  s.clv_upper_minor = s.predicted_clv_minor + 10;
  s.churn_risk = kRisks[i % 3];
  s.value_at_risk_minor = -50.5 + 25.25 * ((i * 4) % 6);
  s.rfm_recency = 1 + i % 5;
  s.rfm_frequency = 1 + (i + 1) % 5;
  s.rfm_monetary = 1 + (i + 2) % 5;
  s.segment = kSegments[(i / 3) % 3];
  s.clv_tier = kTiers[i % 3 == 0 ? 0 : (i % 2 ? 1 : 2)];
  s.expected_next_order_day = i % 4 == 0 ? -1 : 19400 + i;
  s.updated_at_us = kT0 + i;
  return s;
}

void ExpectSameScore(const CustomerScore& got, const CustomerScore& want, std::int64_t fit_id) {
  EXPECT_EQ(got.customer, want.customer);
  EXPECT_EQ(got.fit_id, fit_id);
  EXPECT_EQ(got.frequency, want.frequency);
  EXPECT_EQ(got.recency, want.recency);
  EXPECT_EQ(got.age, want.age);
  EXPECT_EQ(got.monetary, want.monetary);
  EXPECT_EQ(got.orders, want.orders);
  EXPECT_EQ(got.first_order_day, want.first_order_day);
  EXPECT_EQ(got.last_order_day, want.last_order_day);
  EXPECT_EQ(got.historical_clv_minor, want.historical_clv_minor);
  EXPECT_EQ(got.p_alive, want.p_alive);
  EXPECT_EQ(got.expected_purchases_30d, want.expected_purchases_30d);
  EXPECT_EQ(got.expected_purchases_90d, want.expected_purchases_90d);
  EXPECT_EQ(got.expected_purchases_365d, want.expected_purchases_365d);
  EXPECT_EQ(got.expected_purchases_horizon, want.expected_purchases_horizon);
  EXPECT_EQ(std::isnan(got.expected_spend_minor), std::isnan(want.expected_spend_minor));
  if (!std::isnan(want.expected_spend_minor)) {
    EXPECT_EQ(got.expected_spend_minor, want.expected_spend_minor);
  }
  EXPECT_EQ(got.predicted_clv_minor, want.predicted_clv_minor);
  // Bit-exact, NaN included.
  EXPECT_EQ(std::isnan(got.clv_lower_minor), std::isnan(want.clv_lower_minor));
  if (!std::isnan(want.clv_lower_minor)) {
    EXPECT_EQ(got.clv_lower_minor, want.clv_lower_minor);
  }
  EXPECT_EQ(std::isnan(got.clv_upper_minor), std::isnan(want.clv_upper_minor));
  if (!std::isnan(want.clv_upper_minor)) {
    EXPECT_EQ(got.clv_upper_minor, want.clv_upper_minor);
  }
  EXPECT_EQ(got.churn_risk, want.churn_risk);
  EXPECT_EQ(got.value_at_risk_minor, want.value_at_risk_minor);
  EXPECT_EQ(got.rfm_recency, want.rfm_recency);
  EXPECT_EQ(got.rfm_frequency, want.rfm_frequency);
  EXPECT_EQ(got.rfm_monetary, want.rfm_monetary);
  EXPECT_EQ(got.segment, want.segment);
  EXPECT_EQ(got.clv_tier, want.clv_tier);
  EXPECT_EQ(got.expected_next_order_day, want.expected_next_order_day);
  EXPECT_EQ(got.updated_at_us, want.updated_at_us);
}

class AnalyticsTest : public StoreContractTest {
 protected:
  // n customers "c0".."c{n-1}" in the tenant (order "o<i>" of 1000 + i minor units on day
  // kT0 + i), ids in that order.
  std::vector<CustomerId> MakeCustomers(TenantId tenant, int n) {
    std::vector<OrderInput> orders;
    orders.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      orders.push_back(MakeOrder("o" + std::to_string(i), "c" + std::to_string(i),
                                 kT0 + i * kDay, 1000 + i));
    Upsert(tenant, orders);
    // Every customer of the tenant by paging (a few listings, not a lookup per customer).
    std::unordered_map<std::string, CustomerId> by_external_id;
    ListCustomersOptions page_options;
    page_options.limit = 1'000;
    do {
      auto page = store_->ListCustomers(tenant, page_options);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return {};
      for (const Customer& c : page->items) by_external_id.emplace(c.external_id, c.id);
      page_options.cursor = page->next_cursor;
    } while (!page_options.cursor.empty());
    std::vector<CustomerId> ids;
    ids.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto it = by_external_id.find("c" + std::to_string(i));
      if (it == by_external_id.end()) {
        ADD_FAILURE() << "no customer c" << i;
        return {};
      }
      ids.push_back(it->second);
    }
    return ids;
  }

  // Writes a fit with the given scores in batches of `batch`; returns the committed record.
  Result<ModelFitRecord> WriteFit(TenantId tenant, const std::vector<CustomerScore>& scores,
                                  UnixMicros at, std::size_t batch = 3,
                                  std::int64_t customers = -1) {
    ModelFitRecord fit = MakeFit(tenant, at);
    fit.customers = customers >= 0 ? customers : static_cast<std::int64_t>(scores.size());
    CLV_ASSIGN_OR_RETURN(std::unique_ptr<FitWriter> w, store_->BeginFitWrite(tenant, fit));
    for (std::size_t i = 0; i < scores.size(); i += batch) {
      std::span<const CustomerScore> part(scores.data() + i, std::min(batch, scores.size() - i));
      CLV_RETURN_IF_ERROR(w->Add(part));
    }
    return w->Commit();
  }

  std::int64_t ScoreCount(TenantId tenant) {
    std::int64_t n = 0;
    ListScoresOptions o;
    o.limit = kMaxPageLimit;
    o.sort = ScoreSort::kCustomerId;
    while (true) {
      auto page = store_->ListCustomerScores(tenant, o);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return -1;
      n += static_cast<std::int64_t>(page->items.size());
      if (page->next_cursor.empty()) return n;
      o.cursor = page->next_cursor;
    }
  }
};

TEST_P(AnalyticsTest, FitWriteStreamsBatchesAndCommitReplacesAllScores) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 10);
  const auto b_ids = MakeCustomers(b.tenant.id, 2);
  EXPECT_EQ(store_->GetCurrentFit(a.tenant.id).status().code(), StatusCode::kNotFound);
  std::vector<CustomerScore> first;
  for (int i = 0; i < 10; ++i) first.push_back(MakeScore(ids[i], i));
  auto f1 = WriteFit(a.tenant.id, first, kT0 + 100);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  EXPECT_GT(f1->id, 0);
  EXPECT_EQ(ScoreCount(a.tenant.id), 10);
  for (int i = 0; i < 10; ++i) {
    auto got = store_->GetCustomerScore(a.tenant.id, ids[i]);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSameScore(got->score, first[i], f1->id);
    EXPECT_EQ(got->customer.id, ids[i]);
    EXPECT_EQ(got->customer.external_id, "c" + std::to_string(i));
  }
  // Tenant B has its own fit; A's scores are untouched by it.
  auto fb = WriteFit(b.tenant.id, {MakeScore(b_ids[0], 1)}, kT0 + 150);
  ASSERT_TRUE(fb.ok()) << fb.status().ToString();
  // The second fit of A scores only 4 customers: the other 6 lose their scores.
  std::vector<CustomerScore> second;
  for (int i = 0; i < 4; ++i) second.push_back(MakeScore(ids[i], i + 20));
  auto f2 = WriteFit(a.tenant.id, second, kT0 + 200, /*batch=*/1);
  ASSERT_TRUE(f2.ok()) << f2.status().ToString();
  EXPECT_GT(f2->id, f1->id);
  EXPECT_EQ(ScoreCount(a.tenant.id), 4);
  EXPECT_EQ(store_->GetCustomerScore(a.tenant.id, ids[7]).status().code(), StatusCode::kNotFound);
  ExpectSameScore(store_->GetCustomerScore(a.tenant.id, ids[2])->score, second[2], f2->id);
  EXPECT_EQ(ScoreCount(b.tenant.id), 1);
  // (SQLite numbers customers per tenant: A's 6th customer has an id B does not have.)
  EXPECT_EQ(store_->GetCustomerScore(b.tenant.id, ids[5]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetCurrentFit(a.tenant.id)->id, f2->id);
  EXPECT_EQ(store_->GetCurrentFit(b.tenant.id)->id, fb->id);
  // A fit with no scores clears them all.
  auto f3 = WriteFit(a.tenant.id, {}, kT0 + 300);
  ASSERT_TRUE(f3.ok());
  EXPECT_EQ(ScoreCount(a.tenant.id), 0);
  EXPECT_EQ(ScoreCount(b.tenant.id), 1);
}

TEST_P(AnalyticsTest, FitWriteAbortAndErrorsLeaveNothing) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 4);
  // B has more customers than A: under SQLite's per-tenant ids, B's last id is unknown in A.
  const auto b_ids = MakeCustomers(b.tenant.id, 6);
  auto f1 = WriteFit(a.tenant.id, {MakeScore(ids[0], 0), MakeScore(ids[1], 1)}, kT0);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  // A large count takes SQLite's bulk path (sort indexes dropped, rebuilt at Commit): an abort
  // must bring them back.
  ModelFitRecord fit = MakeFit(a.tenant.id, kT0 + 10);
  fit.customers = 50'000;
  {  // Explicit abort.
    auto w = store_->BeginFitWrite(a.tenant.id, fit);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    std::vector<CustomerScore> s = {MakeScore(ids[2], 2), MakeScore(ids[3], 3)};
    ASSERT_TRUE((*w)->Add(s).ok());
    (*w)->Abort();
    EXPECT_EQ((*w)->Add(s).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ((*w)->Commit().status().code(), StatusCode::kFailedPrecondition);
  }
  {  // Destroyed without Commit.
    auto w = store_->BeginFitWrite(a.tenant.id, fit);
    ASSERT_TRUE(w.ok());
    std::vector<CustomerScore> s = {MakeScore(ids[3], 3)};
    ASSERT_TRUE((*w)->Add(s).ok());
  }
  // An unknown customer (or one of another tenant), found at Add or at Commit: NotFound.
  for (CustomerId bad : {CustomerId{987654}, b_ids.back()}) {
    auto r = WriteFit(a.tenant.id, {MakeScore(ids[2], 2), MakeScore(bad, 3)}, kT0 + 20);
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  }
  // A customer twice, across batches: InvalidArgument.
  auto dup = WriteFit(a.tenant.id, {MakeScore(ids[2], 2), MakeScore(ids[2], 3)}, kT0 + 30, 1);
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument) << dup.status().ToString();
  // A non-finite sort key: InvalidArgument.
  CustomerScore nan_key = MakeScore(ids[2], 2);
  nan_key.p_alive = std::nan("");
  EXPECT_EQ(WriteFit(a.tenant.id, {nan_key}, kT0 + 40).status().code(),
            StatusCode::kInvalidArgument);
  // After an error the writer is closed.
  {
    auto w = store_->BeginFitWrite(a.tenant.id, fit);
    ASSERT_TRUE(w.ok());
    std::vector<CustomerScore> s = {nan_key};
    EXPECT_EQ((*w)->Add(s).code(), StatusCode::kInvalidArgument);
    std::vector<CustomerScore> good = {MakeScore(ids[3], 3)};
    EXPECT_EQ((*w)->Add(good).code(), StatusCode::kFailedPrecondition);
  }
  // Nothing of the above remains: fit 1 is current with its two scores.
  EXPECT_EQ(store_->GetCurrentFit(a.tenant.id)->id, f1->id);
  EXPECT_EQ(store_->ListFits(a.tenant.id, {})->items.size(), 1u);
  EXPECT_EQ(ScoreCount(a.tenant.id), 2);
  EXPECT_EQ(store_->GetCustomerScore(a.tenant.id, ids[0])->score.fit_id, f1->id);
  // The record must name the tenant it is written to; other tenants cannot be written.
  EXPECT_EQ(store_->BeginFitWrite(b.tenant.id, fit).status().code(), StatusCode::kInvalidArgument);
  ModelFitRecord ghost = fit;
  ghost.tenant = TenantId{987654};
  EXPECT_EQ(store_->BeginFitWrite(ghost.tenant, ghost).status().code(), StatusCode::kNotFound);
  if (GetParam() == Backend::kSqliteFile) {
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = 'customer_scores'")
                  .value(),
              6);
  }
  // The store is still writable (locks released, connections clean).
  EXPECT_TRUE(WriteFit(a.tenant.id, {MakeScore(ids[3], 3)}, kT0 + 50).ok());
  EXPECT_EQ(ScoreCount(a.tenant.id), 1);
}

// JSON text without the whitespace outside strings (stores format aggregated objects
// differently; the members' own text is kept).
std::string Compact(std::string_view json) {
  std::string out;
  bool in_string = false, escaped = false;
  for (char ch : json) {
    if (in_string) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
    } else if (ch == '"') {
      in_string = true;
      out += ch;
    } else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
      out += ch;
    }
  }
  return out;
}

TEST_P(AnalyticsTest, FitSummaryHasTheTypedFieldsAndOnlyTheAskedReportMembers) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const std::string_view none[] = {""};
  EXPECT_EQ(store_->GetCurrentFitSummary(a.tenant.id, {}).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(WriteFit(a.tenant.id, {}, kT0).ok());
  ModelFitRecord fit = MakeFit(a.tenant.id, kT0 + 5);
  fit.job = JobId{7};
  fit.model_params = {1e-300, std::nan(""), 12345.678901234567};
  fit.customers = 3;
  const std::string scoring = R"({"model":"bgnbd","params":[0.243,1e-300],"note":"a \"q\" \\ b"})";
  const std::string request = R"({"as_of":null,"models":["bgnbd"]})";
  fit.report_json = R"({"diagnostics":{"ll":-123.5,"big":")" + std::string(20000, 'x') +
                    R"("},"scoring":)" + scoring + R"(,"request":)" + request + "}";
  auto w = store_->BeginFitWrite(a.tenant.id, fit);
  ASSERT_TRUE(w.ok());
  auto committed = (*w)->Commit();
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();

  auto full = store_->GetCurrentFit(a.tenant.id);
  auto plain = store_->GetCurrentFitSummary(a.tenant.id, {});
  ASSERT_TRUE(full.ok() && plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->report_json, "{}");
  // Every typed field as GetCurrentFit reads it (NaN compares unequal, so by position).
  EXPECT_EQ(plain->id, committed->id);
  EXPECT_EQ(plain->tenant, a.tenant.id);
  EXPECT_EQ(plain->job, std::optional<JobId>(JobId{7}));
  EXPECT_EQ(plain->created_at_us, full->created_at_us);
  EXPECT_EQ(plain->as_of_us, full->as_of_us);
  EXPECT_EQ(plain->as_of_explicit, full->as_of_explicit);
  EXPECT_EQ(plain->currency, full->currency);
  EXPECT_EQ(plain->model, full->model);
  ASSERT_EQ(plain->model_params.size(), 3u);
  EXPECT_EQ(plain->model_params[0], 1e-300);
  EXPECT_TRUE(std::isnan(plain->model_params[1]));
  EXPECT_EQ(plain->model_params[2], 12345.678901234567);
  EXPECT_EQ(plain->gamma_gamma_params, full->gamma_gamma_params);
  EXPECT_EQ(plain->spend_model, full->spend_model);
  EXPECT_EQ(plain->period, full->period);
  EXPECT_EQ(plain->resolution, full->resolution);
  EXPECT_EQ(plain->horizon_periods, full->horizon_periods);
  EXPECT_EQ(plain->clv_months, full->clv_months);
  EXPECT_EQ(plain->discount_rate_monthly, full->discount_rate_monthly);
  EXPECT_EQ(plain->margin, full->margin);
  EXPECT_EQ(plain->customers, 3);

  const std::string_view scoring_key[] = {"scoring"};
  auto s = store_->GetCurrentFitSummary(a.tenant.id, scoring_key);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(Compact(s->report_json), R"({"scoring":)" + scoring + "}");
  EXPECT_EQ(s->model, "bgnbd");

  // Two members (in either order) and a key the report does not have.
  const std::string_view keys[] = {"request", "missing", "scoring"};
  auto two = store_->GetCurrentFitSummary(a.tenant.id, keys);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  const std::string c = Compact(two->report_json);
  EXPECT_TRUE(c == R"({"scoring":)" + scoring + R"(,"request":)" + request + "}" ||
              c == R"({"request":)" + request + R"(,"scoring":)" + scoring + "}")
      << c;
  const std::string_view absent[] = {"missing"};
  EXPECT_EQ(Compact(store_->GetCurrentFitSummary(a.tenant.id, absent)->report_json), "{}");

  EXPECT_EQ(store_->GetCurrentFitSummary(a.tenant.id, none).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetCurrentFitSummary(b.tenant.id, scoring_key).status().code(),
            StatusCode::kNotFound);
}

// Field by field: a batched detail record against the single read.
void ExpectSameDetail(const CustomerDetailRecord& got, const CustomerDetailRecord& want) {
  SCOPED_TRACE(want.customer.id.value);
  EXPECT_EQ(got.customer.tenant, want.customer.tenant);
  EXPECT_EQ(got.customer.id, want.customer.id);
  EXPECT_EQ(got.customer.external_id, want.customer.external_id);
  EXPECT_EQ(got.customer.first_order_at_us, want.customer.first_order_at_us);
  EXPECT_EQ(got.customer.order_count, want.customer.order_count);
  ASSERT_EQ(got.score.has_value(), want.score.has_value());
  if (want.score) ExpectSameScore(*got.score, *want.score, want.score->fit_id);
  ASSERT_EQ(got.fit != nullptr, want.fit != nullptr);
  if (want.fit) {
    EXPECT_EQ(got.fit->id, want.fit->id);
    EXPECT_EQ(got.fit->model_params, want.fit->model_params);
    EXPECT_EQ(got.fit->as_of_us, want.fit->as_of_us);
  }
  ASSERT_EQ(got.rows.size(), want.rows.size());
  for (std::size_t i = 0; i < want.rows.size(); ++i) {
    EXPECT_EQ(got.rows[i].customer, want.rows[i].customer);
    EXPECT_EQ(got.rows[i].placed_at_us, want.rows[i].placed_at_us);
    EXPECT_EQ(got.rows[i].amount_minor, want.rows[i].amount_minor);
    EXPECT_EQ(got.rows[i].currency, want.rows[i].currency);
  }
}

TEST_P(AnalyticsTest, CustomerDetailIsTheSingleReadsInOne) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c2", kT0 + 2 * kDay, 1000),
                       MakeOrder("o2", "c1", kT0 + 3 * kDay, 500),
                       MakeOrder("o3", "c1", kT0 + 1 * kDay, 700, OrderStatus::kRefunded),
                       MakeOrder("o4", "c1", kT0 + 2 * kDay, 900, OrderStatus::kCancelled),
                       MakeOrder("r3", "c1", kT0 + 4 * kDay, 700, OrderStatus::kPaid, "o3"),
                       MakeOrder("o5", "c3", kT0 + 5 * kDay, 300, OrderStatus::kCancelled)});
  // c4: several cash flows at one instant (ordered by order id, as the analysis read orders
  // them), arriving in another order than they are stored; one in another currency.
  OrderInput in_usd = MakeOrder("t0", "c4", kT0 + 3 * kDay, 5);
  in_usd.currency = "USD";
  Upsert(a.tenant.id, {MakeOrder("t3", "c4", kT0 + 2 * kDay, 30),
                       MakeOrder("t1", "c4", kT0 + 2 * kDay, 10), in_usd,
                       MakeOrder("t2", "c4", kT0 + 1 * kDay, 20)});
  Upsert(b.tenant.id, {MakeOrder("o1", "c1", kT0, 100)});
  const CustomerId c1 = CustomerByExternalId(a.tenant.id, "c1").id;
  const CustomerId c2 = CustomerByExternalId(a.tenant.id, "c2").id;
  const CustomerId c3 = CustomerByExternalId(a.tenant.id, "c3").id;
  const CustomerId c4 = CustomerByExternalId(a.tenant.id, "c4").id;

  // Field by field against the single calls.
  auto expect_same = [&](CustomerId id) {
    SCOPED_TRACE(id.value);
    auto d = store_->GetCustomerDetail(a.tenant.id, id);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    auto customer = store_->GetCustomer(a.tenant.id, id);
    ASSERT_TRUE(customer.ok());
    EXPECT_EQ(d->customer.tenant, a.tenant.id);
    EXPECT_EQ(d->customer.id, id);
    EXPECT_EQ(d->customer.source, customer->source);
    EXPECT_EQ(d->customer.external_id, customer->external_id);
    EXPECT_EQ(d->customer.email, customer->email);
    EXPECT_EQ(d->customer.first_order_at_us, customer->first_order_at_us);
    EXPECT_EQ(d->customer.last_order_at_us, customer->last_order_at_us);
    EXPECT_EQ(d->customer.order_count, customer->order_count);
    EXPECT_EQ(d->customer.created_at_us, customer->created_at_us);
    auto score = store_->GetCustomerScore(a.tenant.id, id);
    ASSERT_EQ(d->score.has_value(), score.ok());
    if (score.ok()) ExpectSameScore(*d->score, score->score, score->score.fit_id);
    auto fit = store_->GetCurrentFitSummary(a.tenant.id, {});
    ASSERT_EQ(d->fit != nullptr, fit.ok());
    if (fit.ok()) {
      EXPECT_EQ(d->fit->id, fit->id);
      EXPECT_EQ(d->fit->tenant, a.tenant.id);
      EXPECT_EQ(d->fit->as_of_us, fit->as_of_us);
      EXPECT_EQ(d->fit->model, fit->model);
      EXPECT_EQ(d->fit->model_params, fit->model_params);
      EXPECT_EQ(d->fit->period, fit->period);
      EXPECT_EQ(d->fit->resolution, fit->resolution);
      EXPECT_EQ(d->fit->customers, fit->customers);
      EXPECT_EQ(d->fit->report_json, "{}");
    }
    const CustomerId ids[] = {id};
    auto rows = store_->AnalysisRowsForCustomers(a.tenant.id, ids);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(d->rows.size(), rows->size());
    for (std::size_t i = 0; i < rows->size(); ++i) {
      EXPECT_EQ(d->rows[i].customer, id);
      EXPECT_EQ(d->rows[i].placed_at_us, (*rows)[i].placed_at_us);
      EXPECT_EQ(d->rows[i].amount_minor, (*rows)[i].amount_minor);
      EXPECT_EQ(d->rows[i].currency, (*rows)[i].currency);
    }
    // Every flow in EUR but c4's last (t0, in USD).
    for (std::size_t i = 0; i < d->rows.size(); ++i) {
      const bool usd = id == c4 && i + 1 == d->rows.size();
      EXPECT_EQ(d->rows[i].currency, usd ? "USD" : "EUR") << i;
    }
  };

  // Before any fit: no score, no fit; c1's flows net of the refund, without the cancelled order.
  auto before = store_->GetCustomerDetail(a.tenant.id, c1);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->score.has_value());
  EXPECT_EQ(before->fit, nullptr);
  ASSERT_EQ(before->rows.size(), 3u);
  EXPECT_EQ(before->rows[0].placed_at_us, kT0 + kDay);
  EXPECT_EQ(before->rows[0].amount_minor, 700);
  EXPECT_EQ(before->rows[1].amount_minor, 500);
  EXPECT_EQ(before->rows[2].amount_minor, -700);
  expect_same(c1);
  expect_same(c3);
  expect_same(c4);
  auto ties = store_->GetCustomerDetail(a.tenant.id, c4);
  ASSERT_TRUE(ties.ok());
  ASSERT_EQ(ties->rows.size(), 4u);
  EXPECT_EQ(ties->rows[0].amount_minor, 20);
  EXPECT_EQ(ties->rows[1].amount_minor + ties->rows[2].amount_minor, 40);
  EXPECT_EQ(ties->rows[3].amount_minor, 5);

  // A fit scoring c1 only.
  ASSERT_TRUE(WriteFit(a.tenant.id, {MakeScore(c1, 3)}, kT0 + 10 * kDay).ok());
  for (CustomerId id : {c1, c2, c3, c4}) expect_same(id);
  auto d1 = store_->GetCustomerDetail(a.tenant.id, c1);
  ASSERT_TRUE(d1.ok() && d1->score && d1->fit);
  EXPECT_EQ(d1->score->fit_id, d1->fit->id);
  EXPECT_EQ(d1->score->segment, MakeScore(c1, 3).segment);
  auto d3 = store_->GetCustomerDetail(a.tenant.id, c3);
  ASSERT_TRUE(d3.ok());
  EXPECT_TRUE(d3->rows.empty());  // only a cancelled order
  EXPECT_FALSE(d3->score.has_value());

  // Unknown ids are NotFound, in every tenant (b has one customer; ids may be per tenant).
  EXPECT_EQ(store_->GetCustomerDetail(a.tenant.id, CustomerId{c3.value + 1000}).status().code(),
            StatusCode::kNotFound);
  const CustomerId b1 = CustomerByExternalId(b.tenant.id, "c1").id;
  for (CustomerId id : {c1, c2, c3}) {
    if (id == b1) continue;
    EXPECT_EQ(store_->GetCustomerDetail(b.tenant.id, id).status().code(), StatusCode::kNotFound);
  }
  auto in_b = store_->GetCustomerDetail(b.tenant.id, b1);
  ASSERT_TRUE(in_b.ok());
  EXPECT_EQ(in_b->customer.tenant, b.tenant.id);
  EXPECT_EQ(in_b->fit, nullptr);  // a's fit is not b's
  ASSERT_EQ(in_b->rows.size(), 1u);
  EXPECT_EQ(in_b->rows[0].amount_minor, 100);

  // Several at once — unordered, a duplicate, an unknown id, b's customer: the single reads of
  // a's customers, ascending by id, once each (b1 counts only if it also names one of a's).
  const CustomerId unknown{c3.value + 1000};
  const CustomerId several[] = {c3, unknown, c1, b1, c2, c1};
  auto many = store_->GetCustomerDetails(a.tenant.id, several);
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  std::vector<CustomerId> want_ids = {c1, c2, c3};
  std::sort(want_ids.begin(), want_ids.end());
  ASSERT_EQ(many->size(), want_ids.size());
  for (std::size_t i = 0; i < want_ids.size(); ++i) {
    auto one = store_->GetCustomerDetail(a.tenant.id, want_ids[i]);
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    ExpectSameDetail((*many)[i], *one);
  }
  EXPECT_TRUE(store_->GetCustomerDetails(a.tenant.id, {}).value().empty());
  const CustomerId only_unknown[] = {unknown};
  EXPECT_TRUE(store_->GetCustomerDetails(a.tenant.id, only_unknown).value().empty());
  const CustomerId just_b1[] = {b1};
  auto from_b = store_->GetCustomerDetails(b.tenant.id, just_b1);
  ASSERT_TRUE(from_b.ok());
  ASSERT_EQ(from_b->size(), 1u);
  ExpectSameDetail((*from_b)[0], *in_b);

  // A newer fit replaces the one shown above at once (PostgreSQL keeps the fit summary it last
  // read per tenant: only for the same fit id may it show it again).
  const std::int64_t first_fit = d1->fit->id;
  ASSERT_TRUE(WriteFit(a.tenant.id, {MakeScore(c2, 5)}, kT0 + 20 * kDay).ok());
  for (CustomerId id : {c1, c2, c3, c4}) expect_same(id);
  const CustomerId both[] = {c1, c2};
  auto after = store_->GetCustomerDetails(a.tenant.id, both);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), 2u);
  for (const CustomerDetailRecord& d : *after) {
    ASSERT_NE(d.fit, nullptr);
    EXPECT_GT(d.fit->id, first_fit);
    EXPECT_EQ(d.fit->created_at_us, kT0 + 20 * kDay);
  }
  const CustomerDetailRecord& scored = (*after)[(*after)[0].customer.id == c2 ? 0 : 1];
  ASSERT_TRUE(scored.score.has_value());
  EXPECT_EQ(scored.score->fit_id, scored.fit->id);
}

// DetailBatcher over the real store: requests that queue while a fetch runs share the next one
// (one per tenant), never more fetches at once than allowed, and every request gets exactly the
// single read's answer.
// The detail's cash flows come in (placed_at, id) order whatever order the database reads the
// orders in: ids (insertion order), keys and placed_at all disagree, one order moves by an
// update, two share an instant. PostgreSQL's detail statement aggregates without ORDER BY and
// relies on orders_customer's order, sorting in ReadFlows when it gets another: with that index
// dropped, every way left to read the rows (the table, its primary key, (source,
// external_id)) gives another order, so the sort runs.
TEST_P(AnalyticsTest, DetailCashFlowsFollowPlacedAtThenIdWhateverOrderTheyAreRead) {
  auto a = NewTenant("a@example.com");
  Upsert(a.tenant.id, {MakeOrder("b", "c", kT0 + 3 * kDay, 300),
                       MakeOrder("c", "c", kT0 + 1 * kDay, 100),
                       MakeOrder("a", "c", kT0 + 2 * kDay, 200),
                       MakeOrder("d", "c", kT0 + 1 * kDay, 150)});
  // An update (on PostgreSQL a new row version at the end of the table); the id stays.
  Upsert(a.tenant.id, {MakeOrder("c", "c", kT0 + 1 * kDay, 110)});
  if (db_->backend() == Backend::kPostgres) {
    auto conn = postgres::PgConn::Connect(db_->url(), 5);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)->Command("DROP INDEX orders_customer").ok());
  }
  const CustomerId c = CustomerByExternalId(a.tenant.id, "c").id;
  const CustomerId ids[] = {c};
  auto analysis = store_->AnalysisRowsForCustomers(a.tenant.id, ids);
  ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
  for (int read = 0; read < 2; ++read) {  // the second read runs the prepared plan again
    auto d = store_->GetCustomerDetail(a.tenant.id, c);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    std::vector<std::pair<UnixMicros, std::int64_t>> flows, expected;
    for (const AnalysisRow& r : d->rows) flows.emplace_back(r.placed_at_us, r.amount_minor);
    for (const AnalysisRow& r : *analysis) expected.emplace_back(r.placed_at_us, r.amount_minor);
    // "c" (110) before "d" (150) at one instant: ids 2 and 4.
    EXPECT_THAT(flows, ElementsAre(std::pair{kT0 + kDay, std::int64_t{110}},
                                   std::pair{kT0 + kDay, std::int64_t{150}},
                                   std::pair{kT0 + 2 * kDay, std::int64_t{200}},
                                   std::pair{kT0 + 3 * kDay, std::int64_t{300}}));
    EXPECT_EQ(flows, expected);
  }
}

TEST_P(AnalyticsTest, DetailBatcherSharesFetchesAndAnswersLikeTheSingleRead) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 4);
  const auto b_ids = MakeCustomers(b.tenant.id, 1);
  ASSERT_TRUE(WriteFit(a.tenant.id, {MakeScore(ids[0], 1), MakeScore(ids[1], 2)}, kT0 + 10 * kDay).ok());
  const CustomerId unknown{std::max(ids.back().value, b_ids[0].value) + 1000};

  std::mutex mu;
  std::vector<std::pair<TenantId, std::size_t>> calls;  // tenant, ids per fetch
  int running = 0, most_running = 0;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  DetailBatcher batcher(
      [&](TenantId tenant, std::span<const CustomerId> batch) {
        bool first = false;
        {
          std::lock_guard lock(mu);
          first = calls.empty();
          calls.emplace_back(tenant, batch.size());
          most_running = std::max(most_running, ++running);
        }
        if (first) released.wait();  // hold the only slot until the others have queued
        auto r = store_->GetCustomerDetails(tenant, batch);
        std::lock_guard lock(mu);
        --running;
        return r;
      },
      /*max_in_flight=*/1, /*max_batch=*/8);

  auto check = [&](TenantId tenant, CustomerId id) {
    auto got = batcher.Get(tenant, id);
    auto want = store_->GetCustomerDetail(tenant, id);
    ASSERT_EQ(got.ok(), want.ok()) << got.status().ToString();
    if (!want.ok()) {
      EXPECT_EQ(got.status().code(), want.status().code());
      return;
    }
    ExpectSameDetail(*got, *want);
  };
  std::vector<std::thread> threads;
  threads.emplace_back(check, a.tenant.id, ids[3]);
  while (true) {  // the first request is inside its fetch
    std::lock_guard lock(mu);
    if (!calls.empty()) break;
  }
  const std::vector<std::pair<TenantId, CustomerId>> queued = {
      {a.tenant.id, ids[0]}, {b.tenant.id, b_ids[0]}, {a.tenant.id, unknown},
      {a.tenant.id, ids[1]}, {a.tenant.id, ids[0]}};
  for (const auto& [tenant, id] : queued) threads.emplace_back(check, tenant, id);
  while (batcher.queued() < queued.size()) std::this_thread::yield();
  release.set_value();
  for (std::thread& t : threads) t.join();

  ASSERT_EQ(calls.size(), 3u);  // the first alone, then one per tenant
  EXPECT_EQ(calls[0], std::make_pair(a.tenant.id, std::size_t{1}));
  std::set<std::pair<std::int64_t, std::size_t>> rest = {
      {calls[1].first.value, calls[1].second}, {calls[2].first.value, calls[2].second}};
  EXPECT_EQ(rest, (std::set<std::pair<std::int64_t, std::size_t>>{{a.tenant.id.value, 4},
                                                                  {b.tenant.id.value, 1}}));
  EXPECT_EQ(most_running, 1);
  EXPECT_EQ(batcher.stats().batches, 3u);
  EXPECT_EQ(batcher.stats().requests, 6u);

  // Many threads, two fetches at a time, seeded picks: every answer is the single read's.
  DetailBatcher shared(*store_, /*max_in_flight=*/2, /*max_batch=*/4);
  std::vector<CustomerId> picks = ids;
  picks.push_back(unknown);
  std::vector<std::thread> load;
  for (int t = 0; t < 6; ++t) {
    load.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t + 1));
      for (int i = 0; i < 25; ++i) {
        const CustomerId id = picks[rng() % picks.size()];
        auto got = shared.Get(a.tenant.id, id);
        auto want = store_->GetCustomerDetail(a.tenant.id, id);
        ASSERT_EQ(got.ok(), want.ok());
        if (want.ok()) ExpectSameDetail(*got, *want);
      }
    });
  }
  for (std::thread& t : load) t.join();
  EXPECT_EQ(shared.stats().requests, 150u);
  EXPECT_LE(shared.stats().batches, 150u);
}

TEST_P(AnalyticsTest, FitsRoundTripAndListNewestFirst) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto f = WriteFit(a.tenant.id, {}, kT0 + i);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ids.push_back(f->id);
  }
  // A record with NaN in its parameters and spend "customer_mean" (no Gamma-Gamma).
  ModelFitRecord odd = MakeFit(a.tenant.id, kT0 + 10);
  odd.job = JobId{42};
  odd.as_of_explicit = false;
  odd.model = "pnbd";
  odd.model_params = {1e-300, std::nan(""), 12345.678901234567};
  odd.gamma_gamma_params = {};
  odd.spend_model = "customer_mean";
  odd.horizon_periods = std::nan("");
  odd.report_json = R"({"text":"tab\there, newline\n, backslash\\"})";
  odd.customers = 7;
  auto w = store_->BeginFitWrite(a.tenant.id, odd);
  ASSERT_TRUE(w.ok());
  auto committed = (*w)->Commit();
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  ids.push_back(committed->id);
  auto got = store_->GetCurrentFit(a.tenant.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, committed->id);
  EXPECT_EQ(got->tenant, a.tenant.id);
  EXPECT_EQ(got->job, std::optional<JobId>(JobId{42}));
  EXPECT_EQ(got->created_at_us, kT0 + 10);
  EXPECT_EQ(got->as_of_us, kT0 + 10 - kDay);
  EXPECT_FALSE(got->as_of_explicit);
  EXPECT_EQ(got->currency, "EUR");
  EXPECT_EQ(got->model, "pnbd");
  ASSERT_EQ(got->model_params.size(), 3u);
  EXPECT_EQ(got->model_params[0], 1e-300);
  EXPECT_TRUE(std::isnan(got->model_params[1]));
  EXPECT_EQ(got->model_params[2], 12345.678901234567);
  EXPECT_TRUE(got->gamma_gamma_params.empty());
  EXPECT_EQ(got->spend_model, "customer_mean");
  EXPECT_EQ(got->period, "week");
  EXPECT_EQ(got->resolution, "day");
  EXPECT_TRUE(std::isnan(got->horizon_periods));
  EXPECT_EQ(got->clv_months, 12);
  EXPECT_EQ(got->discount_rate_monthly, 0.01);
  EXPECT_EQ(got->margin, 0.3);
  EXPECT_EQ(got->customers, 7);
  EXPECT_EQ(got->report_json, odd.report_json);
  auto first = store_->GetFit(a.tenant.id, ids[0]);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->model_params, (std::vector<double>{0.243, 4.414, 0.793, 2.426}));
  EXPECT_EQ(first->gamma_gamma_params, (std::vector<double>{6.25, 3.74, 15.44}));
  EXPECT_EQ(first->job, std::nullopt);
  EXPECT_TRUE(first->as_of_explicit);
  EXPECT_EQ(first->horizon_periods, 52.0);
  // Newest first, complete, no duplicates.
  std::vector<std::int64_t> seen;
  ListFitsOptions o;
  o.limit = 4;
  while (true) {
    auto page = store_->ListFits(a.tenant.id, o);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& f : page->items) seen.push_back(f.id);
    if (page->next_cursor.empty()) break;
    o.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen, std::vector<std::int64_t>(ids.rbegin(), ids.rend()));
  // Tenant isolation.
  EXPECT_EQ(store_->GetFit(b.tenant.id, ids[0]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetCurrentFit(b.tenant.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListFits(b.tenant.id, {})->items.empty());
  EXPECT_EQ(store_->GetFit(a.tenant.id, 987654).status().code(), StatusCode::kNotFound);
}

TEST_P(AnalyticsTest, UpsertScoresIsAllOrNothing) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 4);
  // B has more customers than A: under SQLite's per-tenant ids, B's last id is unknown in A.
  const auto b_ids = MakeCustomers(b.tenant.id, 6);
  auto fit = WriteFit(a.tenant.id, {MakeScore(ids[0], 0), MakeScore(ids[1], 1)}, kT0);
  ASSERT_TRUE(fit.ok());
  // Replace one, add one.
  CustomerScore replaced = MakeScore(ids[1], 7);
  replaced.fit_id = fit->id;
  replaced.clv_lower_minor = std::nan("");
  replaced.clv_upper_minor = std::nan("");
  CustomerScore added = MakeScore(ids[2], 8);
  added.fit_id = fit->id;
  std::vector<CustomerScore> batch = {replaced, added};
  ASSERT_TRUE(store_->UpsertCustomerScores(a.tenant.id, batch).ok());
  ExpectSameScore(store_->GetCustomerScore(a.tenant.id, ids[1])->score, replaced, fit->id);
  ExpectSameScore(store_->GetCustomerScore(a.tenant.id, ids[2])->score, added, fit->id);
  EXPECT_EQ(ScoreCount(a.tenant.id), 3);
  // An unknown customer (or another tenant's) in the batch: NotFound, nothing written.
  for (CustomerId bad : {CustomerId{987654}, b_ids.back()}) {
    CustomerScore good = MakeScore(ids[3], 9);
    CustomerScore unknown = MakeScore(bad, 10);
    std::vector<CustomerScore> mixed = {good, unknown};
    EXPECT_EQ(store_->UpsertCustomerScores(a.tenant.id, mixed).code(), StatusCode::kNotFound);
    EXPECT_EQ(store_->GetCustomerScore(a.tenant.id, ids[3]).status().code(),
              StatusCode::kNotFound);
  }
  std::vector<CustomerScore> twice = {MakeScore(ids[3], 1), MakeScore(ids[3], 2)};
  EXPECT_EQ(store_->UpsertCustomerScores(a.tenant.id, twice).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ScoreCount(a.tenant.id), 3);
  EXPECT_EQ(ScoreCount(b.tenant.id), 0);
  EXPECT_TRUE(store_->UpsertCustomerScores(a.tenant.id, {}).ok());
}

// Every sort, both directions, with and without filters, paged by 3 and by 1000: each listing
// equals the reference order computed here, pages are complete and duplicate-free.
TEST_P(AnalyticsTest, ListsScoresInEverySortAndDirectionWithFilters) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  constexpr int kN = 23;
  const auto ids = MakeCustomers(a.tenant.id, kN);
  const auto b_ids = MakeCustomers(b.tenant.id, 3);
  std::vector<CustomerScore> scores;
  for (int i = 0; i < kN; ++i) scores.push_back(MakeScore(ids[i], i));
  // B first, then A through the bulk path (SQLite rebuilds the sort indexes at Commit).
  ASSERT_TRUE(WriteFit(b.tenant.id, {MakeScore(b_ids[0], 0), MakeScore(b_ids[1], 1)}, kT0).ok());
  ASSERT_TRUE(WriteFit(a.tenant.id, scores, kT0, 3, /*customers=*/50'000).ok());
  ASSERT_EQ(ScoreCount(b.tenant.id), 2);
  if (GetParam() == Backend::kSqliteFile) {
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = 'customer_scores'")
                  .value(),
              6);
  }

  auto key = [](ScoreSort sort, const CustomerScore& s) -> double {
    switch (sort) {
      case ScoreSort::kPredictedClv: return s.predicted_clv_minor;
      case ScoreSort::kHistoricalClv: return static_cast<double>(s.historical_clv_minor);
      case ScoreSort::kPAlive: return s.p_alive;
      case ScoreSort::kExpectedPurchases365d: return s.expected_purchases_365d;
      case ScoreSort::kValueAtRisk: return s.value_at_risk_minor;
      case ScoreSort::kLastOrder: return static_cast<double>(s.last_order_day);
      case ScoreSort::kCustomerId: return static_cast<double>(s.customer.value);
    }
    return 0;
  };
  struct Filter {
    std::optional<std::string> segment, churn_risk, clv_tier;
  };
  const std::vector<Filter> filters = {
      {}, {"champions", {}, {}}, {{}, "high", {}}, {{}, {}, "top_1"}, {"at_risk", "low", "rest"},
      {"nobody", {}, {}}};
  int checked = 0;
  for (ScoreSort sort : {ScoreSort::kPredictedClv, ScoreSort::kHistoricalClv, ScoreSort::kPAlive,
                         ScoreSort::kExpectedPurchases365d, ScoreSort::kValueAtRisk,
                         ScoreSort::kLastOrder, ScoreSort::kCustomerId}) {
    for (bool desc : {true, false}) {
      for (const Filter& f : filters) {
        std::vector<CustomerScore> want;
        for (const auto& s : scores) {
          if ((f.segment && s.segment != *f.segment) ||
              (f.churn_risk && s.churn_risk != *f.churn_risk) ||
              (f.clv_tier && s.clv_tier != *f.clv_tier))
            continue;
          want.push_back(s);
        }
        std::sort(want.begin(), want.end(), [&](const CustomerScore& x, const CustomerScore& y) {
          auto kx = std::make_pair(key(sort, x), x.customer.value);
          auto ky = std::make_pair(key(sort, y), y.customer.value);
          return desc ? kx > ky : kx < ky;
        });
        for (int limit : {3, 1000}) {
          ListScoresOptions o;
          o.sort = sort;
          o.descending = desc;
          o.segment = f.segment;
          o.churn_risk = f.churn_risk;
          o.clv_tier = f.clv_tier;
          o.limit = limit;
          std::vector<std::int64_t> got;
          int pages = 0;
          while (true) {
            auto page = store_->ListCustomerScores(a.tenant.id, o);
            ASSERT_TRUE(page.ok()) << page.status().ToString();
            ASSERT_LE(page->items.size(), static_cast<std::size_t>(limit));
            for (const auto& sc : page->items) {
              EXPECT_EQ(sc.customer.id, sc.score.customer);
              EXPECT_EQ(sc.customer.tenant, a.tenant.id);
              got.push_back(sc.score.customer.value);
            }
            ++pages;
            if (page->next_cursor.empty()) break;
            ASSERT_EQ(page->items.size(), static_cast<std::size_t>(limit));
            o.cursor = page->next_cursor;
            ASSERT_LT(pages, 100);
          }
          std::vector<std::int64_t> want_ids;
          for (const auto& s : want) want_ids.push_back(s.customer.value);
          EXPECT_EQ(got, want_ids) << "sort " << static_cast<int>(sort) << (desc ? " desc" : " asc")
                                   << " limit " << limit;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 7 * 2 * 6 * 2);
}

// A filter that matches a few customers at the far end of the sort: SQLite's index walk runs out
// of its budget (tens of thousands of entries, sqlite_analytics.cc) and the page is answered by
// the scan with a bounded sorter instead. Whichever way a backend gets there, the pages must be
// exactly the matching customers in sort order, in both directions, with working cursors.
TEST_P(AnalyticsTest, RareFilterPagesAreExactBeyondTheIndexWalkBudget) {
  auto a = NewTenant("a@example.com");
  // Enough entries that SQLite's walk passes its budget (measured: ~8 VM steps per entry).
  constexpr int kN = 80'000;
  const std::vector<CustomerId> ids = MakeCustomers(a.tenant.id, kN);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kN));
  std::vector<CustomerScore> scores;
  scores.reserve(kN);
  std::vector<std::pair<std::int64_t, std::int64_t>> rare;  // (historical CLV, customer id)
  for (int i = 0; i < kN; ++i) {
    CustomerScore s = MakeScore(ids[i], i);
    // Distinct values, largest first by index; the rare customers get the smallest ones (and one
    // of them a tie with its neighbour, for the customer-id tie breaker).
    s.historical_clv_minor = 10 * static_cast<std::int64_t>(kN - i);
    s.segment = "champions";
    if (i % 11'001 == 11'000) {
      s.segment = "rare";
      s.historical_clv_minor = 7 - static_cast<std::int64_t>(rare.size()) / 2;
      rare.emplace_back(s.historical_clv_minor, ids[i].value);
    }
    scores.push_back(s);
  }
  ASSERT_EQ(rare.size(), 7u);
  ASSERT_TRUE(WriteFit(a.tenant.id, scores, kT0, /*batch=*/10'000).ok());
  for (bool descending : {true, false}) {
    std::vector<std::pair<std::int64_t, std::int64_t>> want = rare;
    std::sort(want.begin(), want.end());
    if (descending) std::reverse(want.begin(), want.end());
    ListScoresOptions o;
    o.limit = 3;
    o.sort = ScoreSort::kHistoricalClv;
    o.descending = descending;
    o.segment = "rare";
    std::vector<std::pair<std::int64_t, std::int64_t>> got;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = store_->ListCustomerScores(a.tenant.id, o);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const ScoredCustomer& c : page->items) {
        EXPECT_EQ(c.score.segment, "rare");
        got.emplace_back(c.score.historical_clv_minor, c.customer.id.value);
      }
      if (page->next_cursor.empty()) break;
      o.cursor = page->next_cursor;
    }
    // Ties on the key are ordered by customer id in the list's direction.
    EXPECT_EQ(got, want) << (descending ? "descending" : "ascending");
  }
}

TEST_P(AnalyticsTest, ScoreCursorsAreTiedToTheirSortAndFilters) {
  auto a = NewTenant("a@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 5);
  std::vector<CustomerScore> scores;
  for (int i = 0; i < 5; ++i) scores.push_back(MakeScore(ids[i], i));
  ASSERT_TRUE(WriteFit(a.tenant.id, scores, kT0).ok());
  ListScoresOptions o;
  o.limit = 2;
  auto page = store_->ListCustomerScores(a.tenant.id, o);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_cursor.empty());
  ListScoresOptions other_sort = o;
  other_sort.cursor = page->next_cursor;
  other_sort.sort = ScoreSort::kPAlive;
  EXPECT_EQ(store_->ListCustomerScores(a.tenant.id, other_sort).status().code(),
            StatusCode::kInvalidArgument);
  ListScoresOptions other_dir = o;
  other_dir.cursor = page->next_cursor;
  other_dir.descending = false;
  EXPECT_EQ(store_->ListCustomerScores(a.tenant.id, other_dir).status().code(),
            StatusCode::kInvalidArgument);
  ListScoresOptions other_filter = o;
  other_filter.cursor = page->next_cursor;
  other_filter.segment = "champions";
  EXPECT_EQ(store_->ListCustomerScores(a.tenant.id, other_filter).status().code(),
            StatusCode::kInvalidArgument);
  for (const std::string& bad : std::vector<std::string>{"x", "v1.5", "s1.", page->next_cursor + "x",
                                                      page->next_cursor + ".1"}) {
    ListScoresOptions b = o;
    b.cursor = bad;
    EXPECT_EQ(store_->ListCustomerScores(a.tenant.id, b).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  ListScoresOptions big = o;
  big.limit = kMaxPageLimit + 1;
  EXPECT_EQ(store_->ListCustomerScores(a.tenant.id, big).status().code(),
            StatusCode::kInvalidArgument);
  ListScoresOptions same = o;
  same.cursor = page->next_cursor;
  EXPECT_TRUE(store_->ListCustomerScores(a.tenant.id, same).ok());
}

TEST_P(AnalyticsTest, NanIntervalBoundsRoundTrip) {
  auto a = NewTenant("a@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 2);
  CustomerScore s0 = MakeScore(ids[0], 0);
  s0.clv_lower_minor = std::nan("");
  s0.clv_upper_minor = std::numeric_limits<double>::quiet_NaN();
  s0.expected_spend_minor = std::nan("");
  CustomerScore s1 = MakeScore(ids[1], 1);
  s1.clv_lower_minor = -0.0;
  s1.clv_upper_minor = 1e308;
  auto fit = WriteFit(a.tenant.id, {s0, s1}, kT0);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  auto got0 = store_->GetCustomerScore(a.tenant.id, ids[0]);
  ASSERT_TRUE(got0.ok());
  EXPECT_TRUE(std::isnan(got0->score.clv_lower_minor));
  EXPECT_TRUE(std::isnan(got0->score.clv_upper_minor));
  EXPECT_TRUE(std::isnan(got0->score.expected_spend_minor));
  ExpectSameScore(got0->score, s0, fit->id);
  auto got1 = store_->GetCustomerScore(a.tenant.id, ids[1]);
  ASSERT_TRUE(got1.ok());
  EXPECT_EQ(got1->score.clv_lower_minor, 0.0);
  EXPECT_EQ(got1->score.clv_upper_minor, 1e308);
  // Through the list and the incremental path too.
  auto page = store_->ListCustomerScores(a.tenant.id, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  for (const auto& sc : page->items)
    EXPECT_EQ(std::isnan(sc.score.clv_lower_minor), sc.score.customer == ids[0]);
  s1.clv_lower_minor = std::nan("");
  std::vector<CustomerScore> one = {s1};
  ASSERT_TRUE(store_->UpsertCustomerScores(a.tenant.id, one).ok());
  EXPECT_TRUE(std::isnan(store_->GetCustomerScore(a.tenant.id, ids[1])->score.clv_lower_minor));
}

TEST_P(AnalyticsTest, AggregatesScoresByGroupPerTenant) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  constexpr int kN = 12;
  const auto ids = MakeCustomers(a.tenant.id, kN);
  const auto b_ids = MakeCustomers(b.tenant.id, 1);
  std::vector<CustomerScore> scores;
  for (int i = 0; i < kN; ++i) scores.push_back(MakeScore(ids[i], i));
  ASSERT_TRUE(WriteFit(a.tenant.id, scores, kT0).ok());
  CustomerScore bs = MakeScore(b_ids[0], 0);
  bs.segment = "zzz_only_b";
  ASSERT_TRUE(WriteFit(b.tenant.id, {bs}, kT0).ok());
  constexpr std::array kAll = {ScoreGroupBy::kSegment, ScoreGroupBy::kClvTier,
                               ScoreGroupBy::kChurnRisk};
  // All three groupings in one call (one scan), in an order unlike the enum's, and each alone.
  constexpr std::array kMixed = {ScoreGroupBy::kChurnRisk, ScoreGroupBy::kSegment,
                                 ScoreGroupBy::kClvTier};
  auto together = store_->AggregateScores(a.tenant.id, kMixed);
  ASSERT_TRUE(together.ok()) << together.status().ToString();
  ASSERT_EQ(together->size(), 3u);
  for (ScoreGroupBy g : kAll) {
    std::map<std::string, ScoreGroup> want;
    for (const auto& s : scores) {
      const std::string& k = g == ScoreGroupBy::kSegment   ? s.segment
                             : g == ScoreGroupBy::kClvTier ? s.clv_tier
                                                           : s.churn_risk;
      ScoreGroup& w = want[k];
      w.key = k;
      w.customers += 1;
      w.historical_clv_minor += s.historical_clv_minor;
      w.predicted_clv_minor += s.predicted_clv_minor;
      w.value_at_risk_minor += s.value_at_risk_minor;
    }
    const std::array one = {g};
    auto alone = store_->AggregateScores(a.tenant.id, one);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(alone->size(), 1u);
    const auto at = static_cast<std::size_t>(std::find(kMixed.begin(), kMixed.end(), g) -
                                             kMixed.begin());
    for (const std::vector<ScoreGroup>* got : {&(*alone)[0], &(*together)[at]}) {
      ASSERT_EQ(got->size(), want.size());
      auto it = want.begin();
      for (const ScoreGroup& grp : *got) {  // ascending by key, like the std::map
        EXPECT_EQ(grp.key, it->first);
        EXPECT_EQ(grp.customers, it->second.customers);
        EXPECT_EQ(grp.historical_clv_minor, it->second.historical_clv_minor);
        EXPECT_NEAR(grp.predicted_clv_minor, it->second.predicted_clv_minor, 1e-6);
        EXPECT_NEAR(grp.value_at_risk_minor, it->second.value_at_risk_minor, 1e-6);
        ++it;
      }
    }
  }
  const std::array segment = {ScoreGroupBy::kSegment};
  auto bseg = store_->AggregateScores(b.tenant.id, segment);
  ASSERT_TRUE(bseg.ok());
  ASSERT_EQ((*bseg)[0].size(), 1u);
  EXPECT_EQ((*bseg)[0][0].key, "zzz_only_b");
  auto none = NewTenant("c@example.com");
  auto empty = store_->AggregateScores(none.tenant.id, kAll);
  ASSERT_TRUE(empty.ok());
  ASSERT_EQ(empty->size(), 3u);
  for (const auto& groups : *empty) EXPECT_TRUE(groups.empty());
  // No grouping, or one twice: refused.
  EXPECT_EQ(store_->AggregateScores(a.tenant.id, {}).status().code(), StatusCode::kInvalidArgument);
  const std::array twice = {ScoreGroupBy::kClvTier, ScoreGroupBy::kSegment, ScoreGroupBy::kClvTier};
  EXPECT_EQ(store_->AggregateScores(a.tenant.id, twice).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AnalyticsTest, AnalysisRowsForSomeCustomers) {
  auto a = NewTenant("a@example.com");
  auto b = NewTenant("b@example.com");
  Upsert(a.tenant.id, {MakeOrder("o1", "c2", kT0 + 2 * kDay, 1000),
                       MakeOrder("o2", "c1", kT0 + 3 * kDay, 500),
                       MakeOrder("o3", "c1", kT0 + 1 * kDay, 700, OrderStatus::kRefunded),
                       MakeOrder("o4", "c1", kT0 + 2 * kDay, 900, OrderStatus::kCancelled),
                       MakeOrder("r3", "c1", kT0 + 4 * kDay, 700, OrderStatus::kPaid, "o3"),
                       MakeOrder("o5", "c3", kT0 + 5 * kDay, 300)});
  Upsert(b.tenant.id, {MakeOrder("o1", "c1", kT0, 99)});
  const CustomerId c1 = CustomerByExternalId(a.tenant.id, "c1").id;
  const CustomerId c2 = CustomerByExternalId(a.tenant.id, "c2").id;
  const CustomerId b1 = CustomerByExternalId(b.tenant.id, "c1").id;
  // Asked out of order, with a duplicate, an unknown id and another tenant's customer.
  std::vector<CustomerId> ask = {c2, c1, CustomerId{987654}, c1, b1};
  auto rows = store_->AnalysisRowsForCustomers(a.tenant.id, ask);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t>> got;
  for (const auto& r : *rows) {
    EXPECT_EQ(r.currency, "EUR");
    got.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor);
  }
  std::vector<std::tuple<std::int64_t, UnixMicros, std::int64_t>> expected = {
      {c1.value, kT0 + 1 * kDay, 700},
      {c1.value, kT0 + 3 * kDay, 500},
      {c1.value, kT0 + 4 * kDay, -700},
      {c2.value, kT0 + 2 * kDay, 1000}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(store_->AnalysisRowsForCustomers(a.tenant.id, {})->empty());
}

TEST_P(AnalyticsTest, FitCommitsAgainstConcurrentRescoringKeepOneConsistentState) {
  auto a = NewTenant("a@example.com");
  const auto ids = MakeCustomers(a.tenant.id, 30);
  std::atomic<int> failures{0};
  std::thread fitter([&] {
    for (int round = 0; round < 5; ++round) {
      std::vector<CustomerScore> all;
      for (int i = 0; i < 30; ++i) all.push_back(MakeScore(ids[i], i + round));
      if (!WriteFit(a.tenant.id, all, kT0 + round, 7).ok()) ++failures;
    }
  });
  std::thread rescorer([&] {
    for (int round = 0; round < 20; ++round) {
      std::vector<CustomerScore> some = {MakeScore(ids[round % 30], 100 + round)};
      Status s = store_->UpsertCustomerScores(a.tenant.id, some);
      if (!s.ok() && s.code() != StatusCode::kUnavailable) ++failures;
    }
  });
  fitter.join();
  rescorer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ScoreCount(a.tenant.id), 30);
  EXPECT_EQ(store_->ListFits(a.tenant.id, {})->items.size(), 5u);
}

// ---- Scheduled refits and pool usage ------------------------------------------------------

// A fit "as of now" (or historical) made at `at` by `job`, without scores.
Result<ModelFitRecord> WriteBareFit(Store& store, TenantId tenant, UnixMicros at, bool historical,
                                    std::optional<JobId> job = std::nullopt) {
  ModelFitRecord fit = MakeFit(tenant, at);
  fit.as_of_explicit = historical;
  fit.job = job;
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<FitWriter> w, store.BeginFitWrite(tenant, fit));
  return w->Commit();
}

std::vector<std::int64_t> CandidateTenants(const Result<std::vector<RefitCandidate>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::int64_t> out;
  if (r.ok()) {
    for (const RefitCandidate& c : *r) out.push_back(c.tenant.value);
  }
  return out;
}

TEST_P(AnalyticsTest, RefitCandidatesAreStaleNowFitsWithNewerOrdersAndNoRecentJob) {
  constexpr std::string_view kKind = "clv.calculate";
  const UnixMicros kFit = kT0 + 10 * kDay;
  const UnixMicros kLater = kFit + 5 * kDay;
  auto a = NewTenant("a@example.com");  // stale, new orders since: due
  auto b = NewTenant("b@example.com");  // stale, no orders since
  auto c = NewTenant("c@example.com");  // stale, new orders, but a historical (as_of) fit
  auto d = NewTenant("d@example.com");  // new orders, but the fit is younger than the threshold
  auto e = NewTenant("e@example.com");  // no fit at all
  for (const auto* t : {&a, &b, &c, &d, &e}) MakeCustomers(t->tenant.id, 2);  // written at kT0+1

  // A's fit came from a job; its request is what a refit reuses.
  auto job = store_->EnqueueJob(a.tenant.id, kKind, R"({"models":["bgnbd"]})", std::nullopt, kFit - 10);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto claimed = store_->ClaimJob("w", kFit - 9, kFit - 9);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_TRUE(store_->FinishJob(a.tenant.id, job->job.id, "w", true, "{}", "", kFit - 1).ok());
  auto fa_old = WriteBareFit(*store_, a.tenant.id, kT0 + 2, false);  // superseded by the next
  ASSERT_TRUE(fa_old.ok()) << fa_old.status().ToString();
  auto fa = WriteBareFit(*store_, a.tenant.id, kFit, false, job->job.id);
  ASSERT_TRUE(fa.ok()) << fa.status().ToString();
  ASSERT_TRUE(WriteBareFit(*store_, b.tenant.id, kFit, false).ok());
  ASSERT_TRUE(WriteBareFit(*store_, c.tenant.id, kFit, true).ok());
  ASSERT_TRUE(WriteBareFit(*store_, d.tenant.id, kLater + 20, false).ok());
  // New orders (written after the fits) for A, C, D and E; B's orders are all older.
  for (const auto* t : {&a, &c, &d, &e}) {
    ASSERT_TRUE(store_->UpsertOrders(t->tenant.id, std::vector<OrderInput>{MakeOrder("new", "c0", kT0, 500)},
                                     t == &d ? kLater + 30 : kLater + 1).ok());
  }

  const UnixMicros threshold = kLater;  // fits made before it are stale
  auto due = store_->ListRefitCandidates(kKind, threshold, std::nullopt);
  EXPECT_THAT(CandidateTenants(due), ElementsAre(a.tenant.id.value));
  ASSERT_TRUE(due.ok() && due->size() == 1);
  EXPECT_EQ((*due)[0].fit_id, fa->id);
  ASSERT_TRUE((*due)[0].fit_job.has_value());
  EXPECT_EQ((*due)[0].fit_job->value, job->job.id.value);
  EXPECT_EQ((*due)[0].fit_created_at_us, kFit);

  // The threshold is strict: a fit made exactly at it is not stale.
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates(kKind, kFit, std::nullopt)), ElementsAre());
  // `only` restricts to one tenant.
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates(kKind, threshold, a.tenant.id)),
              ElementsAre(a.tenant.id.value));
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates(kKind, threshold, b.tenant.id)), ElementsAre());
  // An order UPDATE after the fit counts as new data too (B's first order changes amount).
  ASSERT_TRUE(store_->UpsertOrders(b.tenant.id, std::vector<OrderInput>{MakeOrder("o0", "c0", kT0, 999)}, kLater + 2).ok());
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates(kKind, threshold + 10, std::nullopt)),
              ElementsAre(a.tenant.id.value, b.tenant.id.value));

  // A calculation job queued at or after the threshold (active or finished) takes A out, so
  // concurrent sweeps do not double it and a failing refit is retried once per interval.
  auto refit = store_->EnqueueJob(a.tenant.id, kKind, "{}", std::nullopt, threshold + 10);
  ASSERT_TRUE(refit.ok());
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates(kKind, threshold + 10, std::nullopt)),
              ElementsAre(b.tenant.id.value));
  // ... but only jobs of that kind count.
  EXPECT_THAT(CandidateTenants(store_->ListRefitCandidates("other.kind", threshold + 10, std::nullopt)),
              ElementsAre(a.tenant.id.value, b.tenant.id.value));
  EXPECT_EQ(store_->ListRefitCandidates("", threshold, std::nullopt).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AnalyticsTest, PoolStatsAreConsistentAndIdleAfterCalls) {
  auto a = NewTenant("a@example.com");
  MakeCustomers(a.tenant.id, 3);
  ASSERT_TRUE(store_->Ping().ok());
  const PoolStats s = store_->GetPoolStats();
  EXPECT_GE(s.capacity, 1);
  EXPECT_GE(s.open, 1);  // at least the connection those calls used
  EXPECT_LE(s.open, s.capacity);
  EXPECT_EQ(s.in_use, 0);  // nothing runs now
  EXPECT_EQ(s.idle, s.open);
  EXPECT_EQ(s.waits, 0u);  // one thread never waits
  EXPECT_EQ(s.wait_timeouts, 0u);
  EXPECT_EQ(s.wait_seconds, 0.0);
  // While an import holds a connection (SQLite: the writer), it is in use.
  auto importer = store_->BeginImport(a.tenant.id, kT0 + 5);
  ASSERT_TRUE(importer.ok()) << importer.status().ToString();
  const PoolStats busy = store_->GetPoolStats();
  EXPECT_EQ(busy.in_use, 1);
  EXPECT_EQ(busy.open, busy.in_use + busy.idle);
  (*importer)->Abort();
  importer->reset();  // (PostgreSQL: the importer holds its connection until destroyed)
  EXPECT_EQ(store_->GetPoolStats().in_use, 0);
}

TEST_P(AnalyticsTest, PoolStatsCountWaitsForAnExhaustedPool) {
  // One connection (PostgreSQL: pool_size 1; SQLite: the writer, which an import holds), a
  // short timeout: a second writer waits, times out, and both are counted.
  StoreOptions options;
  options.pool_size = 1;
  options.busy_timeout_ms = 50;
  std::unique_ptr<Store> store = Open(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Migrate().ok());  // (a new in-memory database is empty)
  auto a = store->CreateTenantWithOwner("Shop", "w@example.com", "h", kT0);
  ASSERT_TRUE(a.ok());
  auto importer = store->BeginImport(a->tenant.id, kT0 + 5);
  ASSERT_TRUE(importer.ok()) << importer.status().ToString();
  auto blocked = store->UpsertOrders(a->tenant.id, std::vector<OrderInput>{MakeOrder("x", "c", kT0, 1)}, kT0 + 6);
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable);
  const PoolStats s = store->GetPoolStats();
  EXPECT_EQ(s.waits, 1u);
  EXPECT_EQ(s.wait_timeouts, 1u);
  EXPECT_GE(s.wait_seconds, 0.04);  // waited (about) the 50 ms timeout
  EXPECT_LT(s.wait_seconds, 10.0);
  (*importer)->Abort();
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsTest,
                         ::testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory,
                                           Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend::kSqliteFile, Backend::kSqliteMemory,
                                           Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

// ---- URLs -----------------------------------------------------------------------------------------

TEST(OpenStoreTest, RejectsBadUrlsAndReportsUnreachableDatabases) {
  for (std::string url : {"", "mysql://x", "sqlite:", "sqlite://relative", "postgresq://x"}) {
    EXPECT_EQ(OpenStore(url).status().code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_EQ(OpenStore("postgresql://x:y@[::1/db").status().code(), StatusCode::kInvalidArgument);
  StoreOptions bad;
  bad.pool_size = 0;
  EXPECT_EQ(OpenStore("sqlite::memory:", bad).status().code(), StatusCode::kInvalidArgument);
  auto down = OpenStore("postgresql://clv:secret@127.0.0.1:1/nothing");
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(down.status().message(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(down.status().message(), ::testing::Not(HasSubstr("secret")));
  EXPECT_EQ(OpenStore("sqlite:/proc/clv-cannot/x.db").status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace clv::storage
