// A streaming RFC 4180 CSV reader: feed chunks of any size, get complete records.
//
// Accepts: fields separated by `delimiter`; records ended by CRLF, LF or a lone CR; quoted
// fields ("...") with "" for a quote and embedded delimiters and line breaks; a UTF-8
// byte-order mark at the very start (dropped); a last record without a line end. Blank lines
// (a record that is one empty, unquoted field) are skipped when skip_blank_lines is set.
// Rejected, as InvalidArgument "line L, column C: reason" (L the physical line where the
// field starts, C its 1-based field number): a quote inside an unquoted field, a character
// other than a delimiter or line end after a closing quote, a field longer than
// max_field_bytes, a record with more than max_columns fields or more than max_record_bytes,
// and (at Finish) a quoted field still open at the end of input. Errors are sticky: once one
// is returned, every later Feed/Finish returns it again.
//
// Chunk boundaries may fall anywhere (inside a quoted field, between CR and LF, inside the
// byte-order mark); the records produced are the same for every split of the same bytes.
// Memory is bounded by max_record_bytes plus the fields' bookkeeping, whatever the input size.
// Bytes are passed through as they are (no encoding check). Not thread-safe; one per stream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace clv::ingest {

struct CsvOptions {
  char delimiter = ',';
  std::size_t max_field_bytes = 64 * 1024;
  std::size_t max_columns = 1024;
  std::size_t max_record_bytes = 1024 * 1024;
  bool skip_blank_lines = true;
};

// One record; views into the reader's buffer, valid only during the callback.
class CsvRecord {
 public:
  std::size_t size() const { return ends_->size(); }
  // Field i (0-based), unquoted and unescaped.
  std::string_view field(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : (*ends_)[i - 1];
    return std::string_view(*buffer_).substr(begin, (*ends_)[i] - begin);
  }
  // Physical line (1-based) on which field i starts; line() is that of the first field.
  std::int64_t field_line(std::size_t i) const { return (*lines_)[i]; }
  std::int64_t line() const { return (*lines_)[0]; }

 private:
  friend class CsvReader;
  const std::string* buffer_ = nullptr;
  const std::vector<std::size_t>* ends_ = nullptr;
  const std::vector<std::int64_t>* lines_ = nullptr;
};

class CsvReader {
 public:
  // Called once per record, in order. A non-OK return stops the reader and is returned by
  // Feed/Finish (and is sticky like a syntax error).
  using RecordFn = std::function<Status(const CsvRecord&)>;

  explicit CsvReader(CsvOptions options = {});

  // Consumes `chunk`, calling on_record for each record completed by it.
  Status Feed(std::string_view chunk, const RecordFn& on_record);
  // Ends the input: completes a last record without a line end, or reports an unterminated
  // quoted field. Further Feed calls after Finish are a bug (CHECK).
  Status Finish(const RecordFn& on_record);

  // Physical lines started so far (1 + line ends consumed).
  std::int64_t line() const { return line_; }

 private:
  enum class State { kRecordStart, kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  Status Process(std::string_view bytes, const RecordFn& on_record);
  Status EndField();
  Status EndRecord(const RecordFn& on_record);
  Status Fail(std::int64_t line, std::size_t column, std::string reason);
  Status Append(const char* data, std::size_t n);
  const char* FindSpecial(const char* p, const char* end) const;

  CsvOptions options_;
  std::array<bool, 256> special_{};  // bytes that end an unquoted run: delimiter, CR, LF, '"'
  State state_ = State::kRecordStart;
  std::string buffer_;                // the current record's field bytes, concatenated
  std::vector<std::size_t> ends_;     // end offset in buffer_ of each completed field
  std::vector<std::int64_t> lines_;   // start line of each field (incl. the open one)
  std::size_t field_begin_ = 0;       // offset in buffer_ where the open field starts
  bool field_quoted_ = false;
  std::int64_t line_ = 1;
  bool skip_lf_ = false;      // the previous byte was a CR ending a record
  std::size_t bom_seen_ = 0;  // bytes of the byte-order mark matched so far
  bool bom_done_ = false;
  bool finished_ = false;
  Status error_;
};

}  // namespace clv::ingest
