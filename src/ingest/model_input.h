// Parsing of model input files (`clv fit`, `clv predict`) into plain arrays.
//
// Pure parsing: no engine types and no I/O — the caller reads the file and passes its bytes.
// Four formats, recognised by the header row (names are matched case-insensitively after
// trimming spaces and surrounding double quotes):
//
//   transaction log   a customer column (customer_id, customer, id), a date column (date,
//                     timestamp, datetime, order_date, created_at) and optionally an amount
//                     column (amount, dollar_value, value, total, revenue, monetary_value);
//                     other columns are ignored. One row per order.
//   customer summary  frequency|x, recency|t_x, T|age, optionally customer_id|id|customer and
//                     monetary_value|monetary|zbar. One row per customer, already in periods.
//   pattern table     frequency|x, recency|t_x, periods|n, weights|weight|count (BG/BB).
//   survival series   any header that has the column named by ParseOptions::survival_column:
//                     that column holds the number of customers alive at the start of each
//                     period (sBG). Chosen whenever survival_column is set.
// The first match in the order survival, pattern table, summary, transaction log wins.
//
// Fields are separated by commas when the header row contains a comma, otherwise by runs of
// spaces and tabs (leading and trailing blanks ignored, as in the CDNOW text files). Comma
// fields may be double-quoted ("" inside quotes is a quote); blanks around fields are trimmed.
// LF and CRLF line ends, a UTF-8 byte-order mark, blank lines and a last line without a newline
// are accepted. A header-less file can be read by giving its column names in
// ParseOptions::columns (then line 1 is data).
//
// Dates: YYYY-MM-DD, YYYYMMDD, or an ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fraction]] with
// an optional offset (Z, +HH:MM, +HHMM, +HH); a date-time without an offset is taken as UTC.
// Every value is converted to the UTC instant, in seconds since 1970-01-01T00:00:00Z; a plain
// date is its midnight UTC. Years 1600..9999.
//
// Errors are InvalidArgument with the message "SOURCE:LINE:COLUMN: reason", LINE and COLUMN
// 1-based, COLUMN counting bytes from the start of the line (after a BOM on line 1) to the
// start of the offending field (or to the end of the line for a missing field). Checked per
// format:
//   summary:      finite numbers, none negative, frequency a whole number, recency <= T,
//                 recency = 0 when frequency = 0, monetary value finite and >= 0;
//   pattern:      whole numbers, 0 <= frequency <= recency <= periods, periods >= 1,
//                 recency = 0 when frequency = 0, weights > 0;
//   survival:     whole numbers >= 0, never increasing, first value > 0, at least 2 values;
//   transactions: a valid date, a finite amount >= 0 (refunds must be netted beforehand), a
//                 non-empty customer id.
// Every format needs at least one data row. A row must have exactly as many fields as the
// header (or options.columns).
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace clv::ingest {

enum class ModelInputFormat { kTransactions, kSummary, kPatternTable, kSurvival };

// "transactions", "summary", "pattern_table", "survival".
std::string_view ModelInputFormatName(ModelInputFormat format);

struct ModelInputOptions {
  // Name used at the start of error messages (usually the file path).
  std::string source_name = "input";
  // Column names of a header-less file, in order; empty: line 1 is the header.
  std::vector<std::string> columns;
  // Selects the survival-series format and its column (e.g. "regular_alive").
  std::string survival_column;
  // Whether to keep customer ids (summary and transaction log). Fitting does not need them;
  // dropping them saves memory and time on large files.
  bool keep_customer_ids = true;
  // Summary only: a monetary value must be > 0 on rows with frequency > 0 (the Gamma-Gamma
  // model needs it), reported at its position.
  bool require_positive_monetary = false;
};

// One row per order, in file order.
struct TransactionLog {
  std::vector<std::string> customer_ids;  // distinct ids, in order of first appearance
  std::vector<std::uint32_t> customer;    // per row: index into customer_ids
  std::vector<std::int64_t> time_s;       // per row: UTC seconds since 1970-01-01T00:00:00Z
  std::vector<double> amount;             // per row; empty when the file has no amount column
  std::vector<std::uint32_t> line;        // per row: 1-based line number in the file
  bool has_amount = false;
  std::size_t size() const { return customer.size(); }
};

// One row per customer, in file order, in the file's period unit.
struct CustomerSummary {
  std::vector<std::string> customer_id;  // empty when there is no id column or ids are dropped
  std::vector<double> frequency;         // repeat purchases
  std::vector<double> recency;           // time of the last purchase since the first
  std::vector<double> age;               // time from the first purchase to the observation end
  std::vector<double> monetary;          // mean repeat-purchase value; empty when no column
  std::vector<std::uint32_t> line;       // per row: 1-based line number in the file
  bool has_customer_id = false;
  bool has_monetary = false;
  std::size_t size() const { return frequency.size(); }
};

// BG/BB: one row per (frequency, recency) pattern over `periods` opportunities.
struct PatternTable {
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> periods;
  std::vector<double> weight;
  std::vector<std::uint32_t> line;
  std::size_t size() const { return frequency.size(); }
};

// sBG: customers alive at the start of periods 0, 1, 2, ...
struct SurvivalSeries {
  std::string column;
  std::vector<double> alive;
  std::vector<std::uint32_t> line;
};

struct ModelInput {
  ModelInputFormat format = ModelInputFormat::kSummary;
  TransactionLog transactions;  // filled when format == kTransactions
  CustomerSummary summary;      // filled when format == kSummary
  PatternTable patterns;        // filled when format == kPatternTable
  SurvivalSeries survival;      // filled when format == kSurvival
};

// Detects the format from the header (or options.columns) and parses every row.
Result<ModelInput> ParseModelInput(std::string_view text, const ModelInputOptions& options);

// Parses one date or date-time as described above into UTC seconds since the epoch.
// InvalidArgument (without position) when malformed or out of range.
Result<std::int64_t> ParseTimestamp(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

}  // namespace clv::ingest
