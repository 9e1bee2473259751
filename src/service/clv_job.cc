#include "service/clv_job.h"

#include <boost/json.hpp>

#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

#include "core/time.h"
#include "engine/analytics/cohorts.h"
#include "service/calculation_input.h"
#include "service/fit_report.h"

namespace clv::service {
namespace json = boost::json;
namespace {

Result<double> NumberField(const json::value& v, std::string_view name) {
  if (!v.is_number()) return InvalidArgument(std::string(name) + ": must be a number");
  const double d = v.to_number<double>();
  if (!std::isfinite(d)) return InvalidArgument(std::string(name) + ": must be a finite number");
  return d;
}

Result<std::int64_t> IntField(const json::value& v, std::string_view name) {
  CLV_ASSIGN_OR_RETURN(double d, NumberField(v, name));
  if (d != std::floor(d) || std::abs(d) > 1e9) {
    return InvalidArgument(std::string(name) + ": must be a whole number");
  }
  return static_cast<std::int64_t>(d);
}

Result<std::string> StringField(const json::value& v, std::string_view name) {
  if (!v.is_string()) return InvalidArgument(std::string(name) + ": must be a string");
  return std::string(v.as_string());
}

}  // namespace

Result<CalculationRequest> ParseCalculationRequest(std::string_view body) {
  CalculationRequest req;
  req.options.forecast_months = 24;
  req.options.min_customers = kMinCustomers;
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.remove_prefix(1);
  if (trimmed.empty()) return req;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
  CalculationOptions& o = req.options;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "models") {
      if (!value.is_array()) return InvalidArgument("models: must be an array of model names");
      o.models.clear();
      for (const json::value& m : value.as_array()) {
        if (!m.is_string()) return InvalidArgument("models: must be an array of model names");
        o.models.emplace_back(m.as_string());
      }
    } else if (key == "period") {
      CLV_ASSIGN_OR_RETURN(std::string p, StringField(value, "period"));
      if (p == "day") o.period = engine::Period::kDay;
      else if (p == "week") o.period = engine::Period::kWeek;
      else if (p == "month") o.period = engine::Period::kMonth;
      else return InvalidArgument("period: must be day, week or month, got '" + p + "'");
    } else if (key == "resolution") {
      CLV_ASSIGN_OR_RETURN(std::string p, StringField(value, "resolution"));
      if (p == "day") o.resolution = Resolution::kDay;
      else if (p == "period") o.resolution = Resolution::kPeriod;
      else return InvalidArgument("resolution: must be day or period, got '" + p + "'");
    } else if (key == "as_of") {
      CLV_ASSIGN_OR_RETURN(std::string text, StringField(value, "as_of"));
      if (text.size() == 10) {
        TimestampOptions date_only;
        date_only.allow_date_only = true;
        Result<UnixMicros> day = ParseTimestamp(text, date_only);
        if (!day.ok()) return InvalidArgument("as_of: " + day.status().message());
        // A date means the end of that UTC day: its orders are part of the analysis.
        req.as_of_us = *day + kMicrosPerDay - 1;
      } else {
        Result<UnixMicros> t = ParseTimestamp(text);
        if (!t.ok()) return InvalidArgument("as_of: " + t.status().message());
        req.as_of_us = *t;
      }
    } else if (key == "horizon") {
      CLV_ASSIGN_OR_RETURN(o.horizon_periods, NumberField(value, "horizon"));
    } else if (key == "discount_rate") {
      CLV_ASSIGN_OR_RETURN(o.discount_rate_monthly, NumberField(value, "discount_rate"));
    } else if (key == "margin") {
      CLV_ASSIGN_OR_RETURN(o.margin, NumberField(value, "margin"));
    } else if (key == "clv_months") {
      CLV_ASSIGN_OR_RETURN(std::int64_t m, IntField(value, "clv_months"));
      if (m < 1 || m > 1200) return InvalidArgument("clv_months must be in 1..1200");
      o.clv_months = static_cast<int>(m);
    } else if (key == "holdout_fraction") {
      CLV_ASSIGN_OR_RETURN(o.holdout_fraction, NumberField(value, "holdout_fraction"));
    } else if (key == "forecast_months") {
      CLV_ASSIGN_OR_RETURN(std::int64_t m, IntField(value, "forecast_months"));
      if (m < 1 || m > 120) return InvalidArgument("forecast_months must be in 1..120");
      o.forecast_months = static_cast<int>(m);
    } else {
      return InvalidArgument(
          "unknown field '" + std::string(key) +
          "' (known: models, period, resolution, as_of, horizon, discount_rate, margin, "
          "clv_months, holdout_fraction, forecast_months)");
    }
  }
  CLV_RETURN_IF_ERROR(ValidateCalculationOptions(o));
  return req;
}

std::string CalculationRequestJson(const CalculationRequest& r) {
  const CalculationOptions& o = r.options;
  json::object out;
  out["models"] = json::value_from(o.models);
  out["period"] = engine::PeriodName(o.period);
  out["resolution"] = o.resolution == Resolution::kDay ? "day" : "period";
  if (r.as_of_us) out["as_of"] = FormatRfc3339(*r.as_of_us);
  out["horizon"] = o.horizon_periods;
  out["discount_rate"] = o.discount_rate_monthly;
  out["margin"] = o.margin;
  out["clv_months"] = o.clv_months;
  out["holdout_fraction"] = o.holdout_fraction;
  out["forecast_months"] = o.forecast_months;
  return json::serialize(out);
}

Status CheckEnoughCustomers(storage::Store& store, TenantId tenant) {
  CLV_ASSIGN_OR_RETURN(std::int64_t n, store.CountCustomers(tenant));
  if (n < kMinCustomers) {
    return FailedPrecondition(std::to_string(n) + " customer" + (n == 1 ? "" : "s") +
                              " so far; a CLV calculation needs at least " +
                              std::to_string(kMinCustomers) +
                              " customers with orders, and some who ordered again");
  }
  return Status::Ok();
}

Result<std::string> RunCalculationJob(storage::Store& store, const Clock& clock, TenantId tenant,
                                      std::optional<JobId> job, std::string_view params_json,
                                      const JobProgress& progress,
                                      const std::atomic<bool>* cancelled) {
  auto report = [&](double f, std::string_view stage) {
    if (progress) progress(f, stage);
  };
  auto is_cancelled = [&] { return cancelled != nullptr && cancelled->load(); };
  CLV_ASSIGN_OR_RETURN(CalculationRequest request, ParseCalculationRequest(params_json));
  const UnixMicros as_of = request.as_of_us.value_or(clock.Now());

  // Reading is about a tenth of a calculation; the calculation's own fractions fill 0.1..0.9
  // and writing the scores the rest.
  report(0.0, "reading");
  CalculationInputBuilder builder(as_of);
  CLV_RETURN_IF_ERROR(store.StreamOrdersForAnalysis(
      tenant, [&](const storage::AnalysisRow& row) { return builder.Add(row); }));
  CLV_ASSIGN_OR_RETURN(CalculationInput input, builder.Finish());

  CLV_ASSIGN_OR_RETURN(
      CalculationResult result,
      RunCalculation(input, request.options, [&](double f, std::string_view stage) {
        report(0.1 + 0.8 * f, stage == "done" ? "writing" : stage);
      }));
  if (is_cancelled()) return FailedPrecondition("the job's lease was lost; not writing the fit");

  report(0.9, "writing");
  storage::ModelFitRecord record =
      FitRecordOf(result, request, as_of, job, BuildFitReport(result, input, request));
  record.tenant = tenant;
  const UnixMicros now = clock.Now();
  record.created_at_us = now;
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::FitWriter> writer, store.BeginFitWrite(tenant, record));
  std::vector<storage::CustomerScore> batch;
  batch.reserve(kScoreWriteBatch);
  const std::size_t n = result.customer_ids.size();
  for (std::size_t c = 0; c < n; ++c) {
    batch.push_back(ScoreRowOf(result, c, 0, now));
    if (batch.size() == kScoreWriteBatch || c + 1 == n) {
      if (is_cancelled()) {
        writer->Abort();
        return FailedPrecondition("the job's lease was lost; not writing the fit");
      }
      Status s = writer->Add(batch);
      if (!s.ok()) {
        writer->Abort();
        return s;
      }
      batch.clear();
      report(0.9 + 0.1 * static_cast<double>(c + 1) / static_cast<double>(n), "writing");
    }
  }
  if (is_cancelled()) {
    writer->Abort();
    return FailedPrecondition("the job's lease was lost; not writing the fit");
  }
  CLV_ASSIGN_OR_RETURN(storage::ModelFitRecord stored, writer->Commit());
  return json::serialize(json::object{{"fit_id", stored.id}});
}

}  // namespace clv::service
