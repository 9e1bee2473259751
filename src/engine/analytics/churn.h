// Churn risk (GET /clv/churn): who is slipping away, ranked by what it costs.
//
// Per customer (one row of RfmData, in the model's time unit):
//   p_alive        = P(still a customer at T | x, t_x, T) from the purchase model;
//   value_at_risk  = predicted CLV × (1 − p_alive), in the CLV's unit (minor units);
//   band           = kLow  when p_alive >= low_risk_from   (default 0.7),
//                    kHigh when p_alive <  high_risk_below (default 0.3),
//                    kMedium otherwise.
// The ranking is by value at risk, highest first; ties by lower P(alive), then by the lower
// row index — stable and independent of thread count.
//
// One-time buyers (x = 0). BG/NBD lets a customer drop out only right after a *repeat*
// purchase, so for x = 0 its P(alive) is exactly 1 whatever the age: a customer who bought once
// three years ago is reported "certainly alive" — the well-known complaint about lifetimes'
// BetaGeoFitter. Correction applied only when the model is BG/NBD ("bgnbd"):
//   1. if options.one_time_buyer_model is set (the service passes the MBG/NBD it fitted on the
//      same data for model selection), its P(alive) is used for x = 0 rows;
//   2. otherwise P(alive) for x = 0 comes from MBG/NBD (Batislam et al. 2007) evaluated at the
//      BG/NBD parameters: the same purchase and drop-out process with one more drop-out
//      opportunity at the first purchase, P(alive | x = 0, T) = 1 / (1 + a/b · ((α+T)/α)^r),
//      which falls with age as a one-time buyer's should.
// MBG/NBD and Pareto/NBD already give P(alive) < 1 for x = 0 and are used as they are. Rows
// whose P(alive) was replaced have p_alive_corrected = true. The predicted CLV is the caller's
// and is not changed.
//
// Pure; P(alive) is evaluated in parallel (each row independently, so results do not depend
// on the thread count). Models must be thread-safe (PurchaseModel's contract).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/models/purchase_model.h"

namespace clv::engine {

enum class ChurnRisk { kLow, kMedium, kHigh };
std::string_view ChurnRiskName(ChurnRisk risk);  // "low", "medium", "high"

struct ChurnOptions {
  double high_risk_below = 0.3;  // p_alive below this → high risk
  double low_risk_from = 0.7;    // p_alive at or above this → low risk
  // P(alive) of one-time buyers when the main model is BG/NBD; see the file comment. Not owned;
  // must outlive the call. Ignored for other models.
  const PurchaseModel* one_time_buyer_model = nullptr;
};

struct ChurnRow {
  std::int32_t row = 0;  // index into the input
  double p_alive = 1;
  double value_at_risk = 0;
  ChurnRisk risk = ChurnRisk::kLow;
  bool one_time_buyer = false;     // x = 0
  bool p_alive_corrected = false;  // P(alive) from the one-time-buyer correction
};

struct ChurnReport {
  std::vector<ChurnRow> ranked;  // every row, highest value at risk first
  // Per ChurnRisk (index = static_cast<int>(risk)); a weighted row counts `weight` customers.
  std::array<double, 3> customers = {0, 0, 0};
  std::array<double, 3> value_at_risk = {0, 0, 0};
  double total_customers = 0;
  double total_value_at_risk = 0;
  double expected_alive = 0;  // Σ weight · p_alive
  double one_time_buyers = 0;
  // Which P(alive) the one-time buyers got: "model" (no correction needed), "fallback_model"
  // (options.one_time_buyer_model) or "mbgnbd_at_bgnbd_params".
  std::string one_time_buyer_p_alive_source = "model";
};

// InvalidArgument for invalid data (ValidateRfm), predicted_clv of another length or with a
// negative or non-finite value, or thresholds outside
// 0 <= high_risk_below <= low_risk_from <= 1. Weighted rows (engine/data/rfm.h Compress) count
// `weight` customers each in the per-band totals; value_at_risk per row is per customer.
Result<ChurnReport> AssessChurn(const PurchaseModel& model, const RfmData& data,
                                std::span<const double> predicted_clv,
                                const ChurnOptions& options = {});

// The P(alive) of every row in input order, exactly AssessChurn's `p_alive` for that row (the
// same clamp and one-time-buyer correction; the thresholds play no part), without the ranking,
// bands and totals — for per-customer curves (GET /clv/customers/:id's P(alive) history), where
// the sort and sums were most of the cost. Sequential. InvalidArgument for invalid data
// (ValidateRfm); Internal when the model gives a non-finite P(alive).
Result<std::vector<double>> ChurnPAlive(const PurchaseModel& model, const RfmData& data,
                                        const ChurnOptions& options = {});

}  // namespace clv::engine
