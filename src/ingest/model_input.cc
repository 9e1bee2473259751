#include "ingest/model_input.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

namespace clv::ingest {
namespace {

constexpr std::uint32_t kNoColumn = static_cast<std::uint32_t>(-1);

struct Field {
  std::string_view text;
  std::uint32_t column = 1;  // 1-based byte column of the field's first character
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsBlankLine(std::string_view s) { return Trim(s).empty(); }

// Quotes a field for an error message, shortened so that a binary blob cannot flood stderr.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  std::size_t n = std::min<std::size_t>(s.size(), 40);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > n) out += "...";
  out += "\"";
  return out;
}

// Splits one line (without its line end) into fields. Comma mode: fields between commas,
// blanks trimmed, optional double quotes. Blank mode: runs of spaces/tabs separate fields.
// Unescaped quoted text that needs a copy ("" inside quotes) is kept in `scratch`, which must
// outlive the fields. Returns false with `error_column` on an unterminated quote.
bool SplitLine(std::string_view line, bool comma, std::vector<Field>& fields,
               std::deque<std::string>& scratch, std::uint32_t& error_column) {
  fields.clear();
  scratch.clear();
  const std::size_t n = line.size();
  std::size_t i = 0;
  if (!comma) {
    while (i < n) {
      while (i < n && IsBlank(line[i])) ++i;
      if (i >= n) break;
      std::size_t start = i;
      while (i < n && !IsBlank(line[i])) ++i;
      fields.push_back({line.substr(start, i - start), static_cast<std::uint32_t>(start + 1)});
    }
    return true;
  }
  while (true) {
    while (i < n && IsBlank(line[i])) ++i;
    std::size_t start = i;
    if (i < n && line[i] == '"') {
      std::size_t j = i + 1;
      bool escaped = false;
      while (true) {
        if (j >= n) {
          error_column = static_cast<std::uint32_t>(start + 1);
          return false;
        }
        if (line[j] == '"') {
          if (j + 1 < n && line[j + 1] == '"') {
            escaped = true;
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      std::string_view inner = line.substr(i + 1, j - i - 1);
      if (escaped) {
        std::string copy;
        for (std::size_t k = 0; k < inner.size(); ++k) {
          copy += inner[k];
          if (inner[k] == '"') ++k;  // skip the second quote of ""
        }
        scratch.push_back(std::move(copy));
        inner = scratch.back();
      }
      i = j + 1;
      while (i < n && IsBlank(line[i])) ++i;
      if (i < n && line[i] != ',') {
        error_column = static_cast<std::uint32_t>(i + 1);
        return false;
      }
      fields.push_back({inner, static_cast<std::uint32_t>(start + 1)});
    } else {
      while (i < n && line[i] != ',') ++i;
      fields.push_back({Trim(line.substr(start, i - start)), static_cast<std::uint32_t>(start + 1)});
    }
    if (i >= n) break;
    ++i;  // the comma
  }
  return true;
}

std::string NormaliseName(std::string_view name) {
  name = Trim(name);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = Trim(name.substr(1, name.size() - 2));
  }
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::uint32_t FindColumn(const std::vector<std::string>& names,
                         std::initializer_list<std::string_view> aliases) {
  for (std::string_view alias : aliases) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == alias) return static_cast<std::uint32_t>(i);
    }
  }
  return kNoColumn;
}

enum class NumberError { kNone, kEmpty, kNotANumber, kNotFinite, kOutOfRange };

// std::from_chars (locale-free, fast); accepts one leading '+'.
NumberError ParseDouble(std::string_view s, double& out) {
  if (s.empty()) return NumberError::kEmpty;
  if (s.front() == '+' && s.size() > 1 && s[1] != '-') s.remove_prefix(1);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return NumberError::kOutOfRange;
  if (ec != std::errc() || ptr != end) return NumberError::kNotANumber;
  if (!std::isfinite(out)) return NumberError::kNotFinite;
  return NumberError::kNone;
}

class Parser {
 public:
  Parser(std::string_view text, const ModelInputOptions& options)
      : text_(text), options_(options) {}

  Result<ModelInput> Run();

 private:
  Status Error(std::uint32_t line, std::uint32_t column, std::string_view reason) const {
    return InvalidArgument(options_.source_name + ":" + std::to_string(line) + ":" +
                           std::to_string(column) + ": " + std::string(reason));
  }

  // Advances to the next non-blank line; false at the end of the text.
  bool NextLine(std::string_view& line) {
    while (pos_ < text_.size()) {
      const char* start = text_.data() + pos_;
      const void* nl = std::memchr(start, '\n', text_.size() - pos_);
      std::size_t len = nl ? static_cast<const char*>(nl) - start : text_.size() - pos_;
      line = std::string_view(start, len);
      pos_ = std::min(pos_ + len + 1, text_.size());
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!IsBlankLine(line)) return true;
    }
    return false;
  }

  // Splits the current line and checks its width against the header.
  Status Split(std::string_view line) {
    std::uint32_t bad_column = 0;
    if (!SplitLine(line, comma_, fields_, scratch_, bad_column)) {
      return Error(line_no_, bad_column, "unterminated or malformed quoted field");
    }
    if (fields_.size() < width_) {
      return Error(line_no_, static_cast<std::uint32_t>(line.size() + 1),
                   "expected " + std::to_string(width_) + " fields, found " +
                       std::to_string(fields_.size()));
    }
    if (fields_.size() > width_) {
      return Error(line_no_, fields_[width_].column,
                   "too many fields: expected " + std::to_string(width_) + ", found " +
                       std::to_string(fields_.size()));
    }
    return Status::Ok();
  }

  // Parses field `index` as a finite number; `what` names it in the message.
  Status Number(std::uint32_t index, std::string_view what, double& out) const {
    const Field& f = fields_[index];
    switch (ParseDouble(f.text, out)) {
      case NumberError::kNone: return Status::Ok();
      case NumberError::kEmpty:
        return Error(line_no_, f.column, std::string(what) + " is empty");
      case NumberError::kNotANumber:
        return Error(line_no_, f.column, std::string(what) + " " + Quoted(f.text) +
                                             " is not a number");
      case NumberError::kNotFinite:
        return Error(line_no_, f.column, std::string(what) + " " + Quoted(f.text) +
                                             " is not a finite number");
      case NumberError::kOutOfRange:
        return Error(line_no_, f.column, std::string(what) + " " + Quoted(f.text) +
                                             " is out of range");
    }
    return Status::Ok();
  }

  Status NonNegative(std::uint32_t index, std::string_view what, double& out) const {
    CLV_RETURN_IF_ERROR(Number(index, what, out));
    if (out < 0) {
      return Error(line_no_, fields_[index].column,
                   std::string(what) + " " + Quoted(fields_[index].text) + " is negative");
    }
    return Status::Ok();
  }

  Status Whole(std::uint32_t index, std::string_view what, double& out) const {
    CLV_RETURN_IF_ERROR(NonNegative(index, what, out));
    if (std::floor(out) != out) {
      return Error(line_no_, fields_[index].column,
                   std::string(what) + " " + Quoted(fields_[index].text) +
                       " is not a whole number");
    }
    return Status::Ok();
  }

  Status ParseSummary(ModelInput& input, std::uint32_t id, std::uint32_t freq, std::uint32_t rec,
                      std::uint32_t age, std::uint32_t money);
  Status ParsePatterns(ModelInput& input, std::uint32_t freq, std::uint32_t rec,
                       std::uint32_t periods, std::uint32_t weight);
  Status ParseSurvival(ModelInput& input, std::uint32_t column);
  Status ParseTransactions(ModelInput& input, std::uint32_t id, std::uint32_t date,
                           std::uint32_t amount);

  std::size_t EstimatedRows() const {
    return static_cast<std::size_t>(std::count(text_.begin() + pos_, text_.end(), '\n')) + 1;
  }

  std::string_view text_;
  const ModelInputOptions& options_;
  std::size_t pos_ = 0;
  std::uint32_t line_no_ = 0;
  bool comma_ = true;
  std::size_t width_ = 0;
  std::vector<Field> fields_;
  std::deque<std::string> scratch_;
  bool pending_first_line_ = false;  // header-less: the first line is data, already read
  std::string_view first_line_;
};

Result<ModelInput> Parser::Run() {
  if (text_.size() >= 3 && static_cast<unsigned char>(text_[0]) == 0xEF &&
      static_cast<unsigned char>(text_[1]) == 0xBB && static_cast<unsigned char>(text_[2]) == 0xBF) {
    text_.remove_prefix(3);
  }
  std::string_view first;
  if (!NextLine(first)) {
    return Error(1, 1, "the file is empty: expected a header row");
  }
  comma_ = first.find(',') != std::string_view::npos;
  std::vector<std::string> names;
  if (options_.columns.empty()) {
    std::uint32_t bad_column = 0;
    if (!SplitLine(first, comma_, fields_, scratch_, bad_column)) {
      return Error(line_no_, bad_column, "unterminated or malformed quoted field in the header");
    }
    for (const Field& f : fields_) names.push_back(NormaliseName(f.text));
  } else {
    for (const std::string& c : options_.columns) names.push_back(NormaliseName(c));
    pending_first_line_ = true;
    first_line_ = first;
  }
  width_ = names.size();
  const std::uint32_t header_line = options_.columns.empty() ? line_no_ : 0;

  ModelInput input;
  const std::uint32_t freq = FindColumn(names, {"frequency", "x"});
  const std::uint32_t rec = FindColumn(names, {"recency", "t_x"});
  const std::uint32_t id = FindColumn(names, {"customer_id", "id", "customer"});

  if (!options_.survival_column.empty()) {
    const std::uint32_t col = FindColumn(names, {NormaliseName(options_.survival_column)});
    if (col == kNoColumn) {
      return Error(header_line ? header_line : 1, 1,
                   "no column named " + Quoted(options_.survival_column) + " in the header");
    }
    input.format = ModelInputFormat::kSurvival;
    input.survival.column = options_.survival_column;
    CLV_RETURN_IF_ERROR(ParseSurvival(input, col));
    return input;
  }
  const std::uint32_t periods = FindColumn(names, {"periods", "n"});
  const std::uint32_t weights = FindColumn(names, {"weights", "weight", "count"});
  if (freq != kNoColumn && rec != kNoColumn && periods != kNoColumn && weights != kNoColumn) {
    input.format = ModelInputFormat::kPatternTable;
    CLV_RETURN_IF_ERROR(ParsePatterns(input, freq, rec, periods, weights));
    return input;
  }
  const std::uint32_t age = FindColumn(names, {"t", "age"});
  if (freq != kNoColumn && rec != kNoColumn && age != kNoColumn) {
    input.format = ModelInputFormat::kSummary;
    const std::uint32_t money = FindColumn(names, {"monetary_value", "monetary", "zbar"});
    CLV_RETURN_IF_ERROR(ParseSummary(input, id, freq, rec, age, money));
    return input;
  }
  const std::uint32_t date =
      FindColumn(names, {"date", "timestamp", "datetime", "order_date", "created_at"});
  if (id != kNoColumn && date != kNoColumn) {
    input.format = ModelInputFormat::kTransactions;
    const std::uint32_t amount =
        FindColumn(names, {"amount", "dollar_value", "value", "total", "revenue",
                           "monetary_value"});
    CLV_RETURN_IF_ERROR(ParseTransactions(input, id, date, amount));
    return input;
  }
  return Error(header_line ? header_line : 1, 1,
               "unrecognised header: expected a transaction log (customer_id, date, amount), "
               "a customer summary (frequency, recency, T), a pattern table (frequency, "
               "recency, periods, weights) or a survival column (--column)");
}

Status Parser::ParseSummary(ModelInput& input, std::uint32_t id, std::uint32_t freq,
                            std::uint32_t rec, std::uint32_t age, std::uint32_t money) {
  CustomerSummary& s = input.summary;
  s.has_customer_id = id != kNoColumn;
  s.has_monetary = money != kNoColumn;
  const bool keep_ids = s.has_customer_id && options_.keep_customer_ids;
  const std::size_t estimate = EstimatedRows();
  s.frequency.reserve(estimate);
  s.recency.reserve(estimate);
  s.age.reserve(estimate);
  s.line.reserve(estimate);
  if (s.has_monetary) s.monetary.reserve(estimate);
  if (keep_ids) s.customer_id.reserve(estimate);
  std::string_view line;
  while (pending_first_line_ || NextLine(line)) {
    if (pending_first_line_) {
      line = first_line_;
      pending_first_line_ = false;
    }
    CLV_RETURN_IF_ERROR(Split(line));
    double x = 0, t_x = 0, T = 0, m = 0;
    CLV_RETURN_IF_ERROR(Whole(freq, "frequency", x));
    CLV_RETURN_IF_ERROR(NonNegative(rec, "recency", t_x));
    CLV_RETURN_IF_ERROR(NonNegative(age, "T", T));
    if (t_x > T) {
      return Error(line_no_, fields_[rec].column,
                   "recency " + Quoted(fields_[rec].text) + " is greater than T " +
                       Quoted(fields_[age].text));
    }
    if (x == 0 && t_x != 0) {
      return Error(line_no_, fields_[rec].column,
                   "recency " + Quoted(fields_[rec].text) +
                       " must be 0 when frequency is 0 (no repeat purchase)");
    }
    if (s.has_monetary) {
      CLV_RETURN_IF_ERROR(NonNegative(money, "monetary value", m));
      if (options_.require_positive_monetary && x > 0 && m == 0) {
        return Error(line_no_, fields_[money].column,
                     "monetary value must be positive for a customer with repeat purchases");
      }
      s.monetary.push_back(m);
    }
    if (s.has_customer_id) {
      if (fields_[id].text.empty()) return Error(line_no_, fields_[id].column, "empty customer id");
      if (keep_ids) s.customer_id.emplace_back(fields_[id].text);
    }
    s.frequency.push_back(x);
    s.recency.push_back(t_x);
    s.age.push_back(T);
    s.line.push_back(line_no_);
  }
  if (s.size() == 0) return Error(line_no_ + 1, 1, "no data rows after the header");
  return Status::Ok();
}

Status Parser::ParsePatterns(ModelInput& input, std::uint32_t freq, std::uint32_t rec,
                             std::uint32_t periods, std::uint32_t weight) {
  PatternTable& p = input.patterns;
  std::string_view line;
  while (pending_first_line_ || NextLine(line)) {
    if (pending_first_line_) {
      line = first_line_;
      pending_first_line_ = false;
    }
    CLV_RETURN_IF_ERROR(Split(line));
    double x = 0, t_x = 0, n = 0, w = 0;
    CLV_RETURN_IF_ERROR(Whole(freq, "frequency", x));
    CLV_RETURN_IF_ERROR(Whole(rec, "recency", t_x));
    CLV_RETURN_IF_ERROR(Whole(periods, "periods", n));
    CLV_RETURN_IF_ERROR(NonNegative(weight, "weight", w));
    if (x > t_x) {
      return Error(line_no_, fields_[freq].column,
                   "frequency " + Quoted(fields_[freq].text) + " is greater than recency " +
                       Quoted(fields_[rec].text));
    }
    if (x == 0 && t_x != 0) {
      return Error(line_no_, fields_[rec].column,
                   "recency " + Quoted(fields_[rec].text) + " must be 0 when frequency is 0");
    }
    if (t_x > n) {
      return Error(line_no_, fields_[rec].column,
                   "recency " + Quoted(fields_[rec].text) + " is greater than periods " +
                       Quoted(fields_[periods].text));
    }
    if (n == 0) {
      return Error(line_no_, fields_[periods].column, "periods must be at least 1");
    }
    if (w == 0) {
      return Error(line_no_, fields_[weight].column, "weight must be positive");
    }
    p.frequency.push_back(x);
    p.recency.push_back(t_x);
    p.periods.push_back(n);
    p.weight.push_back(w);
    p.line.push_back(line_no_);
  }
  if (p.size() == 0) return Error(line_no_ + 1, 1, "no data rows after the header");
  return Status::Ok();
}

Status Parser::ParseSurvival(ModelInput& input, std::uint32_t column) {
  SurvivalSeries& s = input.survival;
  std::string_view line;
  while (pending_first_line_ || NextLine(line)) {
    if (pending_first_line_) {
      line = first_line_;
      pending_first_line_ = false;
    }
    CLV_RETURN_IF_ERROR(Split(line));
    double alive = 0;
    CLV_RETURN_IF_ERROR(Whole(column, "alive count", alive));
    if (s.alive.empty() && alive == 0) {
      return Error(line_no_, fields_[column].column, "the first alive count must be positive");
    }
    if (!s.alive.empty() && alive > s.alive.back()) {
      return Error(line_no_, fields_[column].column,
                   "alive count " + Quoted(fields_[column].text) +
                       " is greater than the previous period's (a cohort cannot grow)");
    }
    s.alive.push_back(alive);
    s.line.push_back(line_no_);
  }
  if (s.alive.size() < 2) {
    return Error(line_no_ + 1, 1, "a survival series needs at least 2 periods");
  }
  return Status::Ok();
}

// Heterogeneous lookup so that a row's id (a string_view into the text) is copied only when new.
struct IdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

Status Parser::ParseTransactions(ModelInput& input, std::uint32_t id, std::uint32_t date,
                                 std::uint32_t amount) {
  TransactionLog& t = input.transactions;
  t.has_amount = amount != kNoColumn;
  const std::size_t estimate = EstimatedRows();
  t.customer.reserve(estimate);
  t.time_s.reserve(estimate);
  t.line.reserve(estimate);
  if (t.has_amount) t.amount.reserve(estimate);
  std::unordered_map<std::string, std::uint32_t, IdHash, std::equal_to<>> index;
  std::string_view line;
  while (pending_first_line_ || NextLine(line)) {
    if (pending_first_line_) {
      line = first_line_;
      pending_first_line_ = false;
    }
    CLV_RETURN_IF_ERROR(Split(line));
    const Field& id_field = fields_[id];
    if (id_field.text.empty()) return Error(line_no_, id_field.column, "empty customer id");
    Result<std::int64_t> when = ParseTimestamp(fields_[date].text);
    if (!when.ok()) return Error(line_no_, fields_[date].column, when.status().message());
    if (t.has_amount) {
      double value = 0;
      CLV_RETURN_IF_ERROR(Number(amount, "amount", value));
      if (value < 0) {
        return Error(line_no_, fields_[amount].column,
                     "amount " + Quoted(fields_[amount].text) +
                         " is negative (net refunds into their orders first)");
      }
      t.amount.push_back(value);
    }
    auto it = index.find(id_field.text);
    std::uint32_t customer;
    if (it == index.end()) {
      customer = static_cast<std::uint32_t>(t.customer_ids.size());
      index.emplace(std::string(id_field.text), customer);
      t.customer_ids.emplace_back(id_field.text);
    } else {
      customer = it->second;
    }
    t.customer.push_back(customer);
    t.time_s.push_back(*when);
    t.line.push_back(line_no_);
  }
  if (t.size() == 0) return Error(line_no_ + 1, 1, "no data rows after the header");
  if (!options_.keep_customer_ids) {
    // Ids are needed while parsing (to group rows) but not by the caller.
    t.customer_ids.assign(t.customer_ids.size(), std::string());
  }
  return Status::Ok();
}

bool ReadDigits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::string_view ModelInputFormatName(ModelInputFormat format) {
  switch (format) {
    case ModelInputFormat::kTransactions: return "transactions";
    case ModelInputFormat::kSummary: return "summary";
    case ModelInputFormat::kPatternTable: return "pattern_table";
    case ModelInputFormat::kSurvival: return "survival";
  }
  return "unknown";
}

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Result<std::int64_t> ParseTimestamp(std::string_view s) {
  auto bad = [&] {
    return InvalidArgument("date " + Quoted(s) +
                           " is not YYYY-MM-DD, YYYYMMDD or an ISO 8601 date-time");
  };
  int year = 0, month = 0, day = 0;
  std::size_t pos = 0;
  if (s.size() == 8 && ReadDigits(s, 0, 4, year) && ReadDigits(s, 4, 2, month) &&
      ReadDigits(s, 6, 2, day)) {
    pos = 8;
  } else if (s.size() >= 10 && ReadDigits(s, 0, 4, year) && s[4] == '-' &&
             ReadDigits(s, 5, 2, month) && s[7] == '-' && ReadDigits(s, 8, 2, day)) {
    pos = 10;
  } else {
    return bad();
  }
  if (year < 1600 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return InvalidArgument("date " + Quoted(s) + " does not exist");
  }
  std::int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month),
                                       static_cast<unsigned>(day)) * 86400;
  if (pos == s.size()) return seconds;
  if (pos != 10 || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return bad();
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, pos, 2, hour) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !ReadDigits(s, pos + 3, 2, minute)) {
    return bad();
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!ReadDigits(s, pos + 1, 2, second)) return bad();
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      const std::size_t digits_start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == digits_start) return bad();  // fractions below a second do not move a period
    }
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return InvalidArgument("time of day in " + Quoted(s) + " is out of range");
  }
  seconds += hour * 3600 + minute * 60 + second;
  if (pos == s.size()) return seconds;
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return seconds;
  if (s[pos] != '+' && s[pos] != '-') return bad();
  const int sign = s[pos] == '+' ? 1 : -1;
  ++pos;
  int off_h = 0, off_m = 0;
  if (!ReadDigits(s, pos, 2, off_h)) return bad();
  pos += 2;
  if (pos < s.size()) {
    if (s[pos] == ':') ++pos;
    if (!ReadDigits(s, pos, 2, off_m)) return bad();
    pos += 2;
  }
  if (pos != s.size()) return bad();
  if (off_h > 23 || off_m > 59) {
    return InvalidArgument("UTC offset in " + Quoted(s) + " is out of range");
  }
  // Local time = UTC + offset, so UTC = local - offset.
  return seconds - sign * (off_h * 3600 + off_m * 60);
}

Result<ModelInput> ParseModelInput(std::string_view text, const ModelInputOptions& options) {
  Parser parser(text, options);
  return parser.Run();
}

}  // namespace clv::ingest
