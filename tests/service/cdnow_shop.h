// Test support for the service tests that run jobs on a real store: the CDNOW sample
// (tests/data/cdnow_sample.txt, see tests/data/README.md) as analysis rows and as orders, and a
// fresh SQLite in-memory store with one tenant ("Shop"). Header-only, like clv_queries_fixture.h.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/store.h"

namespace clv::service::cdnowtest {

inline constexpr std::size_t kCdnowOrders = 6919;  // lines of cdnow_sample.txt

// The sample as analysis rows (customer = cohort id, USD cents), ordered as the store streams
// them: by customer, then date (the file's own order).
inline std::vector<storage::AnalysisRow> CdnowRows() {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/cdnow_sample.txt");
  EXPECT_TRUE(in.good());
  std::vector<storage::AnalysisRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string id, cohort, date;
    double cds = 0, usd = 0;
    if (!(ss >> id >> cohort >> date >> cds >> usd)) continue;
    storage::AnalysisRow r;
    r.customer.value = std::stoi(cohort);
    r.placed_at_us = MidnightUtc(std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)),
                                 std::stoi(date.substr(6, 2)));
    r.amount_minor = std::llround(usd * 100);
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
