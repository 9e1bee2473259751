#include "ingest/csv_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace clv::ingest {
namespace {
constexpr char kBom[] = "\xEF\xBB\xBF";

static_assert(std::endian::native == std::endian::little, "FindSpecial assumes little-endian");

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Marks (high bit) the bytes of `word` equal to the byte broadcast in `pattern`. Borrows can
// mark bytes after the first match, never before, so the lowest mark is exact.
inline std::uint64_t MatchBytes(std::uint64_t word, std::uint64_t pattern) {
  const std::uint64_t x = word ^ pattern;
  return (x - kOnes) & ~x & kHighs;
}

}  // namespace

// The first byte in [p, end) that ends an unquoted run (delimiter, CR, LF, quote), or end.
// Eight bytes at a time (SWAR): the unquoted scan is the reader's inner loop.
const char* CsvReader::FindSpecial(const char* p, const char* end) const {
  const std::uint64_t delimiter = kOnes * static_cast<unsigned char>(options_.delimiter);
  while (end - p >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // little-endian: byte 0 is the lowest
    const std::uint64_t hits = MatchBytes(word, delimiter) | MatchBytes(word, kOnes * '\n') |
                               MatchBytes(word, kOnes * '\r') | MatchBytes(word, kOnes * '"');
    if (hits != 0) return p + (__builtin_ctzll(hits) >> 3);
    p += 8;
  }
  while (p < end && !special_[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

CsvReader::CsvReader(CsvOptions options) : options_(options) {
  CLV_CHECK(options_.delimiter != '"' && options_.delimiter != '\n' &&
            options_.delimiter != '\r');
  CLV_CHECK(options_.max_columns > 0 && options_.max_field_bytes > 0);
  special_[static_cast<unsigned char>(options_.delimiter)] = true;
  special_['\n'] = special_['\r'] = special_['"'] = true;
}

Status CsvReader::Fail(std::int64_t line, std::size_t column, std::string reason) {
  error_ = InvalidArgument("line " + std::to_string(line) + ", column " +
                           std::to_string(column) + ": " + std::move(reason));
  return error_;
}

Status CsvReader::Append(const char* data, std::size_t n) {
  buffer_.append(data, n);
  // Checked after appending: the overshoot is bounded by the chunk, and the check runs once
  // per run of ordinary bytes rather than per byte.
  if (buffer_.size() - field_begin_ > options_.max_field_bytes)
    return Fail(lines_.back(), ends_.size() + 1,
                "field is longer than " + std::to_string(options_.max_field_bytes) + " bytes");
  if (buffer_.size() > options_.max_record_bytes)
    return Fail(lines_.front(), ends_.size() + 1,
                "record is longer than " + std::to_string(options_.max_record_bytes) + " bytes");
  return Status::Ok();
}

Status CsvReader::EndField() {
  ends_.push_back(buffer_.size());
  if (ends_.size() > options_.max_columns)
    return Fail(lines_.back(), ends_.size(),
                "more than " + std::to_string(options_.max_columns) + " columns");
  return Status::Ok();
}

Status CsvReader::EndRecord(const RecordFn& on_record) {
  const bool blank = ends_.size() == 1 && ends_[0] == 0 && !field_quoted_;
  if (!(blank && options_.skip_blank_lines)) {
    CsvRecord record;
    record.buffer_ = &buffer_;
    record.ends_ = &ends_;
    record.lines_ = &lines_;
    Status s = on_record(record);
    if (!s.ok()) {
      error_ = s;
      return s;
    }
  }
  buffer_.clear();  // keeps capacity: no allocation per record in the steady state
  ends_.clear();
  lines_.clear();
  field_begin_ = 0;
  state_ = State::kRecordStart;
  return Status::Ok();
}

Status CsvReader::Process(std::string_view bytes, const RecordFn& on_record) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  const char delimiter = options_.delimiter;
  while (p < end) {
    if (skip_lf_) {  // the LF of a CRLF split from its CR by a record end (or a chunk end)
      skip_lf_ = false;
      if (*p == '\n') {
        ++p;
        continue;
      }
    }
    switch (state_) {
      case State::kRecordStart:
      case State::kFieldStart:
        lines_.push_back(line_);
        field_begin_ = buffer_.size();
        field_quoted_ = *p == '"';
        if (field_quoted_) {
          state_ = State::kQuoted;
          ++p;
        } else {
          state_ = State::kUnquoted;
        }
        break;

      case State::kUnquoted: {
        const char* q = FindSpecial(p, end);
        if (q != p) CLV_RETURN_IF_ERROR(Append(p, static_cast<std::size_t>(q - p)));
        p = q;
        if (p == end) break;
        const char c = *p++;
        if (c == delimiter) {
          CLV_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          CLV_RETURN_IF_ERROR(EndField());
          ++line_;
          skip_lf_ = c == '\r';
          CLV_RETURN_IF_ERROR(EndRecord(on_record));
        } else {
          return Fail(lines_.back(), ends_.size() + 1,
                      "quote inside an unquoted field (quote the whole field and write a "
                      "quote inside it as \"\")");
        }
        break;
      }

      case State::kQuoted: {
        const void* hit = std::memchr(p, '"', static_cast<std::size_t>(end - p));
        const char* q = hit ? static_cast<const char*>(hit) : end;
        line_ += std::count(p, q, '\n');
        if (q != p) CLV_RETURN_IF_ERROR(Append(p, static_cast<std::size_t>(q - p)));
        p = q;
        if (p == end) break;
        ++p;
        state_ = State::kQuoteInQuoted;
        break;
      }

      case State::kQuoteInQuoted: {
        const char c = *p++;
        if (c == '"') {  // "" inside quotes is one quote
          CLV_RETURN_IF_ERROR(Append("\"", 1));
          state_ = State::kQuoted;
        } else if (c == delimiter) {
          CLV_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          CLV_RETURN_IF_ERROR(EndField());
          ++line_;
          skip_lf_ = c == '\r';
          CLV_RETURN_IF_ERROR(EndRecord(on_record));
        } else {
          return Fail(lines_.back(), ends_.size() + 1,
                      "unexpected character after a closing quote (a quote inside a quoted "
                      "field is written \"\")");
        }
        break;
      }
    }
  }
  return Status::Ok();
}

Status CsvReader::Feed(std::string_view chunk, const RecordFn& on_record) {
  CLV_CHECK(!finished_);
  if (!error_.ok()) return error_;
  if (!bom_done_) {
    // The byte-order mark may itself be split across chunks: match it byte by byte, and if
    // the input turns out not to start with one, replay the bytes held back.
    std::size_t i = 0;
    while (i < chunk.size() && bom_seen_ < 3 && chunk[i] == kBom[bom_seen_]) {
      ++i;
      ++bom_seen_;
    }
    if (bom_seen_ == 3) {
      bom_done_ = true;
      chunk.remove_prefix(i);
    } else if (i < chunk.size()) {
      bom_done_ = true;
      chunk.remove_prefix(i);
      CLV_RETURN_IF_ERROR(Process(std::string_view(kBom, bom_seen_), on_record));
    } else {
      return Status::Ok();  // all of it may still be a BOM
    }
  }
  return Process(chunk, on_record);
}

Status CsvReader::Finish(const RecordFn& on_record) {
  CLV_CHECK(!finished_);
  finished_ = true;
  if (!error_.ok()) return error_;
  if (!bom_done_ && bom_seen_ > 0 && bom_seen_ < 3) {
    bom_done_ = true;
    CLV_RETURN_IF_ERROR(Process(std::string_view(kBom, bom_seen_), on_record));
  }
  switch (state_) {
    case State::kRecordStart:
      return Status::Ok();
    case State::kQuoted:
      return Fail(lines_.back(), ends_.size() + 1,
                  "quoted field is not closed before the end of the input");
    case State::kFieldStart:  // "a,b," at the end: a last, empty field that has no byte yet
      lines_.push_back(line_);
      field_begin_ = buffer_.size();
      field_quoted_ = false;
      [[fallthrough]];
    case State::kUnquoted:
    case State::kQuoteInQuoted:
      CLV_RETURN_IF_ERROR(EndField());
      return EndRecord(on_record);
  }
  return Status::Ok();
}

}  // namespace clv::ingest
