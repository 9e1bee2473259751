// The Store contract (storage/store.h), one suite instantiated for every backend: SQLite file,
// SQLite in-memory and PostgreSQL (CLV_TEST_POSTGRES_URL; see test_database.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Backend;
using testing::TestDatabase;

constexpr UnixMicros kT0 = 1'700'000'000'000'000;  // 2023-11-14
constexpr UnixMicros kDay = 86'400'000'000;

OrderInput MakeOrder(std::string id, std::string customer, UnixMicros placed, std::int64_t total,
                     OrderStatus status = OrderStatus::kPaid, std::string refund_of = "",
                     std::string source = "api", std::string email = "") {
  OrderInput o;
  o.source = std::move(source);
  o.external_id = std::move(id);
  o.customer_external_id = std::move(customer);
  o.email = std::move(email);
  o.placed_at_us = placed;
  o.currency = "EUR";
  o.total_minor = total;
  o.status = status;
  o.refund_of = std::move(refund_of);
  return o;
}

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
