#include "http/handlers/model_handlers.h"

#include <boost/json.hpp>

#include <charconv>

#include "core/time.h"
#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/middleware.h"

namespace clv::http {
namespace json = boost::json;
namespace {

json::object FitJson(service::FitDetail& d) {
  const storage::ModelFitRecord& f = d.fit;
  json::object o;
  o["id"] = f.id;
  o["job_id"] = f.job ? json::value(f.job->value) : json::value(nullptr);
  o["created_at"] = FormatRfc3339(f.created_at_us);
  o["as_of"] = FormatRfc3339(f.as_of_us);
  o["as_of_explicit"] = f.as_of_explicit;
  o["currency"] = f.currency;
  o["model"] = f.model;
  o["params"] = std::move(d.params);
  o["standard_errors"] = std::move(d.standard_errors);
  o["spend_model"] = f.spend_model;
  if (f.gamma_gamma_params.size() == 3) {
    o["gamma_gamma_params"] = json::object{{"p", f.gamma_gamma_params[0]},
                                           {"q", f.gamma_gamma_params[1]},
                                           {"gamma", f.gamma_gamma_params[2]}};
  } else {
    o["gamma_gamma_params"] = nullptr;
  }
  o["period"] = f.period;
  o["resolution"] = f.resolution;
  o["horizon_periods"] = f.horizon_periods;
  o["clv_months"] = f.clv_months;
  o["discount_rate"] = f.discount_rate_monthly;
  o["margin"] = f.margin;
  o["customers"] = f.customers;
  o["report"] = std::move(d.report);
  return o;
}

Result<int> IntParam(const Request& request, std::string_view name, int fallback, int lo, int hi) {
  std::optional<std::string_view> v = request.QueryParam(name);
  if (!v) return fallback;
  int n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < lo || n > hi) {
    return InvalidArgument(std::string(name) + ": must be an integer in " + std::to_string(lo) +
                           ".." + std::to_string(hi));
  }
  return n;
}

}  // namespace

void RegisterModelRoutes(Router& router, service::ModelService& models) {
  router.Get("/clv/model", [&models](Request& request) {
    std::optional<std::int64_t> fit_id;
    if (auto id_text = request.QueryParam("fit_id")) {
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(id_text->data(), id_text->data() + id_text->size(), id);
      if (ec != std::errc() || end != id_text->data() + id_text->size() || id <= 0) {
        return Response::Error(400, "invalid_argument", "fit_id: must be a positive integer");
      }
      fit_id = id;
    }
    Result<service::FitDetail> detail = models.GetFit(request.auth->tenant, fit_id);
    if (!detail.ok()) return ErrorFromStatus(detail.status());
    json::array versions;
    for (const service::FitVersion& v : detail->versions) {
      versions.push_back(json::object{{"id", v.id},
                                      {"created_at", FormatRfc3339(v.created_at_us)},
                                      {"as_of", FormatRfc3339(v.as_of_us)},
                                      {"model", v.model},
                                      {"customers", v.customers},
                                      {"job_id", v.job ? json::value(v.job->value) : json::value(nullptr)}});
    }
    return Response::Json(200, json::object{{"fit", FitJson(*detail)}, {"versions", std::move(versions)}});
  }, RequirePermission("read_data"));

  router.Get("/clv/forecast", [&models](Request& request) {
    if (auto period = request.QueryParam("period"); period && *period != "month") {
      return Response::Error(400, "invalid_argument",
                             "period: only month is supported (the fit forecasts by month)");
    }
    Result<int> horizon = IntParam(request, "horizon", 12, 1, 120);
    if (!horizon.ok()) return ErrorFromStatus(horizon.status());
    Result<service::Forecast> forecast = models.GetForecast(request.auth->tenant, *horizon);
    if (!forecast.ok()) return ErrorFromStatus(forecast.status());
    json::array periods;
    for (service::ForecastMonth& m : forecast->months) {
      json::object row{{"period", m.period},
                       {"expected_purchases", std::move(m.expected_purchases)},
                       {"purchases_lower", std::move(m.purchases_lower)},
                       {"purchases_upper", std::move(m.purchases_upper)},
                       {"expected_revenue_minor", m.expected_revenue_minor},
                       {"revenue_lower_minor", m.revenue_lower_minor},
                       {"revenue_upper_minor", m.revenue_upper_minor}};
      if (!m.start_day.empty()) {
        row["start_day"] = m.start_day;
        row["end_day"] = m.end_day;
      }
      periods.push_back(std::move(row));
    }
    json::object body{{"fit_id", forecast->fit_id},
                      {"currency", forecast->currency},
                      {"period", "month"},
                      {"start_day", forecast->start_day},
                      {"has_revenue", std::move(forecast->has_revenue)},
                      {"periods", std::move(periods)},
                      {"holdout", std::move(forecast->holdout)}};
    return Response::Json(200, body);
  }, RequirePermission("read_data"));
}

}  // namespace clv::http
