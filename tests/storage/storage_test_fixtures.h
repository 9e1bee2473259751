// Fixtures shared by the storage test files: the tests' clock constants, an order row, a sample
// model fit record, and a fresh migrated PostgreSQL database with its Store per test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "storage/store.h"
#include "storage/test_database.h"

namespace clv::storage::testing {

// The instant the storage tests build their data around (2023-11-14T22:13:20Z), and steps.
inline constexpr UnixMicros kT0 = 1'700'000'000'000'000;
inline constexpr UnixMicros kHour = kMicrosPerHour;
inline constexpr UnixMicros kDay = kMicrosPerDay;

// One order row as an import or API client sends it, in EUR; the email as given (the store
// lower-cases it).
inline OrderInput MakeOrder(std::string id, std::string customer, UnixMicros placed,
                            std::int64_t total, OrderStatus status = OrderStatus::kPaid,
                            std::string refund_of = "", std::string source = "api",
                            std::string email = "") {
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

// What MixedRows generates (the PostgreSQL import tests' data).
struct MixedRowsSpec {
  int rows = 0;
  int customers = 0;  // customer ids c0..c{customers-1} in each source
  int hours = 0;      // placed_at spreads over this many hours from kT0
  // A refund's target is tried first 1–300 rows back; when that one is of the other source (or
  // a refund), true walks further back to the nearest fitting order, false leaves the row an
  // order.
  bool walk_back = false;
  int refund_only_at = -1;  // this row's refund names customer "refund-only" (-1: none)
};

// `spec.rows` import rows over two sources ("pos" every third row, else "shop"), customer
// i % customers: every 7th row carries an email (mixed case, changing over time), every 11th is
// cancelled, every 13th pending, every 40th a refund of an earlier order of its source (see
// walk_back) and that order's customer, and ids carry the characters COPY's text format escapes
// (a tab, backslash and newline in every 97th order id, a CR in customer 7's id).
inline std::vector<OrderInput> MixedRows(const MixedRowsSpec& spec) {
  std::vector<OrderInput> out;
  out.reserve(static_cast<std::size_t>(spec.rows));
  for (int i = 0; i < spec.rows; ++i) {
    const int c = i % spec.customers;
    const std::string source = i % 3 == 0 ? "pos" : "shop";
    const std::string id = "o" + std::to_string(i) + (i % 97 == 5 ? "\t\\x\n" : "");
    const std::string customer = "c" + std::to_string(c) + (c == 7 ? "\r" : "");
    OrderStatus status = OrderStatus::kPaid;
    if (i % 11 == 0) status = OrderStatus::kCancelled;
    if (i % 13 == 0) status = OrderStatus::kPending;
    std::string email;
    if (i % 7 == 0) email = (i % 2 ? "Mail" : "mail") + std::to_string(c + i / 1000) + "@X.io";
    out.push_back(MakeOrder(id, customer, kT0 + (i * 7919 % spec.hours) * kHour, 100 + i % 997,
                            status, "", source, email));
  }
  for (int i = 40; i < spec.rows; i += 40) {
    OrderInput& r = out[static_cast<std::size_t>(i)];
    for (int back = 1 + (i * 31) % std::min(i, 300); back <= i; ++back) {
      const OrderInput& t = out[static_cast<std::size_t>(i - back)];
      if (t.source == r.source && t.refund_of.empty()) {
        r.refund_of = t.external_id;
        r.customer_external_id = i == spec.refund_only_at ? "refund-only" : t.customer_external_id;
        break;
      }
      if (!spec.walk_back) break;
    }
  }
  return out;
}

// One import of `rows` into `tenant` through Store::BeginImport (the `clv import` path), added
// `batch` rows at a time and committed with `now` as its time.
inline Result<UpsertResult> ImportInBatches(Store& store, TenantId tenant,
                                            std::span<const OrderInput> rows, std::size_t batch,
                                            UnixMicros now) {
  CLV_ASSIGN_OR_RETURN(auto importer, store.BeginImport(tenant, now));
  for (std::size_t i = 0; i < rows.size(); i += batch)
    CLV_RETURN_IF_ERROR(importer->Add(rows.subspan(i, std::min(batch, rows.size() - i))));
  return importer->Commit();
}

// Every item of a List* call (`list(options)` returns Result<Page<T>>), page by page at the
// largest page size; a failing page is a test failure and ends the list.
template <typename T, typename Options, typename List>
std::vector<T> ListAll(List list) {
  std::vector<T> out;
  Options options;
  options.limit = kMaxPageLimit;
  do {
    Result<Page<T>> page = list(options);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    out.insert(out.end(), page->items.begin(), page->items.end());
    options.cursor = page->next_cursor;
  } while (!options.cursor.empty());
  return out;
}
inline std::vector<Customer> AllCustomers(Store& store, TenantId tenant) {
  return ListAll<Customer, ListCustomersOptions>(
      [&](const ListCustomersOptions& o) { return store.ListCustomers(tenant, o); });
}
inline std::vector<Order> AllOrders(Store& store, TenantId tenant) {
  return ListAll<Order, ListOrdersOptions>(
      [&](const ListOrdersOptions& o) { return store.ListOrders(tenant, o); });
}

// A complete fit record of `tenant` created at `at` (as of the day before), 0 customers, report
// {"ll":-123.5}; tests set what they need on top.
inline ModelFitRecord SampleFit(TenantId tenant, UnixMicros at) {
  ModelFitRecord f;
  f.tenant = tenant;
  f.created_at_us = at;
  f.as_of_us = at - kDay;
  f.as_of_explicit = true;
  f.currency = "EUR";
  f.model = "bgnbd";
  f.model_params = {0.243, 4.414, 0.793, 2.426};
  f.gamma_gamma_params = {6.25, 3.74, 15.44};
  f.spend_model = "gamma_gamma";
  f.period = "week";
  f.resolution = "day";
  f.horizon_periods = 52.0;
  f.clv_months = 12;
  f.discount_rate_monthly = 0.01;
  f.margin = 0.3;
  f.customers = 0;
  f.report_json = R"({"ll":-123.5})";
  return f;
}

// A fresh database of `backend` in `db` and a migrated Store on it in `store`. Skips the test
// (GTEST_SKIP) when the backend is not available; callers return if IsSkipped() or
// HasFatalFailure().
inline void OpenFreshStore(Backend backend, std::unique_ptr<TestDatabase>& db,
                           std::unique_ptr<Store>& store) {
  std::string skip;
  auto created = TestDatabase::Create(backend, &skip);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  if (!*created) GTEST_SKIP() << skip;
  db = std::move(created).value();
  auto opened = OpenStore(db->url(), {});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store = std::move(opened).value();
  ASSERT_TRUE(store->Migrate().ok());
}

// Per test: a fresh PostgreSQL database (CLV_TEST_POSTGRES_URL; the test is skipped without it)
// and a Store on it, migrated. Subclasses call PgStoreTest::SetUp() first and return if
// IsSkipped() or HasFatalFailure().
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenFreshStore(Backend::kPostgres, db_, store_); }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

}  // namespace clv::storage::testing
