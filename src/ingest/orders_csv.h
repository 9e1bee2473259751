// Orders CSV (POST /orders/import, `clv import FILE.csv`) -> OrderInput records, streamed.
//
// The first record is the header. Column names are matched case-insensitively after trimming
// blanks; order is free; unknown columns are ignored. Required: id, customer_id, placed_at,
// total, currency. Optional: status, email, refund_of. Values follow the same rules as the
// JSON API (orders_json.h, order_fields.h), except that every value is text: an empty
// optional cell means "absent". placed_at needs a UTC offset unless options.rules.timestamp
// says otherwise.
//
// Fatal problems stop the parse and come back as a non-OK Status from Feed/Finish: CSV syntax
// errors (csv_reader.h: "line 12, column 3: quote inside an unquoted field ..."), a header
// missing a required column ("missing required column 'currency' (the header has: id, ...)"),
// a column named twice, an empty input, a header without data rows. Problems with one row are
// reported as RowError values and the parse goes on, so a client can fix every row at once:
// "line 57, column 4 (total): '12.505' has more than 2 decimal places for USD". A row with the
// wrong number of fields, and an id already seen earlier in the file ("duplicate id 'A-1'
// (first on line 12)"), are row errors too. A row with any error produces no OrderInput.
//
// Memory: bounded by the CSV limits plus the index of ids seen: per row the id's bytes plus 9
// (in 1 MiB blocks), plus 16-32 bytes of hash table (about 40 MB for a million 12-byte ids,
// 24 MB of it while the table doubles). Not thread-safe; one per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "ingest/csv_reader.h"
#include "ingest/order_fields.h"

namespace clv::ingest {

struct RowError {
  std::int64_t line = 0;     // physical line (1-based) where the offending field starts
  std::size_t column = 0;    // 1-based field number; 0 when the error is about the whole row
  std::string column_name;   // header name of that column ("total"); empty for the whole row
  std::string message;
  // "line 57, column 4 (total): ..." or "line 57: ..." for a whole-row error.
  std::string ToString() const;
  friend bool operator==(const RowError&, const RowError&) = default;
};

struct OrdersCsvOptions {
  explicit OrdersCsvOptions(OrderRules r) : rules(r) {}
  OrderRules rules;
  std::string source = "csv";  // written to OrderInput::source
  std::size_t max_errors = 100;  // row errors kept; the rest are only counted
  CsvOptions csv;
};

class OrdersCsvParser {
 public:
  explicit OrdersCsvParser(OrdersCsvOptions options);
  ~OrdersCsvParser();
  OrdersCsvParser(OrdersCsvParser&&) = delete;  // the reader's callback points at this

  // Parses the records completed by `chunk`, appending valid orders to `out` and row errors to
  // `errors` (both are appended to, never cleared, so a caller may drain them between calls
  // to bound memory). Returns a non-OK Status for fatal problems only (see the file comment).
  Status Feed(std::string_view chunk, std::vector<OrderInput>& out, std::vector<RowError>& errors);
  // Ends the input; same contract as Feed. Calling Feed after Finish is a bug (CHECK).
  Status Finish(std::vector<OrderInput>& out, std::vector<RowError>& errors);

  std::int64_t data_rows() const { return data_rows_; }       // rows after the header
  std::int64_t error_count() const { return error_count_; }   // all row errors, incl. omitted
  std::int64_t errors_omitted() const { return error_count_ - errors_reported_; }

 private:
  enum Column { kId, kCustomerId, kPlacedAt, kTotal, kCurrency, kStatus, kEmail, kRefundOf,
                kColumnCount };

  Status OnRecord(const CsvRecord& record);
  Status OnHeader(const CsvRecord& record);
  void OnRow(const CsvRecord& record);
  void AddError(std::int64_t line, std::size_t column, std::string_view name, std::string message);
  void AddFieldError(const CsvRecord& record, Column c, const Status& status);

  OrdersCsvOptions options_;
  CsvReader reader_;
  CsvReader::RecordFn on_record_;
  bool have_header_ = false;
  std::size_t header_width_ = 0;
  std::size_t index_[kColumnCount];  // field index of each column; SIZE_MAX when absent
  class IdIndex;                      // id -> line first seen (flat hash table, orders_csv.cc)
  std::unique_ptr<IdIndex> first_line_;
  std::int64_t data_rows_ = 0;
  std::int64_t error_count_ = 0;
  std::int64_t errors_reported_ = 0;
  // The sinks of the Feed/Finish call in progress.
  std::vector<OrderInput>* out_ = nullptr;
  std::vector<RowError>* errors_ = nullptr;
};

// Convenience for whole inputs already in memory (tests, small uploads): the orders, or
// InvalidArgument with the fatal error or up to 10 row errors ("3 errors: line 4, ...").
Result<std::vector<OrderInput>> ParseOrdersCsv(std::string_view text,
                                               const OrdersCsvOptions& options);

}  // namespace clv::ingest
