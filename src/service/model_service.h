// The model side of the API: starting calculations and reading their jobs (POST
// /clv/calculate, GET /jobs, GET /jobs/:id) and the stored fits (GET /clv/model, GET
// /clv/forecast). Fits are written by the calculation job (service/clv_job.h); their report is
// the JSON document of service/fit_report.h, parsed here so that the HTTP handlers only render.
//
// Errors: InvalidArgument for a bad calculation request (naming the field), FailedPrecondition
// when the tenant has too few customers for any calculation; NotFound "job not found" for an
// unknown (or another tenant's) job; NotFound with kNoFitMessage when the tenant has no fit yet, "model fit N not found"
// for an unknown (or another tenant's) fit id; InvalidArgument for a horizon beyond what the
// fit forecast; Internal when a stored report lacks what it must have (a forecast); the
// store's Unavailable/Internal otherwise. Thread-safe (the store is; nothing is cached here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/domain.h"
#include "core/status.h"
#include "service/jobs.h"
#include "storage/store.h"

namespace clv::service {

// The message of the NotFound answered before the first calculation.
inline constexpr std::string_view kNoFitMessage =
    "no model fit yet: start a calculation with POST /clv/calculate and wait for its job";

// One entry of a tenant's fit history (newest first).
struct FitVersion {
  std::int64_t id = 0;
  UnixMicros created_at_us = 0;
  UnixMicros as_of_us = 0;
  std::string model;
  std::int64_t customers = 0;
  std::optional<JobId> job;
};

// A fit as GET /clv/model shows it.
struct FitDetail {
  storage::ModelFitRecord fit;        // typed fields; report_json is cleared (see `report`)
  boost::json::object params;         // the chosen model's parameters by name ({} if absent)
  boost::json::object standard_errors;
  boost::json::object report;         // the stored report without its internal "scoring" spec
  std::vector<FitVersion> versions;   // newest first, up to kMaxVersions
};

// One month of the revenue forecast (80% bands); days are "YYYY-MM-DD" (empty when the fit's
// forecast start could not be read).
struct ForecastMonth {
  int period = 0;  // 1-based
  std::string start_day, end_day;
  boost::json::value expected_purchases, purchases_lower, purchases_upper;  // numbers or null
  std::int64_t expected_revenue_minor = 0, revenue_lower_minor = 0, revenue_upper_minor = 0;
};

struct Forecast {
  std::int64_t fit_id = 0;
  std::string currency;
  std::string start_day;              // the fit's observation end, "YYYY-MM-DD"
  boost::json::value has_revenue;     // as stored (bool)
  std::vector<ForecastMonth> months;  // `horizon` of them
  boost::json::value holdout;         // the backtest of the same forecast, or null
};

class ModelService {
 public:
  static constexpr int kMaxVersions = 100;

  ModelService(storage::Store& store, JobRunner& jobs) : store_(store), jobs_(jobs) {}

  // Validates `body` (the request of service/clv_job.h; empty = defaults), checks the tenant
  // has enough customers, and queues the calculation; an active one of the tenant is returned
  // instead (created = false).
  Result<storage::EnqueuedJob> StartCalculation(TenantId tenant, std::optional<UserId> user,
                                                std::string_view body);
  Result<storage::Job> GetJob(TenantId tenant, JobId id);
  Result<storage::Page<storage::Job>> ListJobs(TenantId tenant,
                                               const storage::ListJobsOptions& options);
  // A job's result document (e.g. {"fit_id": 3}); null when it has none or it is malformed.
  static boost::json::value ResultOf(const storage::Job& job);

  // The fit `fit_id` (nullopt: the current one) with the tenant's fit history.
  Result<FitDetail> GetFit(TenantId tenant, std::optional<std::int64_t> fit_id);

  // The current fit's forecast for months 1..horizon. horizon must be >= 1 (InvalidArgument);
  // beyond the fit's forecast_months: InvalidArgument naming how many it has.
  Result<Forecast> GetForecast(TenantId tenant, int horizon);

 private:
  storage::Store& store_;
  JobRunner& jobs_;
};

}  // namespace clv::service
