// `clv predict`: per-customer predictions as CSV on stdout.
//
//   clv predict --input FILE --model bgnbd|mbgnbd|pnbd --horizon H [--period day|week|month]
//               [--observation-end DATE] [--resolution period|day] [--columns a,b,c]
//               [--spend gg] [--params FILE.json] [--spend-params FILE.json]
//               [--clv-months 12] [--discount-rate-monthly 0.01] [--margin 1.0]
//
// Header: customer_id,frequency,recency,T,p_alive,expected_purchases,expected_spend,clv
//   expected_purchases: expected repeat purchases in the next H periods given the history;
//   expected_spend: the Gamma-Gamma conditional expected mean order value;
//   clv: lifetimes' customer_lifetime_value — over `clv-months` monthly steps (4.345 weeks,
//        30 days or 1 month per step), the purchases expected in the step times expected_spend,
//        discounted at discount-rate-monthly per month, times the margin.
// expected_spend and clv are empty without --spend, and for customers without repeat purchases
// (frequency 0): the Gamma-Gamma model is fitted on repeat buyers only, and lifetimes' reference
// output leaves them out the same way.
// Without --params the purchase model is fitted first (and with --spend gg, Gamma-Gamma too);
// a fit that does not converge stops the command (exit 1). Numbers are printed with the
// shortest text that reads back as the same double (up to 17 significant digits).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_io.h"
#include "engine/analytics/clv.h"
#include "engine/models/gamma_gamma.h"
#include "engine/models/purchase_model.h"

namespace clv::cli {
namespace {

constexpr std::string_view kPredictCommand = "predict";

struct PredictFlags {
  InputFlags input;
  std::string model;
  double horizon = 0;
  std::string spend;
  std::string params_path;
  std::string spend_params_path;
  int clv_months = 12;
  double discount_rate_monthly = 0.01;
  double margin = 1.0;
};

std::vector<std::string> PurchaseParamNames(std::string_view model) {
  if (model == "pnbd") return {"r", "alpha", "s", "beta"};
  return {"r", "alpha", "a", "b"};
}

Result<std::unique_ptr<engine::PurchaseModel>> GetPurchaseModel(const PredictFlags& flags,
                                                                const engine::RfmData& data) {
  if (!flags.params_path.empty()) {
    CLV_ASSIGN_OR_RETURN(std::vector<double> params,
                         ReadParamsFile(flags.params_path, flags.model,
                                        PurchaseParamNames(flags.model)));
    Result<std::unique_ptr<engine::PurchaseModel>> model =
        engine::MakePurchaseModel(flags.model, params);
    if (!model.ok()) return model.status().WithContext(flags.params_path);
    return model;
  }
  engine::RfmData compressed = engine::Compress(data);
  CLV_ASSIGN_OR_RETURN(engine::PurchaseFit fit,
                       engine::FitPurchaseModel(flags.model, compressed, engine::FitOptions{}));
  if (!fit.mle.report.converged) {
    return FailedPrecondition("the " + flags.model +
                              " fit did not converge: " + fit.mle.report.message);
  }
  return std::move(fit.model);
}

Result<engine::GammaGammaParams> GetSpendModel(const PredictFlags& flags,
                                               const engine::RfmData& data) {
  if (!flags.spend_params_path.empty()) {
    CLV_ASSIGN_OR_RETURN(std::vector<double> p,
                         ReadParamsFile(flags.spend_params_path, "gg", {"p", "q", "gamma"},
                                        {{"gamma", "v"}}));
    engine::GammaGammaParams params{p[0], p[1], p[2]};
    CLV_RETURN_IF_ERROR(
        engine::ValidateGammaGammaParams(params).WithContext(flags.spend_params_path));
    return params;
  }
  Result<engine::GammaGammaFit> fit = engine::FitGammaGamma(data, engine::FitOptions{});
  if (!fit.ok()) return fit.status().WithContext(flags.input.path);
  if (!fit->mle.report.converged) {
    return FailedPrecondition("the gg fit did not converge: " + fit->mle.report.message);
  }
  return fit->params;
}

double PeriodsPerMonth(std::string_view period) {
  if (period == "day") return engine::kDaysPerMonth;
  if (period == "month") return 1.0;
  return engine::kWeeksPerMonth;
}

Status Predict(const PredictFlags& flags) {
  const bool spend = !flags.spend.empty();
  CLV_ASSIGN_OR_RETURN(
      ingest::ModelInput input,
      LoadModelInput(flags.input, /*keep_customer_ids=*/true,
                     /*require_positive_monetary=*/spend && flags.spend_params_path.empty()));
  const ingest::ModelInputFormat format = input.format;
  CLV_ASSIGN_OR_RETURN(CustomerData data, ToCustomerData(input, flags.input, flags.model, true));
  CLV_RETURN_IF_ERROR(engine::ValidateRfm(data.rfm).WithContext(flags.input.path));
  if (spend && !data.has_monetary) {
    return WrongInput(flags.input, "gg",
                      "monetary values (a monetary_value or zbar column, or a transaction log "
                      "with amounts)",
                      format);
  }
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<engine::PurchaseModel> model,
                       GetPurchaseModel(flags, data.rfm));
  engine::GammaGammaParams gg;
  if (spend) {
    CLV_ASSIGN_OR_RETURN(gg, GetSpendModel(flags, data.rfm));
  }
  engine::ClvOptions clv_options;
  clv_options.months = flags.clv_months;
  clv_options.discount_rate_monthly = flags.discount_rate_monthly;
  clv_options.margin = flags.margin;
  clv_options.periods_per_month = PeriodsPerMonth(flags.input.period);
  CLV_RETURN_IF_ERROR(engine::ValidateClvOptions(clv_options));

  const engine::RfmData& d = data.rfm;
  std::string out = "customer_id,frequency,recency,T,p_alive,expected_purchases,expected_spend,clv\n";
  out.reserve(out.size() + std::min<std::size_t>(d.size(), 20000) * 128);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double x = d.frequency[i], t_x = d.recency[i], T = d.age[i];
    out += data.ids[i];
    out += ',';
    out += FormatDouble(x);
    out += ',';
    out += FormatDouble(t_x);
    out += ',';
    out += FormatDouble(T);
    out += ',';
    out += FormatDouble(model->ProbabilityAlive(x, t_x, T));
    out += ',';
    out += FormatDouble(model->ExpectedPurchases(flags.horizon, x, t_x, T));
    out += ',';
    if (spend && x > 0) {
      const double expected_spend = engine::GammaGammaExpectedSpend(gg, x, d.monetary[i]);
      out += FormatDouble(expected_spend);
      out += ',';
      out += FormatDouble(
          engine::CustomerLifetimeValue(*model, expected_spend, x, t_x, T, clv_options));
    } else {
      out += ',';
    }
    out += '\n';
    if (out.size() > (1u << 20)) {  // stream in 1 MiB pieces: memory stays flat for big files
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return Status::Ok();
}

int RunPredict(const PredictFlags& flags) {
  Status status = Predict(flags);
  if (!status.ok() && status.code() == StatusCode::kFailedPrecondition) {
    PrintError(kPredictCommand, status.message());
    return kExitFailure;
  }
  return ReportStatus(kPredictCommand, status);
}

CommandRunner SetupPredict(CLI::App& cmd) {
  auto flags = std::make_shared<PredictFlags>();
  cmd.add_option("--input", flags->input.path, "Transaction log or customer summary")->required();
  cmd.add_option("--model", flags->model, "Purchase model")
      ->required()
      ->check(CLI::IsMember({"bgnbd", "mbgnbd", "pnbd"}));
  cmd.add_option("--horizon", flags->horizon, "Forecast horizon in periods")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--period", flags->input.period, "Time unit of the data")
      ->check(CLI::IsMember({"day", "week", "month"}));
  cmd.add_option("--observation-end", flags->input.observation_end,
                 "Transaction logs: end of the observation period (default: last transaction)");
  cmd.add_option("--resolution", flags->input.resolution,
                 "Transaction logs: 'period' or 'day' (see clv fit --help)")
      ->check(CLI::IsMember({"period", "day"}));
  cmd.add_option("--columns", flags->input.columns,
                 "Column names of a header-less file, comma-separated")
      ->delimiter(',');
  cmd.add_option("--spend", flags->spend, "Spend model for expected_spend and clv")
      ->check(CLI::IsMember({"gg"}));
  cmd.add_option("--params", flags->params_path,
                 "Evaluate at these parameters (JSON) instead of fitting");
  cmd.add_option("--spend-params", flags->spend_params_path,
                 "Spend model parameters (JSON) instead of fitting");
  cmd.add_option("--clv-months", flags->clv_months, "CLV horizon in months")
      ->check(CLI::Range(1, 1200));
  cmd.add_option("--discount-rate-monthly", flags->discount_rate_monthly,
                 "Monthly discount rate of the CLV")
      ->check(CLI::Range(0.0, 10.0));
  cmd.add_option("--margin", flags->margin, "Profit margin applied to the CLV")
      ->check(CLI::Range(0.0, 1e6));
  return [flags] { return RunPredict(*flags); };
}

}  // namespace
}  // namespace clv::cli

CLV_REGISTER_COMMAND(predict, "Predict purchases, spend and CLV per customer",
                     clv::cli::SetupPredict);
