// Test support for the analytics read side (service and HTTP tests): synthetic shop orders from
// a BG/NBD-like process (seeded, so every run sees the same shop), and a REAL calculation
// (service::RunCalculation on the tenant's orders as the store streams them) written as the
// tenant's current fit with Store::BeginFitWrite — the same records the calculation job writes.
// Header-only so that both service_tests and http_tests can use it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "core/time.h"
#include "engine/analytics/churn.h"
#include "engine/analytics/segments.h"
#include "service/calculation.h"
#include "service/calculation_input.h"
#include "service/fit_report.h"
#include "storage/store.h"

namespace clv::service::clvtest {

struct SyntheticShop {
  std::vector<OrderInput> orders;  // orders first, then refunds (they reference earlier orders)
  std::int64_t paid_total_minor = 0;      // Σ orders that are not cancelled
  std::int64_t refunded_total_minor = 0;  // Σ refunds
};

// `customers` customers acquired uniformly over the first 60% of the `days` days before `end`;
// each buys at a gamma-distributed rate and drops out after a purchase with a beta-distributed
// probability (the BG/NBD story), order values log-normal around 40.00. About 3% of orders are
// refunded in full, 2% partly, 1% cancelled. External ids are prefix + "C-<i>" / "O-<n>".
inline SyntheticShop MakeShop(int customers, std::uint64_t seed, UnixMicros end, int days,
                              const std::string& prefix, const std::string& currency = "USD") {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(0.9, 1.0 / 30.0);  // purchases per day, mean 0.03
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::lognormal_distribution<double> value(std::log(4000.0), 0.5);
  SyntheticShop shop;
  std::vector<OrderInput> refunds;
  int n = 0;
  const std::int64_t end_day = UtcDayOf(end);
  for (int c = 0; c < customers; ++c) {
    const double lambda = rate(rng) + 1e-4;
    // p ~ Beta(1, 3) by inversion: 1 − U^(1/3).
    const double p = 1.0 - std::cbrt(unit(rng));
    double day = static_cast<double>(end_day - days) + unit(rng) * days * 0.6;
    for (;;) {
      OrderInput o;
      o.source = "api";
      o.external_id = prefix + "O-" + std::to_string(++n);
      o.customer_external_id = prefix + "C-" + std::to_string(c);
      o.email = c % 3 == 0 ? "c" + std::to_string(c) + "@" + prefix + "example.com" : "";
      o.placed_at_us = static_cast<UnixMicros>(day * static_cast<double>(kMicrosPerDay));
      o.currency = currency;
      o.total_minor = std::max<std::int64_t>(100, std::llround(value(rng)));
      const double u = unit(rng);
      if (u < 0.01) {
        o.status = OrderStatus::kCancelled;
      } else {
        shop.paid_total_minor += o.total_minor;
        if (u < 0.06) {
          OrderInput r = o;
          r.external_id = o.external_id + "-R";
          r.refund_of = o.external_id;
          r.placed_at_us = o.placed_at_us + 2 * kMicrosPerDay;
          r.total_minor = u < 0.04 ? o.total_minor : o.total_minor / 3;
          if (r.placed_at_us < end) {
            shop.refunded_total_minor += r.total_minor;
            refunds.push_back(r);
          }
        }
      }
      shop.orders.push_back(o);
      if (unit(rng) < p) break;  // dropped out after this purchase
      day += -std::log(1.0 - unit(rng)) / lambda;
      if (day >= static_cast<double>(end_day)) break;
    }
  }
  shop.orders.insert(shop.orders.end(), refunds.begin(), refunds.end());
  return shop;
}

inline void StoreShop(storage::Store& store, TenantId tenant, const SyntheticShop& shop,
                      UnixMicros now) {
  Result<storage::UpsertResult> r = store.UpsertOrders(tenant, shop.orders, now);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

// The calculation input as the store streams it.
inline Result<CalculationInput> ReadInput(storage::Store& store, TenantId tenant, UnixMicros as_of) {
  CalculationInputBuilder builder(as_of);
  CLV_RETURN_IF_ERROR(store.StreamOrdersForAnalysis(
      tenant, [&builder](const storage::AnalysisRow& row) { return builder.Add(row); }));
  return builder.Finish();
}

struct StoredCalculation {
  CalculationResult result;
  storage::ModelFitRecord fit;
};

// Runs the calculation at `as_of` and stores it (fit + every score) as the current fit.
inline Result<StoredCalculation> CalculateAndStore(storage::Store& store, TenantId tenant,
                                                   UnixMicros as_of, UnixMicros now,
                                                   const CalculationOptions& options = {}) {
  CLV_ASSIGN_OR_RETURN(CalculationInput input, ReadInput(store, tenant, as_of));
  StoredCalculation out;
  CLV_ASSIGN_OR_RETURN(out.result, RunCalculation(input, options));
  const CalculationResult& r = out.result;
  storage::ModelFitRecord fit;
  fit.tenant = tenant;
  fit.created_at_us = now;
  fit.as_of_us = as_of;
  fit.as_of_explicit = true;
  fit.currency = r.currency;
  fit.model = r.chosen_model;
  fit.model_params = r.models[r.chosen_index].full.mle.params;
  if (r.spend_model == "gamma_gamma") {
    fit.gamma_gamma_params = {r.gamma_gamma->params.p, r.gamma_gamma->params.q,
                              r.gamma_gamma->params.gamma};
  }
  fit.spend_model = r.spend_model;
  fit.period = std::string(engine::PeriodName(options.period));
  fit.resolution = options.resolution == Resolution::kDay ? "day" : "period";
  fit.horizon_periods = options.horizon_periods;
  fit.clv_months = options.clv_months;
  fit.discount_rate_monthly = options.discount_rate_monthly;
  fit.margin = options.margin;
  fit.customers = r.customers;
  fit.report_json = "{}";
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::FitWriter> writer, store.BeginFitWrite(tenant, fit));
  std::vector<storage::CustomerScore> batch;
  for (std::size_t c = 0; c < r.customer_ids.size(); ++c) {
    // The conversion the calculation job uses, so the fixture cannot drift from it (fit_id is
    // set by the writer).
    storage::CustomerScore x = service::ScoreRowOf(r, c, /*fit_id=*/0, now);
    batch.push_back(std::move(x));
    if (batch.size() == 250) {
      CLV_RETURN_IF_ERROR(writer->Add(batch));
      batch.clear();
    }
  }
  CLV_RETURN_IF_ERROR(writer->Add(batch));
  CLV_ASSIGN_OR_RETURN(out.fit, writer->Commit());
  return out;
}

}  // namespace clv::service::clvtest
