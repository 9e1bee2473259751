// The "clv.calculate" job: a tenant's orders → RunCalculation → a stored, versioned model fit
// with every customer's scores (POST /clv/calculate's work, run by service/jobs.h).
//
// The request (the job's params_json, validated when the job is queued AND again when it runs):
//   {"models": ["bgnbd", "mbgnbd", "pnbd"],   any non-empty subset (default: all three)
//    "period": "week",                        day | week | month: the models' time unit
//    "resolution": "day",                     day | period (see service/calculation.h)
//    "as_of": "1998-06-30",                   RFC 3339 with offset, or a date = the END of that
//                                             UTC day (its orders count); default: now, when the
//                                             job runs
//    "horizon": 52,                           periods for "expected purchases over the horizon";
//                                             0 = one year
//    "discount_rate": 0.01,                   monthly, (-1, 1]
//    "margin": 1.0,                           gross margin, (0, 1]
//    "clv_months": 12,                        1..1200
//    "holdout_fraction": 0.2,                 (0, 0.5]
//    "forecast_months": 24}                   1..120 (GET /clv/forecast's longest horizon)
// Every field is optional; unknown fields, wrong types and values out of range are
// InvalidArgument naming the field. An empty body means all defaults.
//
// Too little data: the calculation's FailedPrecondition (fewer than kMinCustomers customers, no
// repeat purchases, a span too short for the holdout, no model converging) fails the job with
// that message. CheckEnoughCustomers is the cheap version asked before queueing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "service/calculation.h"
#include "storage/store.h"

namespace clv::service {

inline constexpr std::string_view kClvCalculateJob = "clv.calculate";
// The minimum number of customers with purchases a calculation needs.
inline constexpr std::int32_t kMinCustomers = 100;
// Scores handed to the FitWriter at a time.
inline constexpr std::size_t kScoreWriteBatch = 10'000;

struct CalculationRequest {
  CalculationOptions options;          // forecast_months defaults to 24 here
  std::optional<UnixMicros> as_of_us;  // nullopt: "now" when the job runs
};

// Parses and validates a request body (see the file comment). InvalidArgument naming the field.
Result<CalculationRequest> ParseCalculationRequest(std::string_view body);
// The canonical JSON of a request (every field spelled out; as_of only when given).
std::string CalculationRequestJson(const CalculationRequest& request);

// FailedPrecondition "N customers ...; a CLV calculation needs at least 100 customers" when the
// tenant has fewer customers than the minimum (a cheap count, not the calculation's exact rule).
Status CheckEnoughCustomers(storage::Store& store, TenantId tenant);

// What the job reports while it runs.
using JobProgress = std::function<void(double fraction, std::string_view stage)>;

// Runs one calculation for `tenant` with `params_json` and writes the fit and its scores.
// `cancelled` is checked before the fit is written and between score batches: when set (the
// job's lease was lost) nothing is committed and Aborted-like FailedPrecondition is returned.
// Returns the job's result JSON {"fit_id": N}. Errors: the request's InvalidArgument, the
// calculation's FailedPrecondition (too little data) and the store's errors.
Result<std::string> RunCalculationJob(storage::Store& store, const Clock& clock, TenantId tenant,
                                      std::optional<JobId> job, std::string_view params_json,
                                      const JobProgress& progress,
                                      const std::atomic<bool>* cancelled = nullptr);

}  // namespace clv::service
