#include "ingest/orders_csv.h"

#include <cstdint>
#include <limits>

#include "core/money.h"

namespace clv::ingest {
namespace {

constexpr std::string_view kNames[] = {"id",       "customer_id", "placed_at", "total",
                                       "currency", "status",      "email",     "refund_of"};
constexpr int kRequiredColumns = 5;  // the first five of kNames
constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

std::string LowerTrimmed(std::string_view s) {
  s = TrimBlanks(s);
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

std::string RowError::ToString() const {
  std::string out = "line " + std::to_string(line);
  if (column > 0) {
    out += ", column " + std::to_string(column);
    if (!column_name.empty()) out += " (" + column_name + ")";
  }
  out += ": ";
  out += message;
  return out;
}

OrdersCsvParser::OrdersCsvParser(OrdersCsvOptions options)
    : options_(std::move(options)), reader_(options_.csv) {
  for (auto& i : index_) i = kAbsent;
  on_record_ = [this](const CsvRecord& record) { return OnRecord(record); };
}

void OrdersCsvParser::AddError(std::int64_t line, std::size_t column, std::string_view name,
                               std::string message) {
  ++error_count_;
  if (errors_reported_ >= static_cast<std::int64_t>(options_.max_errors)) return;
  ++errors_reported_;
  errors_->push_back(RowError{line, column, std::string(name), std::move(message)});
}

void OrdersCsvParser::AddFieldError(const CsvRecord& record, Column c, const Status& status) {
  AddError(record.field_line(index_[c]), index_[c] + 1, kNames[c], status.message());
}

Status OrdersCsvParser::OnHeader(const CsvRecord& record) {
  have_header_ = true;
  header_width_ = record.size();
  for (std::size_t i = 0; i < record.size(); ++i) {
    const std::string name = LowerTrimmed(record.field(i));
    for (int c = 0; c < kColumnCount; ++c) {
      if (name != kNames[c]) continue;
      if (index_[c] != kAbsent)
        return InvalidArgument("line " + std::to_string(record.line()) + ": column '" + name +
                               "' appears twice (columns " + std::to_string(index_[c] + 1) +
                               " and " + std::to_string(i + 1) + ")");
      index_[c] = i;
    }
  }
  std::string missing;
  int missing_count = 0;
  for (int c = 0; c < kRequiredColumns; ++c) {
    if (index_[c] != kAbsent) continue;
    if (!missing.empty()) missing += ", ";
    missing += '\'';
    missing += kNames[c];
    missing += '\'';
    ++missing_count;
  }
  if (missing_count > 0) {
    std::string have;
    for (std::size_t i = 0; i < record.size() && i < 20; ++i) {
      if (i > 0) have += ", ";
      have += QuoteForError(record.field(i));
    }
    return InvalidArgument("line " + std::to_string(record.line()) + ": missing required column" +
                           (missing_count > 1 ? "s " : " ") + missing + " (the header has: " +
                           have + ")");
  }
  return Status::Ok();
}

void OrdersCsvParser::OnRow(const CsvRecord& record) {
  ++data_rows_;
  if (record.size() != header_width_) {
    AddError(record.line(), 0, "",
             "has " + std::to_string(record.size()) + " fields but the header has " +
                 std::to_string(header_width_) +
                 " (a value containing the delimiter must be quoted)");
    return;
  }
  auto field = [&](Column c) { return record.field(index_[c]); };
  OrderInput order;
  order.source = options_.source;
  bool bad = false;
  auto check = [&](Column c, const Status& s) {
    if (s.ok()) return;
    AddFieldError(record, c, s);
    bad = true;
  };

  check(kId, NormalizeId(field(kId), &order.external_id));
  check(kCustomerId, NormalizeId(field(kCustomerId), &order.customer_external_id));
  check(kPlacedAt, ParsePlacedAt(field(kPlacedAt), options_.rules, &order.placed_at_us));
  const CurrencyInfo* currency = nullptr;
  Status currency_status = ParseCurrencyField(field(kCurrency), &currency);
  check(kCurrency, currency_status);
  if (currency != nullptr) {
    order.currency.assign(currency->code);
    check(kTotal, ParseTotalText(field(kTotal), *currency, &order.total_minor));
  } else {
    // Unknown currency: still check the amount's syntax (with the widest exponent), so both
    // mistakes are reported at once.
    Result<std::int64_t> minor = ParseDecimalToMinor(field(kTotal), kMaxCurrencyExponent);
    check(kTotal, minor.ok() ? CheckNonNegative(*minor, TrimBlanks(field(kTotal)))
                             : minor.status());
  }
  if (index_[kStatus] != kAbsent) check(kStatus, ParseStatusField(field(kStatus), &order.status));
  if (index_[kEmail] != kAbsent) check(kEmail, NormalizeEmail(field(kEmail), &order.email));
  if (index_[kRefundOf] != kAbsent && !TrimBlanks(field(kRefundOf)).empty()) {
    Status s = NormalizeId(field(kRefundOf), &order.refund_of);
    if (s.ok() && order.refund_of == order.external_id)
      s = InvalidArgument("must differ from the order's own id");
    check(kRefundOf, s);
  }
  if (!order.external_id.empty()) {
    const std::int64_t line = record.field_line(index_[kId]);
    auto [it, inserted] = first_line_.try_emplace(order.external_id, line);
    if (!inserted)
      check(kId, InvalidArgument("duplicate id " + QuoteForError(order.external_id) +
                                 " (first on line " + std::to_string(it->second) + ")"));
  }
  if (!bad) out_->push_back(std::move(order));
}

Status OrdersCsvParser::OnRecord(const CsvRecord& record) {
  if (!have_header_) return OnHeader(record);
  OnRow(record);
  return Status::Ok();
}

Status OrdersCsvParser::Feed(std::string_view chunk, std::vector<OrderInput>& out,
                             std::vector<RowError>& errors) {
  out_ = &out;
  errors_ = &errors;
  return reader_.Feed(chunk, on_record_);
}

Status OrdersCsvParser::Finish(std::vector<OrderInput>& out, std::vector<RowError>& errors) {
  out_ = &out;
  errors_ = &errors;
  CLV_RETURN_IF_ERROR(reader_.Finish(on_record_));
  if (!have_header_)
    return InvalidArgument(
        "empty input; expected a header row such as id,customer_id,placed_at,total,currency");
  if (data_rows_ == 0) return InvalidArgument("no orders: the header has no data rows after it");
  return Status::Ok();
}

Result<std::vector<OrderInput>> ParseOrdersCsv(std::string_view text,
                                               const OrdersCsvOptions& options) {
  OrdersCsvParser parser(options);
  std::vector<OrderInput> orders;
  std::vector<RowError> errors;
  CLV_RETURN_IF_ERROR(parser.Feed(text, orders, errors));
  CLV_RETURN_IF_ERROR(parser.Finish(orders, errors));
  if (errors.empty()) return orders;
  if (parser.error_count() == 1) return InvalidArgument(errors.front().ToString());
  std::string message = std::to_string(parser.error_count()) + " errors: ";
  for (std::size_t i = 0; i < errors.size() && i < 10; ++i) {
    if (i > 0) message += "; ";
    message += errors[i].ToString();
  }
  if (parser.error_count() > 10)
    message += "; and " + std::to_string(parser.error_count() - 10) + " more";
  return InvalidArgument(message);
}

}  // namespace clv::ingest
