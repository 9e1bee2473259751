// PostgreSQL: a large re-import stages only the rows the client cannot prove unchanged
// (ReImport, pg_reimport.h). These tests hold it to the staged merge of every row: the same
// re-import through the importer into one tenant and through UpsertOrders (which stages and
// merges every row) into another, both holding the same orders before, give the same counts,
// customers and orders field by field, ids in the same order; errors are the same and leave
// nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_reimport.h"
#include "storage/storage_test_fixtures.h"
#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage {
namespace {

using ::testing::HasSubstr;

using testing::kHour;
using testing::kT0;
using testing::MakeOrder;

constexpr int kBase = 6000;

// 6,000 rows, 400 customers per source, refunds of the nearest fitting earlier order
// (testing::MixedRows).
std::vector<OrderInput> BaseRows() {
  return testing::MixedRows({.rows = kBase, .customers = 400, .hours = 6000, .walk_back = true});
}

// The base rows again with changes; `changed` gets the index of every row that is not
// identical to a stored order (new, or some compared field differs).
std::vector<OrderInput> ReRows(const std::vector<OrderInput>& base, std::set<std::int64_t>* changed) {
  std::vector<OrderInput> out = base;
  auto mark = [&](int i) { changed->insert(i); };
  // The last email of each customer in the base (what is stored, lower-cased).
  std::map<std::pair<std::string, std::string>, std::string> stored_email;
  for (const OrderInput& o : base)
    if (!o.email.empty()) {
      std::string e = o.email;
      for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      stored_email[{o.source, o.customer_external_id}] = e;
    }
  for (int i = 0; i < kBase; ++i) {
    OrderInput& o = out[static_cast<std::size_t>(i)];
    switch (i % 50) {
      case 1: o.total_minor += 1; mark(i);
        if (i < 5000) o.email = "Staged" + std::to_string(i) + "@z.io";  // then a stored one later
        break;
      case 2:
        if (o.refund_of.empty() && o.status != OrderStatus::kCancelled) {
          o.status = OrderStatus::kCancelled;
          mark(i);
        }
        break;
      case 3:  // moved to another existing customer, or to a new one
        o.customer_external_id = i % 500 == 3 ? "new" + std::to_string(i) : "c" + std::to_string((i + 1) % 400);
        mark(i);
        break;
      case 4: o.placed_at_us += kHour; mark(i); break;
      case 6: o.currency = "USD"; mark(i); break;
      case 10:  // unchanged rows late in the file carry the customer's stored email, or a new one
        if (i > 5000) {
          if (i % 100 == 10) {  // the same customer's row 1,200 earlier: staged, with an email
            OrderInput& early = out[static_cast<std::size_t>(i - 1200)];
            early.total_minor += 1;
            early.email = "Staged" + std::to_string(i) + "@z.io";
            mark(i - 1200);
          }
          auto it = stored_email.find({o.source, o.customer_external_id});
          o.email = i % 100 == 10 && it != stored_email.end() ? it->second : "Late" + std::to_string(i) + "@Y.io";
        }
        break;
      default: break;
    }
  }
  // A refund retargeted, a refund made an order, an order made a refund.
  for (int j = 300;; ++j) {
    const OrderInput& t = out[static_cast<std::size_t>(j)];
    if (t.source == out[400].source && t.refund_of.empty() && j % 50 > 10 &&
        t.external_id != out[400].refund_of) {
      out[400].refund_of = t.external_id;
      mark(400);
      break;
    }
  }
  out[1200].refund_of.clear();
  mark(1200);
  for (int i = 1017;; ++i) {
    if (out[static_cast<std::size_t>(i)].refund_of.empty() && i % 50 > 10 && out[static_cast<std::size_t>(i)].source == out[1005].source) {
      out[static_cast<std::size_t>(i)].refund_of = out[1005].external_id;  // o1005: unchanged order
      mark(i);
      break;
    }
  }
  // New rows: orders of existing and new customers, and refunds of unchanged stored orders.
  for (int k = 0; k < 300; ++k) {
    const std::string source = k % 2 ? "shop" : "pos";
    OrderInput o = MakeOrder("n" + std::to_string(k), k % 3 ? "c" + std::to_string(k) : "fresh" + std::to_string(k % 7),
                             kT0 + k * kHour, 500 + k, OrderStatus::kPaid, "", source,
                             k % 5 ? "" : "New" + std::to_string(k) + "@n.io");
    if (k % 10 == 9) {  // a refund of an unchanged stored order of that source
      for (int j = 5 + 50 * k;; ++j) {
        const OrderInput& t = out[static_cast<std::size_t>(j % kBase)];
        if (t.source == source && t.refund_of.empty() && j % 50 > 10 && j % 50 < 40) {
          o.refund_of = t.external_id;
          o.customer_external_id = t.customer_external_id;
          break;
        }
      }
    }
    mark(static_cast<std::int64_t>(out.size()));
    out.push_back(std::move(o));
  }
  return out;
}

class PgReImportTest : public testing::PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = store_->CreateTenantWithOwner("A", "a@example.com", "hash", kT0).value().tenant.id;
    b_ = store_->CreateTenantWithOwner("B", "b@example.com", "hash", kT0).value().tenant.id;
    base_ = BaseRows();
    for (TenantId t : {a_, b_}) {
      auto r = store_->UpsertOrders(t, base_, kT0);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }

  Result<UpsertResult> Import(TenantId tenant, std::span<const OrderInput> rows, std::size_t batch) {
    return testing::ImportInBatches(*store_, tenant, rows, batch, kT0 + 1);
  }
  std::vector<Customer> AllCustomers(TenantId tenant) {
    return testing::AllCustomers(*store_, tenant);
  }
  std::vector<Order> AllOrders(TenantId tenant) { return testing::AllOrders(*store_, tenant); }

  // Customers by key: every field but id and tenant.
  using CustomerFields = std::tuple<std::string, UnixMicros, UnixMicros, std::int64_t, UnixMicros>;
  std::map<std::pair<std::string, std::string>, CustomerFields> Customers(TenantId t) {
    std::map<std::pair<std::string, std::string>, CustomerFields> out;
    for (const Customer& c : AllCustomers(t))
      out[{c.source, c.external_id}] = {c.email, c.first_order_at_us, c.last_order_at_us,
                                        c.order_count, c.created_at_us};
    return out;
  }
  // Orders in id order: every field but ids and tenant.
  using OrderFields = std::tuple<std::string, std::string, std::string, std::string, UnixMicros,
                                 std::string, std::int64_t, OrderStatus, std::string, UnixMicros,
                                 UnixMicros>;
  std::vector<OrderFields> Orders(TenantId t) {
    std::vector<OrderFields> out;
    for (const Order& o : AllOrders(t))
      out.emplace_back(o.data.source, o.data.external_id, o.data.customer_external_id,
                       o.data.email, o.data.placed_at_us, o.data.currency, o.data.total_minor,
                       o.data.status, o.data.refund_of, o.created_at_us, o.updated_at_us);
    return out;
  }
  // The affected customers' keys.
  std::set<std::pair<std::string, std::string>> Keys(TenantId t, const UpsertResult& r) {
    std::map<std::int64_t, std::pair<std::string, std::string>> by_id;
    for (const Customer& c : AllCustomers(t)) by_id[c.id.value] = {c.source, c.external_id};
    std::set<std::pair<std::string, std::string>> out;
    for (CustomerId id : r.affected_customers) out.insert(by_id.at(id.value));
    return out;
  }

  // The same re-import both ways, compared.
  void ExpectSameAsStagedMerge(const std::vector<OrderInput>& rows, std::size_t batch) {
    auto fast = Import(a_, rows, batch);
    auto full = store_->UpsertOrders(b_, rows, kT0 + 1);
    ASSERT_EQ(fast.ok(), full.ok()) << fast.status().ToString() << " / " << full.status().ToString();
    if (!fast.ok()) {
      EXPECT_EQ(fast.status().ToString(), full.status().ToString());
      return;
    }
    EXPECT_EQ(fast->created, full->created);
    EXPECT_EQ(fast->updated, full->updated);
    EXPECT_EQ(fast->unchanged, full->unchanged);
    EXPECT_EQ(Keys(a_, *fast), Keys(b_, *full));
    EXPECT_EQ(Customers(a_), Customers(b_));
    EXPECT_EQ(Orders(a_), Orders(b_));
  }

  TenantId a_, b_;
  std::vector<OrderInput> base_;
};

// Rows staged from the first batch on (the import is large from the start), and rows staged
// before the switch replayed (batches of 2,000: the third makes it large enough).
TEST_F(PgReImportTest, ChangedRowsMergeAsInTheStagedMerge) {
  std::set<std::int64_t> changed;
  const std::vector<OrderInput> rows = ReRows(base_, &changed);
  auto fast = Import(a_, rows, 7000);
  auto full = store_->UpsertOrders(b_, rows, kT0 + 1);
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(fast->created, full->created);
  EXPECT_EQ(fast->updated, full->updated);
  EXPECT_EQ(fast->unchanged, full->unchanged);
  EXPECT_GT(fast->unchanged, 4500);
  EXPECT_GT(fast->updated, 500);
  EXPECT_EQ(fast->created, 300);
  EXPECT_EQ(Keys(a_, *fast), Keys(b_, *full));
  EXPECT_EQ(Customers(a_), Customers(b_));
  EXPECT_EQ(Orders(a_), Orders(b_));
  // Emails: the tricky customers exist (a staged email early, the stored one last).
  std::map<std::pair<std::string, std::string>, CustomerFields> ca = Customers(a_);
  int late = 0;
  for (const auto& [key, fields] : ca) late += std::get<0>(fields).rfind("late", 0) == 0;
  EXPECT_GE(late, 5);
}

TEST_F(PgReImportTest, RowsStagedBeforeTheSwitchCountToo) {
  std::set<std::int64_t> changed;
  ExpectSameAsStagedMerge(ReRows(base_, &changed), 2000);
  // And once more, everything unchanged now (both tenants hold the same).
  std::set<std::int64_t> again;
  const std::vector<OrderInput> rows = ReRows(base_, &again);
  auto fast = Import(a_, rows, 1500);
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  EXPECT_EQ(fast->unchanged, static_cast<std::int64_t>(rows.size()));
  EXPECT_TRUE(fast->affected_customers.empty());
  auto full = store_->UpsertOrders(b_, rows, kT0 + 1);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(Customers(a_), Customers(b_));
  EXPECT_EQ(Orders(a_), Orders(b_));
}

// ReImport itself: exactly the changed rows are staged, in COPY rows numbered by import index.
TEST_F(PgReImportTest, StagesExactlyTheRowsThatAreNotUnchanged) {
  std::set<std::int64_t> changed;
  const std::vector<OrderInput> rows = ReRows(base_, &changed);
  auto conn = postgres::PgConn::Connect(db_->url(), 5);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  postgres::ReImport re(a_);
  std::string out;
  auto loaded = re.Load(**conn, 0, out);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(*loaded);
  EXPECT_EQ(re.stored_orders(), kBase);
  re.Add(rows, 0, out);
  std::set<std::int64_t> staged;
  for (std::size_t start = 0; start < out.size();) {
    const std::size_t nl = out.find('\n', start);
    staged.insert(std::stoll(out.substr(start, out.find('\t', start) - start)));
    start = nl + 1;
  }
  EXPECT_EQ(staged, changed);
  EXPECT_EQ(re.left_out(), static_cast<std::int64_t>(rows.size() - changed.size()));
  EXPECT_FALSE(re.FirstDuplicate());
  EXPECT_FALSE(re.FirstBadRefund());
  // The same file as stored: nothing staged but the last-email rows that change an email.
  postgres::ReImport same(a_);
  ASSERT_TRUE(same.Load(**conn, 0, out).value());
  out.clear();
  same.Add(base_, 0, out);
  EXPECT_EQ(out, "");
  same.EndStaging(out);
  EXPECT_EQ(out, "");
  EXPECT_EQ(same.left_out(), kBase);
}

// Failures among the rows left out give the staged merge's error and leave nothing.
TEST_F(PgReImportTest, ErrorsAreThoseOfTheStagedMerge) {
  std::set<std::int64_t> changed;
  const std::vector<OrderInput> good = ReRows(base_, &changed);
  const Result<long long> before = db_->QueryInt(
      "SELECT count(*) + sum(total_minor) + sum(placed_at % 1000003) FROM orders WHERE tenant_id = " +
      std::to_string(a_.value));
  ASSERT_TRUE(before.ok());
  using Rows = std::vector<OrderInput>;
  struct Case {
    std::string message;  // empty: compare with UpsertOrders only
    std::function<void(Rows&)> change;
  };
  const std::size_t n = good.size();
  const Case cases[] = {
      // an unchanged stored row repeated in a later batch
      {"orders[100] and orders[" + std::to_string(n) + "] have the same source and id",
       [](Rows& r) { r.push_back(r[100]); }},
      // two groups: a new key's (staged) ends before a stored key's
      {"orders[3000] and orders[" + std::to_string(n) + "] have the same source and id ('pos', 'brand-new')",
       [&](Rows& r) {
         r[3000].external_id = "brand-new";
         r.push_back(r[3000]);
         r.push_back(r[20]);
       }},
      // ... and after it
      {"orders[20] and orders[" + std::to_string(n) + "]",
       [&](Rows& r) {
         r[3000].external_id = "brand-new";
         r.push_back(r[20]);
         r.push_back(r[3000]);
       }},
      // a staged (changed) repeat of a stored row
      {"",
       [&](Rows& r) {
         r.push_back(r[31]);
         r.back().total_minor += 7;
       }},
      // a new refund of a missing order
      {"", [&](Rows& r) { r[n - 1].refund_of = "nope"; }},
      // an invalid row
      {"", [&](Rows& r) { r[4321].currency = "eur"; }},
  };
  // A stored key three times: the staged importer's merge names the first and the last index
  // (UpsertOrders, which validates all rows at once, names the first two).
  {
    Rows bad = good;
    bad[3000] = bad[30];  // three batches
    bad.push_back(bad[30]);
    auto fast = Import(a_, bad, 2500);
    ASSERT_FALSE(fast.ok());
    EXPECT_THAT(fast.status().message(),
                HasSubstr("orders[30] and orders[" + std::to_string(n) + "] have the same"));
  }
  for (const Case& c : cases) {
    Rows bad = good;
    c.change(bad);
    auto fast = Import(a_, bad, 2500);
    auto full = store_->UpsertOrders(b_, bad, kT0 + 1);
    ASSERT_FALSE(fast.ok()) << c.message;
    ASSERT_FALSE(full.ok()) << c.message;
    EXPECT_EQ(fast.status().ToString(), full.status().ToString()) << c.message;
    if (!c.message.empty()) {
      EXPECT_THAT(fast.status().message(), HasSubstr(c.message));
    }
    EXPECT_EQ(db_->QueryInt("SELECT count(*) + sum(total_minor) + sum(placed_at % 1000003) FROM "
                            "orders WHERE tenant_id = " + std::to_string(a_.value))
                  .value(),
              *before);
  }
}

// An unchanged refund whose stored target became a refund since: the merge rejects it unless an
// earlier row of the import makes the target an order again; the left-out refund is checked the
// same way, and the earlier of a left-out and a staged bad refund is reported.
TEST_F(PgReImportTest, LeftOutRefundsAreCheckedAsTheMergeChecksThem) {
  // base_[40] is a refund of some order T; make T a refund of another order in both tenants.
  const std::string target = base_[40].refund_of;
  auto t = std::find_if(base_.begin(), base_.end(), [&](const OrderInput& o) {
    return o.source == base_[40].source && o.external_id == target;
  });
  ASSERT_NE(t, base_.end());
  auto other = std::find_if(base_.begin(), base_.end(), [&](const OrderInput& o) {
    return o.source == t->source && o.refund_of.empty() && o.external_id != target;
  });
  OrderInput flipped = *t;
  flipped.refund_of = other->external_id;
  flipped.customer_external_id = other->customer_external_id;
  for (TenantId tenant : {a_, b_}) ASSERT_TRUE(store_->UpsertOrders(tenant, {&flipped, 1}, kT0).ok());
  const std::size_t ti = static_cast<std::size_t>(t - base_.begin());
  std::vector<OrderInput> rows = base_;
  rows[ti] = flipped;  // the file says what is stored: T a refund

  // Base rows as stored: row 40 (an unchanged refund) names a refund.
  ExpectSameAsStagedMerge(rows, 2500);
  // With a staged bad refund after it, and before it.
  std::vector<OrderInput> later = rows, earlier = rows;
  later[5999].refund_of = "nope";
  if (later[5999].external_id == target) later[5998].refund_of = "nope";
  ExpectSameAsStagedMerge(later, 2500);
  earlier[10].refund_of = "nope";
  ExpectSameAsStagedMerge(earlier, 2500);
  // T an order again, in an earlier row: fine.
  std::vector<OrderInput> fixed = rows;
  if (ti > 40) {
    OrderInput again = base_[ti];
    fixed.insert(fixed.begin(), again);
    fixed.erase(fixed.begin() + static_cast<std::ptrdiff_t>(ti) + 1);
  } else {
    fixed[ti].refund_of.clear();
  }
  ExpectSameAsStagedMerge(fixed, 2500);
}

}  // namespace
}  // namespace clv::storage
