#include "http/handlers/model_handlers.h"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>

#include "core/time.h"
#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/middleware.h"

namespace clv::http {
namespace json = boost::json;
namespace {

constexpr std::string_view kNoFit =
    "no model fit yet: start a calculation with POST /clv/calculate and wait for its job";

Response FitError(const Status& s) {
  if (s.code() == StatusCode::kNotFound) return ErrorFromStatus(NotFound(std::string(kNoFit)));
  return ErrorFromStatus(s);
}

json::value ParseReport(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return json::object{};
  return v;
}

json::object FitJson(const storage::ModelFitRecord& f) {
  json::value report = ParseReport(f.report_json);
  json::object o;
  o["id"] = f.id;
  o["job_id"] = f.job ? json::value(f.job->value) : json::value(nullptr);
  o["created_at"] = FormatRfc3339(f.created_at_us);
  o["as_of"] = FormatRfc3339(f.as_of_us);
  o["as_of_explicit"] = f.as_of_explicit;
  o["currency"] = f.currency;
  o["model"] = f.model;
  // The chosen model's parameters by name, from the report (the typed field has the values).
  json::object params, errors;
  if (const json::value* models = report.as_object().if_contains("models"); models && models->is_array()) {
    for (const json::value& m : models->as_array()) {
      const json::object& mo = m.as_object();
      if (std::string_view(mo.at("model").as_string()) == f.model) {
        params = mo.at("full").as_object().at("params").as_object();
        errors = mo.at("full").as_object().at("standard_errors").as_object();
      }
    }
  }
  o["params"] = std::move(params);
  o["standard_errors"] = std::move(errors);
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
  json::object& r = report.as_object();
  r.erase("scoring");  // internal: how incremental scores are made
  o["report"] = std::move(report);
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

std::int64_t Minor(const json::value& v) {
  return v.is_number() ? static_cast<std::int64_t>(std::llround(v.to_number<double>())) : 0;
}

}  // namespace

void RegisterModelRoutes(Router& router, storage::Store& store) {
  router.Get("/clv/model", [&store](Request& request) {
    const TenantId tenant = request.auth->tenant;
    Result<storage::ModelFitRecord> fit = NotFound("");
    if (auto id_text = request.QueryParam("fit_id")) {
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(id_text->data(), id_text->data() + id_text->size(), id);
      if (ec != std::errc() || end != id_text->data() + id_text->size() || id <= 0) {
        return Response::Error(400, "invalid_argument", "fit_id: must be a positive integer");
      }
      fit = store.GetFit(tenant, id);
      if (!fit.ok() && fit.status().code() == StatusCode::kNotFound) {
        return ErrorFromStatus(NotFound("model fit " + std::to_string(id) + " not found"));
      }
    } else {
      fit = store.GetCurrentFit(tenant);
    }
    if (!fit.ok()) return FitError(fit.status());
    storage::ListFitsOptions options;
    options.limit = 100;
    Result<storage::Page<storage::ModelFitRecord>> versions = store.ListFits(tenant, options);
    if (!versions.ok()) return ErrorFromStatus(versions.status());
    json::array list;
    for (const storage::ModelFitRecord& v : versions->items) {
      list.push_back(json::object{{"id", v.id},
                                  {"created_at", FormatRfc3339(v.created_at_us)},
                                  {"as_of", FormatRfc3339(v.as_of_us)},
                                  {"model", v.model},
                                  {"customers", v.customers},
                                  {"job_id", v.job ? json::value(v.job->value) : json::value(nullptr)}});
    }
    return Response::Json(200, json::object{{"fit", FitJson(*fit)}, {"versions", std::move(list)}});
  }, RequirePermission("read_data"));

  router.Get("/clv/forecast", [&store](Request& request) {
    if (auto period = request.QueryParam("period"); period && *period != "month") {
      return Response::Error(400, "invalid_argument",
                             "period: only month is supported (the fit forecasts by month)");
    }
    Result<int> horizon = IntParam(request, "horizon", 12, 1, 120);
    if (!horizon.ok()) return ErrorFromStatus(horizon.status());
    Result<storage::ModelFitRecord> fit = store.GetCurrentFit(request.auth->tenant);
    if (!fit.ok()) return FitError(fit.status());
    json::value report = ParseReport(fit->report_json);
    const json::value* forecast = report.as_object().if_contains("forecast");
    if (forecast == nullptr || !forecast->is_object()) {
      return ErrorFromStatus(Internal("the stored fit has no forecast"));
    }
    const json::array& periods = forecast->as_object().at("periods").as_array();
    if (static_cast<std::size_t>(*horizon) > periods.size()) {
      return Response::Error(400, "invalid_argument",
                             "horizon: the current fit forecasts " + std::to_string(periods.size()) +
                                 " months; start a calculation with a larger forecast_months");
    }
    const std::string start_text(forecast->as_object().at("start_day").as_string());
    Result<UnixMicros> start = ParseTimestamp(start_text, TimestampOptions{false, true});
    const double days = 30.4375;
    json::array out;
    for (int i = 0; i < *horizon; ++i) {
      const json::object& p = periods[static_cast<std::size_t>(i)].as_object();
      json::object row{{"period", i + 1},
                       {"expected_purchases", p.at("expected_purchases")},
                       {"purchases_lower", p.at("purchases_lower")},
                       {"purchases_upper", p.at("purchases_upper")},
                       {"expected_revenue_minor", Minor(p.at("expected_revenue_minor"))},
                       {"revenue_lower_minor", Minor(p.at("revenue_lower_minor"))},
                       {"revenue_upper_minor", Minor(p.at("revenue_upper_minor"))}};
      if (start.ok()) {
        // Period k covers (start + (k−1)·30.4375 days, start + k·30.4375 days].
        const auto from = static_cast<std::int64_t>(std::floor(i * days));
        const auto to = static_cast<std::int64_t>(std::floor((i + 1) * days));
        row["start_day"] = FormatDate(*start + (from + 1) * kMicrosPerDay);
        row["end_day"] = FormatDate(*start + to * kMicrosPerDay);
      }
      out.push_back(std::move(row));
    }
    json::object body{{"fit_id", fit->id},
                      {"currency", fit->currency},
                      {"period", "month"},
                      {"start_day", start_text},
                      {"has_revenue", forecast->as_object().at("has_revenue")},
                      {"periods", std::move(out)}};
    const json::value* holdout = report.as_object().if_contains("holdout_forecast");
    body["holdout"] = holdout ? *holdout : json::value(nullptr);
    return Response::Json(200, body);
  }, RequirePermission("read_data"));
}

}  // namespace clv::http
