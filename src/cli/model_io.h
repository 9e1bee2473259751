// Helpers shared by `clv fit` and `clv predict`: reading model input files, turning the parsed
// arrays (ingest/model_input.h) into engine types, printing fits as JSON or a table, and reading
// parameter files.
//
// Errors are Status values whose code picks the exit code (cli/commands.h ReportStatus):
// NotFound = a file cannot be opened (66), InvalidArgument = bad data, "FILE:LINE:COLUMN:
// reason" when there is a position (65).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/data/transactions.h"
#include "engine/optim/mle.h"
#include "ingest/model_input.h"

namespace clv::cli {

// The whole file as bytes. NotFound "PATH: cannot open: <reason>" when it cannot be read.
Result<std::string> ReadWholeFile(const std::string& path);

// Input flags common to fit and predict.
struct InputFlags {
  std::string path;
  std::string period;                // day | week | month; empty = week (or the model's unit)
  std::string observation_end;       // transaction logs: a date; empty = the last transaction
  std::string resolution = "period"; // transaction logs: period | day (see ToCustomerData)
  std::vector<std::string> columns;  // names for a header-less file
  std::string survival_column;       // sBG: the column of customers alive
};

engine::Period ParsePeriodName(std::string_view name);  // "day" | "week" | "month" (checked by CLI11)

// Reads and parses the input file; NotFound when it cannot be opened.
Result<ingest::ModelInput> LoadModelInput(const InputFlags& flags, bool keep_customer_ids,
                                          bool require_positive_monetary = false);

// Per-customer data for the purchase models and Gamma-Gamma.
struct CustomerData {
  engine::RfmData rfm;           // one row per customer; monetary filled when known
  std::vector<std::string> ids;  // when asked for: one per row
  bool has_monetary = false;
};

// From a customer summary (moved out of `input`) or a transaction log. Transaction logs are
// summarised by engine::SummarizeTransactions at the observation end (flags.observation_end,
// default the day of the last transaction) with:
//   resolution "period": lifetimes' summary_data_from_transaction_data(freq=period): repeat
//     purchases are distinct periods, times whole periods;
//   resolution "day": lifetimes' freq='D', freq_multiplier=7 (week) / 30.4375 (month): repeat
//     purchases are distinct days, times in days divided by the days per period — the way the
//     CDNOW summaries of Fader, Hardie & Lee (2005) were made.
// InvalidArgument "FILE:1:1: ..." when the input is of another format (`model` names the model
// in the message), or for a bad observation end.
Result<CustomerData> ToCustomerData(ingest::ModelInput& input, const InputFlags& flags,
                                    std::string_view model, bool keep_ids);

// InvalidArgument "FILE:1:1: model M needs <what>; this file is a <format>".
Status WrongInput(const InputFlags& flags, std::string_view model, std::string_view needs,
                  ingest::ModelInputFormat got);

// Shortest text that reads back as the same double (std::to_chars), e.g. "0.243", "-9582.4",
// "1e-300". Non-finite values give "nan", "inf", "-inf".
std::string FormatDouble(double value);
// Like FormatDouble, but null for a non-finite value (JSON has no NaN).
std::string JsonNumber(double value);
std::string JsonString(std::string_view s);

// Everything `clv fit` prints.
struct FitOutput {
  std::string model;                     // bgnbd, mbgnbd, pnbd, gg, bgbb, sbg
  std::vector<std::string> param_names;  // the papers' names
  engine::MleResult mle;
  std::string input_path;
  std::string input_format;              // ingest::ModelInputFormatName
  std::string period;
  double customers = 0;                  // total weight
  std::size_t distinct_rows = 0;         // rows the likelihood was evaluated on
  double input_time_ms = 0;              // reading, parsing and summarising the file
  // Extra facts printed after the standard ones, e.g. {"frequency_monetary_correlation", r}.
  std::vector<std::pair<std::string, double>> extras;
};

// {"model", "params", "standard_errors", "confidence_intervals", "log_likelihood", "converged",
//  "message", "iterations", "starts_tried", "gradient_norm", "aic", "bic", "customers",
//  "distinct_rows", "period", "input", "input_format", "wall_time_ms", "input_time_ms",
//  extras...} on one line, ending with a newline.
std::string FitToJson(const FitOutput& fit);
// A human-readable aligned table with the same facts.
std::string FitToTable(const FitOutput& fit);

// Reads model parameters from a JSON file: the output of `clv fit` (its "params" object), an
// object keyed by model name ({"bgnbd": {...}, "gg": {...}}: the entry `model_key`), or a flat
// object {"r": ..}. `names` are the parameters wanted, in order; `aliases` maps a wanted name
// to another accepted spelling (lifetimes' "v" for Gamma-Gamma's gamma). NotFound when the
// file cannot be opened; InvalidArgument "FILE: ..." for bad JSON or a missing or non-numeric
// parameter.
Result<std::vector<double>> ReadParamsFile(const std::string& path, std::string_view model_key,
                                           const std::vector<std::string>& names,
                                           const std::map<std::string, std::string>& aliases = {});

// Milliseconds on the steady clock since `start_ns` (from SteadyNowNs()).
std::int64_t SteadyNowNs();
double ElapsedMs(std::int64_t start_ns);

}  // namespace clv::cli
