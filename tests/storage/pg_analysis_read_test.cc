// PostgreSQL's analysis read split over two connections (postgres::ReadAnalysisRows): the two
// page ranges together yield exactly the rows of the one-COPY read, from one snapshot.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "storage/analysis_rows.h"
#include "storage/postgres/pg.h"
#include "storage/postgres/pg_analysis_read.h"
#include "storage/store.h"
#include "storage/storage_test_fixtures.h"

namespace clv::storage {
namespace {

using testing::kHour;
using testing::kT0;
constexpr int kOrders = 4000;

using RowKey = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>;

std::vector<RowKey> Emitted(internal::AnalysisRowSorter& rows) {
  std::vector<RowKey> out;
  Status s = rows.Emit([&](const AnalysisRow& r) {
    out.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor, r.currency);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

class PgAnalysisReadTest : public testing::PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = store_->CreateTenantWithOwner("A", "a@example.com", "h", kT0).value().tenant.id;
    b_ = store_->CreateTenantWithOwner("B", "b@example.com", "h", kT0).value().tenant.id;
    // Interleaved tenants, 97 customers of A, every 10th order cancelled (not read), every
    // 25th a refund of the order before it (read, negative).
    std::vector<OrderInput> a_orders, b_orders;
    for (int i = 0; i < kOrders; ++i) {
      OrderInput o;
      o.source = "api";
      o.external_id = "o" + std::to_string(i);
      o.customer_external_id = "c" + std::to_string((i * 31) % 97);
      o.placed_at_us = kT0 + static_cast<UnixMicros>(i % 500) * kHour;
      o.currency = "EUR";
      o.total_minor = 100 + i;
      o.status = i % 10 == 5 ? OrderStatus::kCancelled : OrderStatus::kPaid;
      if (i % 25 == 24) {
        o.refund_of = "o" + std::to_string(i - 1);
        o.customer_external_id = "c" + std::to_string(((i - 1) * 31) % 97);
        o.total_minor = 40;
        o.status = OrderStatus::kPaid;
      }
      a_orders.push_back(o);
      o.refund_of.clear();
      o.status = OrderStatus::kPaid;
      b_orders.push_back(o);
      if (a_orders.size() == 500) {
        ASSERT_TRUE(store_->UpsertOrders(a_, a_orders, kT0).ok());
        ASSERT_TRUE(store_->UpsertOrders(b_, b_orders, kT0).ok());
        a_orders.clear();
        b_orders.clear();
      }
    }
  }

  TenantId a_, b_;
};

TEST_F(PgAnalysisReadTest, TwoPageRangesOnTwoConnectionsReadExactlyTheOneCopyRows) {
  ASSERT_GE(db_->QueryInt("SELECT pg_relation_size('orders') / 8192").value(), 4)
      << "too few pages to split";
  postgres::PgPool pool(db_->url(), 2, 2000, 5);

  internal::AnalysisRowSorter whole;
  bool split = true;
  ASSERT_TRUE(postgres::ReadAnalysisRows(pool, a_, std::numeric_limits<std::int64_t>::max(),
                                         whole, &split)
                  .ok());
  EXPECT_FALSE(split);
  internal::AnalysisRowSorter halves;
  ASSERT_TRUE(postgres::ReadAnalysisRows(pool, a_, 0, halves, &split).ok());
  EXPECT_TRUE(split);

  const std::vector<RowKey> want = Emitted(whole);
  const std::vector<RowKey> got = Emitted(halves);
  // Every order of A but the cancelled ones; refunds negative.
  EXPECT_EQ(want.size(), static_cast<std::size_t>(kOrders - kOrders / 10));
  EXPECT_EQ(got, want);
  int refunds = 0;
  for (const RowKey& r : got) refunds += std::get<2>(r) < 0;
  EXPECT_EQ(refunds, kOrders / 25);
}

TEST_F(PgAnalysisReadTest, ReadsWithOneConnectionWhenThePoolHasNoSpare) {
  postgres::PgPool pool(db_->url(), 1, 2000, 5);
  internal::AnalysisRowSorter rows;
  bool split = true;
  ASSERT_TRUE(postgres::ReadAnalysisRows(pool, b_, 0, rows, &split).ok());
  EXPECT_FALSE(split);
  EXPECT_EQ(Emitted(rows).size(), static_cast<std::size_t>(kOrders));
}

TEST_F(PgAnalysisReadTest, StoreReadMatchesTheSplitRead) {
  // Through the Store (one COPY at this size): the same rows in the same order.
  std::vector<RowKey> via_store;
  ASSERT_TRUE(store_
                  ->StreamOrdersForAnalysis(a_,
                                            [&](const AnalysisRow& r) {
                                              via_store.emplace_back(r.customer.value,
                                                                     r.placed_at_us,
                                                                     r.amount_minor, r.currency);
                                              return Status::Ok();
                                            })
                  .ok());
  postgres::PgPool pool(db_->url(), 2, 2000, 5);
  internal::AnalysisRowSorter halves;
  ASSERT_TRUE(postgres::ReadAnalysisRows(pool, a_, 0, halves, nullptr).ok());
  EXPECT_EQ(Emitted(halves), via_store);
}

}  // namespace
}  // namespace clv::storage
