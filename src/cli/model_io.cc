#include "cli/model_io.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace clv::cli {
namespace {

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Six significant digits: what a person reads in a table (JSON has the full value).
std::string Short(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string FormatName(ingest::ModelInputFormat f) {
  switch (f) {
    case ingest::ModelInputFormat::kTransactions: return "transaction log";
    case ingest::ModelInputFormat::kSummary: return "customer summary";
    case ingest::ModelInputFormat::kPatternTable: return "BG/BB pattern table";
    case ingest::ModelInputFormat::kSurvival: return "survival series";
  }
  return "file";
}

}  // namespace

std::int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ElapsedMs(std::int64_t start_ns) { return (SteadyNowNs() - start_ns) / 1e6; }

Result<std::string> ReadWholeFile(const std::string& path) {
  // One fread into a buffer of the file's size: large chunks, no per-line I/O.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return NotFound(path + ": cannot open: " + std::strerror(errno));
  std::string data;
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    long size = std::ftell(f.get());
    if (size > 0) data.reserve(static_cast<std::size_t>(size));
    std::rewind(f.get());
  }
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, n);
  if (std::ferror(f.get())) return NotFound(path + ": cannot read: " + std::strerror(errno));
  return data;
}

engine::Period ParsePeriodName(std::string_view name) {
  if (name == "day") return engine::Period::kDay;
  if (name == "month") return engine::Period::kMonth;
  return engine::Period::kWeek;
}

Result<ingest::ModelInput> LoadModelInput(const InputFlags& flags, bool keep_customer_ids,
                                          bool require_positive_monetary) {
  CLV_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(flags.path));
  ingest::ModelInputOptions options;
  options.source_name = flags.path;
  options.columns = flags.columns;
  options.survival_column = flags.survival_column;
  options.keep_customer_ids = keep_customer_ids;
  options.require_positive_monetary = require_positive_monetary;
  return ingest::ParseModelInput(text, options);
}

Status WrongInput(const InputFlags& flags, std::string_view model, std::string_view needs,
                  ingest::ModelInputFormat got) {
  return InvalidArgument(flags.path + ":1:1: model " + std::string(model) + " needs " +
                         std::string(needs) + "; this file is a " + FormatName(got));
}

Result<CustomerData> ToCustomerData(ingest::ModelInput& input, const InputFlags& flags,
                                    std::string_view model, bool keep_ids) {
  CustomerData out;
  if (input.format == ingest::ModelInputFormat::kSummary) {
    ingest::CustomerSummary& s = input.summary;
    const std::size_t n = s.size();
    if (keep_ids) {
      if (s.has_customer_id) {
        out.ids = std::move(s.customer_id);
      } else {  // no id column: customers are numbered by row
        out.ids.reserve(n);
        for (std::size_t i = 0; i < n; ++i) out.ids.push_back(std::to_string(i + 1));
      }
    }
    out.rfm.frequency = std::move(s.frequency);
    out.rfm.recency = std::move(s.recency);
    out.rfm.age = std::move(s.age);
    out.has_monetary = s.has_monetary;
    if (s.has_monetary) out.rfm.monetary = std::move(s.monetary);
    return out;
  }
  if (input.format != ingest::ModelInputFormat::kTransactions) {
    return WrongInput(flags, model,
                      "a customer summary (frequency, recency, T) or a transaction log "
                      "(customer_id, date, amount)",
                      input.format);
  }
  const ingest::TransactionLog& log = input.transactions;
  const engine::Period period = ParsePeriodName(flags.period);
  const bool by_day = flags.resolution == "day";
  double observation_end = 0;
  if (flags.observation_end.empty()) {
    // Floor for negative instants too: the day containing the last transaction.
    const std::int64_t last = *std::max_element(log.time_s.begin(), log.time_s.end());
    observation_end = static_cast<double>(last >= 0 ? last / 86400 : -((-last + 86399) / 86400));
  } else {
    Result<std::int64_t> end = ingest::ParseTimestamp(flags.observation_end);
    if (!end.ok()) return InvalidArgument("--observation-end: " + end.status().message());
    observation_end = static_cast<double>(*end) / 86400.0;
  }
  std::vector<std::int32_t> customer(log.customer.begin(), log.customer.end());
  std::vector<double> day(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) day[i] = static_cast<double>(log.time_s[i]) / 86400.0;
  engine::TransactionLog engine_log{customer, day, log.amount};
  Result<engine::RfmSummary> summary = engine::SummarizeTransactions(
      engine_log, static_cast<std::int32_t>(log.customer_ids.size()),
      by_day ? engine::Period::kDay : period, observation_end);
  if (!summary.ok()) return InvalidArgument(flags.path + ": " + summary.status().message());
  out.rfm = std::move(summary->data);
  if (by_day && period != engine::Period::kDay) {
    const double days = engine::DaysPerPeriod(period);
    for (double& v : out.rfm.recency) v /= days;
    for (double& v : out.rfm.age) v /= days;
  }
  out.has_monetary = log.has_amount;
  if (keep_ids) {
    out.ids.reserve(summary->customer.size());
    for (std::int32_t c : summary->customer) out.ids.push_back(log.customer_ids[c]);
  }
  return out;
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "nan";  // cannot happen: 32 bytes hold any double
  return std::string(buf, ptr);
}

std::string JsonNumber(double value) {
  return std::isfinite(value) ? FormatDouble(value) : "null";
}

std::string JsonString(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

std::string FitToJson(const FitOutput& fit) {
  const engine::MleResult& m = fit.mle;
  const engine::FitReport& r = m.report;
  const std::size_t k = fit.param_names.size();
  auto at = [](const std::vector<double>& v, std::size_t i) {
    return i < v.size() ? v[i] : std::nan("");
  };
  std::string o = "{";
  // Appends "key":raw (raw is already JSON), with a comma after the first member.
  auto add = [&o](std::string_view key, std::string_view raw) {
    if (o.size() > 1) o += ',';
    o += JsonString(key);
    o += ':';
    o += raw;
  };
  auto per_param = [&](const std::vector<double>& values) {
    std::string obj = "{";
    for (std::size_t i = 0; i < k; ++i) {
      if (i) obj += ',';
      obj += JsonString(fit.param_names[i]);
      obj += ':';
      obj += JsonNumber(at(values, i));
    }
    obj += '}';
    return obj;
  };
  add("model", JsonString(fit.model));
  add("params", per_param(m.params));
  add("standard_errors", per_param(m.standard_errors));
  std::string cis = "{";
  for (std::size_t i = 0; i < k; ++i) {
    if (i) cis += ',';
    cis += JsonString(fit.param_names[i]);
    cis += ":[";
    cis += JsonNumber(at(m.ci_lower, i));
    cis += ',';
    cis += JsonNumber(at(m.ci_upper, i));
    cis += ']';
  }
  cis += '}';
  add("confidence_intervals", cis);
  add("log_likelihood", JsonNumber(r.log_likelihood));
  add("converged", r.converged ? "true" : "false");
  add("message", JsonString(r.message));
  add("iterations", std::to_string(r.iterations));
  add("starts_tried", std::to_string(r.starts_tried));
  add("gradient_norm", JsonNumber(r.gradient_norm));
  add("aic", JsonNumber(r.aic));
  add("bic", JsonNumber(r.bic));
  add("customers", JsonNumber(fit.customers));
  add("distinct_rows", std::to_string(fit.distinct_rows));
  add("period", JsonString(fit.period));
  add("input", JsonString(fit.input_path));
  add("input_format", JsonString(fit.input_format));
  add("wall_time_ms", JsonNumber(r.wall_time_ms));
  add("input_time_ms", JsonNumber(fit.input_time_ms));
  for (const auto& [name, value] : fit.extras) add(name, JsonNumber(value));
  o += "}\n";
  return o;
}

std::string FitToTable(const FitOutput& fit) {
  const engine::MleResult& m = fit.mle;
  const engine::FitReport& r = m.report;
  auto at = [](const std::vector<double>& v, std::size_t i) {
    return i < v.size() ? v[i] : std::nan("");
  };
  std::string o;
  auto row = [&o](std::string_view label, const std::string& value) {
    o += Pad(std::string(label), 16) + value + "\n";
  };
  row("model", fit.model);
  row("input", fit.input_path + " (" + fit.input_format + ")");
  row("customers", Short(fit.customers) + " (" + std::to_string(fit.distinct_rows) +
                       " distinct rows)");
  row("period", fit.period);
  row("converged", std::string(r.converged ? "yes" : "NO") +
                       (r.message.empty() ? "" : " (" + r.message + ")"));
  row("log-likelihood", FormatDouble(r.log_likelihood));
  row("AIC", Short(r.aic));
  row("BIC", Short(r.bic));
  row("iterations", std::to_string(r.iterations) + " over " + std::to_string(r.starts_tried) +
                        " start(s)");
  row("gradient norm", Short(r.gradient_norm));
  for (const auto& [name, value] : fit.extras) row(name, Short(value));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f ms fit, %.1f ms input", r.wall_time_ms, fit.input_time_ms);
  row("wall time", buf);
  o += '\n';
  o += Pad("parameter", 12) + Pad("estimate", 14) + Pad("std. error", 14) +
       "95% confidence interval\n";
  for (std::size_t i = 0; i < fit.param_names.size(); ++i) {
    o += Pad(fit.param_names[i], 12) + Pad(Short(at(m.params, i)), 14) +
         Pad(Short(at(m.standard_errors, i)), 14) + "[" + Short(at(m.ci_lower, i)) + ", " +
         Short(at(m.ci_upper, i)) + "]\n";
  }
  return o;
}

Result<std::vector<double>> ReadParamsFile(const std::string& path, std::string_view model_key,
                                           const std::vector<std::string>& names,
                                           const std::map<std::string, std::string>& aliases) {
  CLV_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  if (ec) return InvalidArgument(path + ": not valid JSON: " + ec.message());
  if (!doc.is_object()) return InvalidArgument(path + ": expected a JSON object");
  const boost::json::object* obj = &doc.as_object();
  // Keyed by model first ({"bgnbd": {...}}), then `clv fit` output ({"params": {...}}).
  if (auto it = obj->find(model_key); it != obj->end() && it->value().is_object()) {
    obj = &it->value().as_object();
  } else if (auto p = obj->find("params"); p != obj->end() && p->value().is_object()) {
    if (auto m = obj->find("model");
        m != obj->end() && m->value().is_string() && m->value().as_string() != model_key) {
      return InvalidArgument(path + ": holds parameters of model " +
                             std::string(m->value().as_string()) + ", not " +
                             std::string(model_key));
    }
    obj = &p->value().as_object();
  }
  std::vector<double> values;
  for (const std::string& name : names) {
    auto it = obj->find(name);
    if (it == obj->end()) {
      if (auto alias = aliases.find(name); alias != aliases.end()) it = obj->find(alias->second);
    }
    if (it == obj->end()) {
      return InvalidArgument(path + ": no parameter \"" + name + "\" for model " +
                             std::string(model_key));
    }
    const boost::json::value& v = it->value();
    if (!v.is_number()) {
      return InvalidArgument(path + ": parameter \"" + name + "\" is not a number");
    }
    values.push_back(v.to_number<double>());
  }
  return values;
}

}  // namespace clv::cli
