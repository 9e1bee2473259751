// Incremental scores: when orders arrive, the customers they touch are rescored at once with
// the tenant's CURRENT fit (no refit), so reads never show a stale customer between refits.
//
// Rules:
//  - Same input rules as the calculation (service/calculation_input.h: refunds netted,
//    cancelled orders out, one currency) over the customer's whole history, read with
//    Store::AnalysisRowsForCustomers.
//  - Observation time: the fit's as_of when the fit was asked for an explicit as_of (a
//    historical analysis: orders after it do not count), else now (the fit described "now"
//    and so does the new score).
//  - Model scores (P(alive), expected purchases, spend, CLV and its 80% interval, churn band,
//    next order) exactly as the calculation computes them, from the fit's stored parameters
//    (fit_report.h ScoringSpec); RFM scores and CLV tier against the fit's stored population
//    thresholds, so segments stay consistent with the rest of the tenant until the next refit.
//  - Customers left without a purchase (only refunds, fully refunded) keep their old score.
//  - No fit yet: nothing to do (OK). A fit in another currency than the orders: skipped (OK).
//
// Large imports: the affected customers are rescored in chunks of kRescoreChunk after the
// import committed (one read and one all-or-nothing upsert per chunk), so memory is bounded by
// a chunk's order history; cost is linear in the affected customers. Beyond
// kMaxRescoreCustomers affected customers the rescoring is skipped (a refit is the cheaper way
// to bring them up to date) and the caller is told so.
//
// Thread-safe (no mutable state besides a per-fit spec cache under a mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "service/calculation_input.h"
#include "service/fit_report.h"
#include "storage/store.h"

namespace clv::service {

inline constexpr std::size_t kRescoreChunk = 2'000;
inline constexpr std::size_t kMaxRescoreCustomers = 200'000;

// Scores every customer of `input` (observed as of input.as_of_day) under `spec`. One entry per
// customer of the input, in its order. InvalidArgument for a spec whose parameters are invalid.
Result<std::vector<storage::CustomerScore>> ScoreWithSpec(const ScoringSpec& spec,
                                                          const CalculationInput& input,
                                                          std::int64_t fit_id, UnixMicros now);

struct RescoreSummary {
  std::int64_t rescored = 0;
  bool skipped_no_fit = false;
  bool skipped_too_many = false;
};

class IncrementalScorer {
 public:
  IncrementalScorer(storage::Store& store, const Clock& clock);
  // Rescores `customers` of `tenant` under the current fit (see the file comment).
  Result<RescoreSummary> Rescore(TenantId tenant, std::span<const CustomerId> customers);

 private:
  // The current fit (Store::GetCurrentFitSummary: report_json holds at most the scoring
  // member) and its parsed scoring spec. NotFound: no fit yet.
  Result<std::pair<storage::ModelFitRecord, ScoringSpec>> CurrentFitAndSpec(TenantId tenant);

  storage::Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  // (tenant, fit id) -> parsed spec; fits are immutable, so entries never go stale.
  std::unordered_map<std::int64_t, std::pair<std::int64_t, ScoringSpec>> cache_;
};

}  // namespace clv::service
