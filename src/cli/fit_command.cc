// `clv fit`: fits one model to a file and prints the estimates (JSON or a table).
//
//   clv fit --input FILE --model bgnbd|mbgnbd|pnbd|bgbb|sbg|gg [--period day|week|month]
//           [--observation-end DATE] [--resolution period|day] [--columns a,b,c]
//           [--format table|json] [--penalty L2] [--column NAME --fit-periods N]
//
// Exit codes (cli/commands.h): 0 converged; 1 printed but not converged; 2 bad flags;
// 65 bad data ("FILE:LINE:COLUMN: reason"); 66 the file cannot be opened.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_io.h"
#include "engine/models/bg_bb.h"
#include "engine/models/gamma_gamma.h"
#include "engine/models/purchase_model.h"
#include "engine/models/sbg.h"

namespace clv::cli {
namespace {

struct FitFlags {
  InputFlags input;
  std::string model;
  std::string format = "table";
  double penalty = 0;
  int fit_periods = 0;  // sBG: periods of the series to fit on (0 = all)
};

constexpr std::string_view kFitCommand = "fit";

FitOutput NewOutput(const FitFlags& flags, const ingest::ModelInput& input,
                    std::string_view default_period) {
  FitOutput out;
  out.model = flags.model;
  out.input_path = flags.input.path;
  out.input_format = std::string(ingest::ModelInputFormatName(input.format));
  out.period = flags.input.period.empty() ? std::string(default_period) : flags.input.period;
  return out;
}

engine::FitOptions Options(const FitFlags& flags) {
  engine::FitOptions options;
  options.l2_penalty = flags.penalty;
  return options;
}

// BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma: per-customer data from a summary or a log.
Result<FitOutput> FitCustomerModel(const FitFlags& flags) {
  const std::int64_t start = SteadyNowNs();
  const bool gg = flags.model == "gg";
  CLV_ASSIGN_OR_RETURN(ingest::ModelInput input,
                       LoadModelInput(flags.input, /*keep_customer_ids=*/false,
                                      /*require_positive_monetary=*/gg));
  FitOutput out = NewOutput(flags, input, "week");
  CLV_ASSIGN_OR_RETURN(CustomerData data, ToCustomerData(input, flags.input, flags.model, false));
  CLV_RETURN_IF_ERROR(engine::ValidateRfm(data.rfm).WithContext(flags.input.path));
  if (gg) {
    if (!data.has_monetary) {
      return WrongInput(flags.input, "gg",
                        "monetary values (a monetary_value or zbar column, or a transaction log "
                        "with amounts)",
                        input.format);
    }
    out.input_time_ms = ElapsedMs(start);
    const std::int64_t fit_start = SteadyNowNs();
    Result<engine::GammaGammaFit> fit = engine::FitGammaGamma(data.rfm, Options(flags));
    if (!fit.ok()) return fit.status().WithContext(flags.input.path);
    out.mle = std::move(fit->mle);
    out.mle.report.wall_time_ms = ElapsedMs(fit_start);
    out.param_names = {"p", "q", "gamma"};
    out.customers = fit->customers_used;
    for (double x : data.rfm.frequency) out.distinct_rows += x > 0;
    out.extras = {{"frequency_monetary_correlation", fit->frequency_monetary_correlation}};
    return out;
  }
  // Identical (x, t_x, T) rows become one weighted row: the likelihood is evaluated per
  // distinct row, and the full arrays can be released before the fit.
  engine::RfmData compressed = engine::Compress(data.rfm);
  data = CustomerData();
  out.input_time_ms = ElapsedMs(start);
  out.customers = compressed.TotalWeight();
  out.distinct_rows = compressed.size();
  const std::int64_t fit_start = SteadyNowNs();
  Result<engine::PurchaseFit> fit = engine::FitPurchaseModel(flags.model, compressed,
                                                             Options(flags));
  if (!fit.ok()) return fit.status().WithContext(flags.input.path);
  out.mle = std::move(fit->mle);
  out.mle.report.wall_time_ms = ElapsedMs(fit_start);
  out.param_names = fit->model->param_names();
  return out;
}

Result<FitOutput> FitBgBbModel(const FitFlags& flags) {
  const std::int64_t start = SteadyNowNs();
  CLV_ASSIGN_OR_RETURN(ingest::ModelInput input, LoadModelInput(flags.input, false));
  if (input.format != ingest::ModelInputFormat::kPatternTable) {
    return WrongInput(flags.input, "bgbb",
                      "a BG/BB pattern table (frequency, recency, periods, weights)", input.format);
  }
  FitOutput out = NewOutput(flags, input, "opportunity");
  const ingest::PatternTable& t = input.patterns;
  std::vector<engine::BgBbPattern> patterns(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    patterns[i] = {t.frequency[i], t.recency[i], t.periods[i], t.weight[i]};
    out.customers += t.weight[i];
  }
  out.distinct_rows = patterns.size();
  out.input_time_ms = ElapsedMs(start);
  const std::int64_t fit_start = SteadyNowNs();
  Result<engine::MleResult> fit = engine::FitBgBb(patterns, Options(flags));
  if (!fit.ok()) return fit.status().WithContext(flags.input.path);
  out.mle = std::move(*fit);
  out.mle.report.wall_time_ms = ElapsedMs(fit_start);
  out.param_names = {"alpha", "beta", "gamma", "delta"};
  return out;
}

Result<FitOutput> FitSbgModel(const FitFlags& flags) {
  const std::int64_t start = SteadyNowNs();
  CLV_ASSIGN_OR_RETURN(ingest::ModelInput input, LoadModelInput(flags.input, false));
  if (input.format != ingest::ModelInputFormat::kSurvival) {
    return WrongInput(flags.input, "sbg",
                      "a survival series: name its column of customers alive with --column",
                      input.format);
  }
  FitOutput out = NewOutput(flags, input, "period");
  std::vector<double> alive = std::move(input.survival.alive);
  const std::size_t available = alive.size() - 1;  // periods observed (the parser ensures >= 1)
  if (flags.fit_periods > 0) {
    if (static_cast<std::size_t>(flags.fit_periods) > available) {
      return InvalidArgument(flags.input.path + ": --fit-periods " +
                             std::to_string(flags.fit_periods) + " but column " +
                             flags.input.survival_column + " covers only " +
                             std::to_string(available) + " periods");
    }
    alive.resize(static_cast<std::size_t>(flags.fit_periods) + 1);
  }
  out.customers = alive.front();
  out.distinct_rows = alive.size() - 1;
  out.input_time_ms = ElapsedMs(start);
  const std::int64_t fit_start = SteadyNowNs();
  Result<engine::MleResult> fit = engine::FitSbg(alive, Options(flags));
  if (!fit.ok()) return fit.status().WithContext(flags.input.path);
  out.mle = std::move(*fit);
  out.mle.report.wall_time_ms = ElapsedMs(fit_start);
  out.param_names = {"alpha", "beta"};
  return out;
}

int RunFit(const FitFlags& flags) {
  Result<FitOutput> fit = flags.model == "bgbb"  ? FitBgBbModel(flags)
                          : flags.model == "sbg" ? FitSbgModel(flags)
                                                 : FitCustomerModel(flags);
  if (!fit.ok()) return ReportStatus(kFitCommand, fit.status());
  const std::string text = flags.format == "json" ? FitToJson(*fit) : FitToTable(*fit);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (!fit->mle.report.converged) {
    PrintError(kFitCommand, "the fit did not converge: " + fit->mle.report.message);
    return kExitFailure;
  }
  return kExitOk;
}

CommandRunner SetupFit(CLI::App& cmd) {
  auto flags = std::make_shared<FitFlags>();
  cmd.add_option("--input", flags->input.path,
                 "Transaction log, customer summary, BG/BB pattern table or survival series")
      ->required();
  cmd.add_option("--model", flags->model, "Model to fit")
      ->required()
      ->check(CLI::IsMember({"bgnbd", "mbgnbd", "pnbd", "bgbb", "sbg", "gg"}));
  cmd.add_option("--period", flags->input.period,
                 "Time unit: transaction logs are summarised in it; summaries are labelled")
      ->check(CLI::IsMember({"day", "week", "month"}));
  cmd.add_option("--observation-end", flags->input.observation_end,
                 "Transaction logs: end of the observation period (default: last transaction)");
  cmd.add_option("--resolution", flags->input.resolution,
                 "Transaction logs: 'period' counts distinct periods in whole periods (lifetimes "
                 "freq=period); 'day' counts distinct days, times in days / days per period")
      ->check(CLI::IsMember({"period", "day"}));
  cmd.add_option("--columns", flags->input.columns,
                 "Column names of a header-less file, comma-separated")
      ->delimiter(',');
  cmd.add_option("--format", flags->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}));
  cmd.add_option("--penalty", flags->penalty, "L2 penalty on the parameters (lifetimes' "
                 "penalizer_coef)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--column", flags->input.survival_column,
                 "sBG: the column of customers alive at the start of each period");
  cmd.add_option("--fit-periods", flags->fit_periods,
                 "sBG: fit on the first N periods of the series (default: all)")
      ->check(CLI::PositiveNumber);
  return [flags] { return RunFit(*flags); };
}

}  // namespace
}  // namespace clv::cli

CLV_REGISTER_COMMAND(fit, "Fit a model to a file of transactions or summaries",
                     clv::cli::SetupFit);
