#include "service/model_service.h"

#include <cmath>
#include <utility>

#include "core/time.h"
#include "service/clv_job.h"

namespace clv::service {
namespace json = boost::json;
namespace {

// A stored report as an object; {} when it is not one (a malformed report shows as empty
// rather than failing the whole answer: the typed fields are still right).
json::object ParseReport(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return json::object{};
  return std::move(v.as_object());
}

const json::object* ObjectMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::int64_t Minor(const json::value* v) {
  return v != nullptr && v->is_number() ? static_cast<std::int64_t>(std::llround(v->to_number<double>()))
                                        : 0;
}

json::value MemberOrNull(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? *v : json::value(nullptr);
}

Status FitNotFound(const Status& s, std::optional<std::int64_t> fit_id) {
  if (s.code() != StatusCode::kNotFound) return s;
  if (fit_id) return NotFound("model fit " + std::to_string(*fit_id) + " not found");
  return NotFound(std::string(kNoFitMessage));
}

}  // namespace

Result<storage::EnqueuedJob> ModelService::StartCalculation(TenantId tenant,
                                                            std::optional<UserId> user,
                                                            std::string_view body) {
  CLV_ASSIGN_OR_RETURN(CalculationRequest request, ParseCalculationRequest(body));
  CLV_RETURN_IF_ERROR(CheckEnoughCustomers(store_, tenant));
  return jobs_.Enqueue(tenant, kClvCalculateJob, CalculationRequestJson(request), user);
}

Result<storage::Job> ModelService::GetJob(TenantId tenant, JobId id) {
  Result<storage::Job> job = store_.GetJob(tenant, id);
  if (!job.ok() && job.status().code() == StatusCode::kNotFound) return NotFound("job not found");
  return job;
}

Result<storage::Page<storage::Job>> ModelService::ListJobs(TenantId tenant,
                                                           const storage::ListJobsOptions& options) {
  return store_.ListJobs(tenant, options);
}

json::value ModelService::ResultOf(const storage::Job& job) {
  if (job.result_json.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(job.result_json, ec);
  return ec ? json::value(nullptr) : v;
}

Result<FitDetail> ModelService::GetFit(TenantId tenant, std::optional<std::int64_t> fit_id) {
  Result<storage::ModelFitRecord> fit =
      fit_id ? store_.GetFit(tenant, *fit_id) : store_.GetCurrentFit(tenant);
  if (!fit.ok()) return FitNotFound(fit.status(), fit_id);
  FitDetail out;
  out.report = ParseReport(fit->report_json);
  out.fit = std::move(fit).value();
  out.fit.report_json.clear();
  // The chosen model's parameters by name: the report has them (the typed field only has the
  // values, in the engine's order).
  if (const json::value* models = out.report.if_contains("models"); models && models->is_array()) {
    for (const json::value& m : models->as_array()) {
      if (!m.is_object()) continue;
      const json::object& mo = m.as_object();
      const json::value* name = mo.if_contains("model");
      if (name == nullptr || !name->is_string() || std::string_view(name->as_string()) != out.fit.model) {
        continue;
      }
      if (const json::object* full = ObjectMember(mo, "full")) {
        if (const json::object* p = ObjectMember(*full, "params")) out.params = *p;
        if (const json::object* e = ObjectMember(*full, "standard_errors")) out.standard_errors = *e;
      }
    }
  }
  out.report.erase("scoring");  // internal: how incremental scores are made

  storage::ListFitsOptions options;
  options.limit = kMaxVersions;
  CLV_ASSIGN_OR_RETURN(storage::Page<storage::ModelFitRecord> versions, store_.ListFits(tenant, options));
  for (const storage::ModelFitRecord& v : versions.items) {
    out.versions.push_back(FitVersion{v.id, v.created_at_us, v.as_of_us, v.model, v.customers, v.job});
  }
  return out;
}

Result<Forecast> ModelService::GetForecast(TenantId tenant, int horizon) {
  if (horizon < 1) return InvalidArgument("horizon: must be at least 1");
  Result<storage::ModelFitRecord> fit = store_.GetCurrentFit(tenant);
  if (!fit.ok()) return FitNotFound(fit.status(), std::nullopt);
  const json::object report = ParseReport(fit->report_json);
  const json::object* forecast = ObjectMember(report, "forecast");
  const json::value* periods_value = forecast ? forecast->if_contains("periods") : nullptr;
  if (periods_value == nullptr || !periods_value->is_array()) {
    return Internal("the stored fit has no forecast");
  }
  const json::array& periods = periods_value->as_array();
  if (static_cast<std::size_t>(horizon) > periods.size()) {
    return InvalidArgument("horizon: the current fit forecasts " + std::to_string(periods.size()) +
                           " months; start a calculation with a larger forecast_months");
  }
  Forecast out;
  out.fit_id = fit->id;
  out.currency = fit->currency;
  if (const json::value* start = forecast->if_contains("start_day"); start && start->is_string()) {
    out.start_day = std::string(start->as_string());
  }
  out.has_revenue = MemberOrNull(*forecast, "has_revenue");
  Result<UnixMicros> start = ParseTimestamp(out.start_day, TimestampOptions{false, true});
  constexpr double kDaysPerMonth = 30.4375;
  for (int i = 0; i < horizon; ++i) {
    const json::value& pv = periods[static_cast<std::size_t>(i)];
    if (!pv.is_object()) return Internal("the stored forecast has a malformed period");
    const json::object& p = pv.as_object();
    ForecastMonth m;
    m.period = i + 1;
    m.expected_purchases = MemberOrNull(p, "expected_purchases");
    m.purchases_lower = MemberOrNull(p, "purchases_lower");
    m.purchases_upper = MemberOrNull(p, "purchases_upper");
    m.expected_revenue_minor = Minor(p.if_contains("expected_revenue_minor"));
    m.revenue_lower_minor = Minor(p.if_contains("revenue_lower_minor"));
    m.revenue_upper_minor = Minor(p.if_contains("revenue_upper_minor"));
    if (start.ok()) {
      // Month k covers (start + (k−1)·30.4375 days, start + k·30.4375 days].
      const auto from = static_cast<std::int64_t>(std::floor(i * kDaysPerMonth));
      const auto to = static_cast<std::int64_t>(std::floor((i + 1) * kDaysPerMonth));
      m.start_day = FormatDate(*start + (from + 1) * kMicrosPerDay);
      m.end_day = FormatDate(*start + to * kMicrosPerDay);
    }
    out.months.push_back(std::move(m));
  }
  out.holdout = MemberOrNull(report, "holdout_forecast");
  return out;
}

}  // namespace clv::service
