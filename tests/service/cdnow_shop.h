// Test support for the service tests that run jobs on a real store: the CDNOW sample
// (tests/data/cdnow_sample.txt, read by common/cdnow_sample.h) as analysis rows and as orders,
// a calculation input built from analysis rows, and a fresh SQLite in-memory store with one
// tenant ("Shop"). Header-only, like clv_queries_fixture.h.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/cdnow_sample.h"
#include "core/domain.h"
#include "core/status.h"
#include "core/time.h"
#include "service/calculation_input.h"
#include "storage/store.h"

namespace clv::service::cdnowtest {

inline constexpr std::size_t kCdnowOrders = testcommon::kCdnowPurchases;

// The sample as analysis rows (customer = cohort id, USD cents), ordered as the store streams
// them: by customer, then date (the file's own order).
inline std::vector<storage::AnalysisRow> CdnowRows() {
  std::vector<storage::AnalysisRow> rows;
  for (const testcommon::CdnowPurchase& p : testcommon::ReadCdnowSample()) {
    storage::AnalysisRow r;
    r.customer.value = p.cohort;
    r.placed_at_us = MidnightUtc(p.year, p.month, p.day);
    r.amount_minor = std::llround(p.dollars * 100);
    r.currency = "USD";
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.customer != b.customer ? a.customer < b.customer : a.placed_at_us < b.placed_at_us;
  });
  return rows;
}

// The same rows as orders: source "api", external id "O-<n>" (1-based, in row order), customer
// external id = the cohort id, paid.
inline std::vector<OrderInput> CdnowOrders() {
  std::vector<OrderInput> out;
  for (const storage::AnalysisRow& r : CdnowRows()) {
    OrderInput o;
    o.source = "api";
    o.external_id = "O-" + std::to_string(out.size() + 1);
    o.customer_external_id = std::to_string(r.customer.value);
    o.placed_at_us = r.placed_at_us;
    o.currency = r.currency;
    o.total_minor = r.amount_minor;
    out.push_back(std::move(o));
  }
  return out;
}

// The calculation input of `rows` as of `as_of`; a row the builder refuses, or a failed
// Finish, fails the calling test.
inline service::CalculationInput BuildInput(const std::vector<storage::AnalysisRow>& rows,
                                            UnixMicros as_of) {
  service::CalculationInputBuilder b(as_of);
  for (const storage::AnalysisRow& r : rows) EXPECT_TRUE(b.Add(r).ok());
  Result<service::CalculationInput> in = b.Finish();
  EXPECT_TRUE(in.ok()) << in.status().ToString();
  return std::move(in).value();
}

// A migrated SQLite in-memory store holding one tenant, "Shop" (owner owner@shop.example),
// created at `now`.
struct ShopStore {
  std::unique_ptr<storage::Store> store;
  TenantId tenant;
};
inline Result<ShopStore> OpenShopStore(UnixMicros now) {
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                       storage::OpenStore("sqlite::memory:"));
  CLV_RETURN_IF_ERROR(store->Migrate());
  CLV_ASSIGN_OR_RETURN(storage::TenantWithOwner t,
                       store->CreateTenantWithOwner("Shop", "owner@shop.example", "x", now));
  return ShopStore{std::move(store), t.tenant.id};
}

}  // namespace clv::service::cdnowtest
