#include "ingest/orders_json.h"

#include <boost/json.hpp>

#include <charconv>
#include <unordered_map>

#include "core/money.h"

namespace clv::ingest {
namespace json = boost::json;
namespace {

constexpr std::string_view kKnownFields[] = {"id",       "customer_id", "placed_at", "total",
                                             "currency", "status",      "email",     "refund_of"};

bool IsKnownField(std::string_view key) {
  for (std::string_view k : kKnownFields)
    if (k == key) return true;
  return false;
}

// "true", "number 1.5", "string 'abc'", "object", ... for "got ..." in messages.
std::string Describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return "number " + std::to_string(v.get_int64());
    case json::kind::uint64:
      return "number " + std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
      return "number " + std::string(buf, r.ptr);
    }
    case json::kind::string:
      return "string " + QuoteForError(v.get_string());
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Line and column (1-based, columns in bytes) of byte `offset` of `text`.
std::pair<std::size_t, std::size_t> LineColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

class BatchParser {
 public:
  BatchParser(const OrdersJsonOptions& options, OrderBatch* batch)
      : options_(options), batch_(batch) {}

  void AddError(std::string path, std::string message) {
    if (batch_->errors.size() < options_.max_errors) {
      batch_->errors.push_back({std::move(path), std::move(message)});
    } else {
      ++batch_->errors_omitted;
    }
  }

  void ParseTop(const json::value& root) {
    const json::object* obj = root.if_object();
    if (obj == nullptr) {
      AddError("", "expected a JSON object: {\"orders\": [...]} or a single order, got " +
                       Describe(root));
      return;
    }
    const json::value* orders = obj->if_contains("orders");
    if (orders == nullptr) {  // a single order
      ParseOrder(root, "", 0);
      return;
    }
    for (const auto& kv : *obj) {
      if (kv.key() != "orders")
        AddError("", "unknown top-level field " + QuoteForError(kv.key()) +
                         "; expected {\"orders\": [...]} or a single order");
    }
    const json::array* list = orders->if_array();
    if (list == nullptr) {
      AddError("orders", "must be an array of orders, got " + Describe(*orders));
      return;
    }
    if (list->empty()) {
      AddError("orders", "must contain at least one order");
      return;
    }
    if (list->size() > options_.max_orders) {
      AddError("orders", "at most " + std::to_string(options_.max_orders) +
                             " orders per request; use POST /orders/import for more");
      return;
    }
    batch_->orders.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i)
      ParseOrder((*list)[i], "orders[" + std::to_string(i) + "]", i);
  }

 private:
  // An id field: string or integer. Returns false (after recording an error) when invalid.
  bool ReadId(const json::object& o, std::string_view key, const std::string& prefix,
              bool required, std::string* out) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) MissingField(o, key, prefix);
      out->clear();
      return !required;
    }
    std::string text;
    if (v->is_string()) {
      text = std::string(v->get_string());
    } else if (v->is_int64()) {
      text = std::to_string(v->get_int64());
    } else if (v->is_uint64()) {
      text = std::to_string(v->get_uint64());
    } else {
      AddError(Path(prefix, key), "must be a string or an integer, got " + Describe(*v));
      return false;
    }
    Status s = NormalizeId(text, out);
    if (!s.ok()) {
      AddError(Path(prefix, key), s.message());
      return false;
    }
    return true;
  }

  // An optional or required string field; *present tells whether it was given.
  const json::string* ReadString(const json::object& o, std::string_view key,
                                 const std::string& prefix, bool required, bool* bad) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) {
        MissingField(o, key, prefix);
        *bad = true;
      }
      return nullptr;
    }
    if (!v->is_string()) {
      AddError(Path(prefix, key), "must be a string, got " + Describe(*v));
      *bad = true;
      return nullptr;
    }
    return &v->get_string();
  }

  void MissingField(const json::object& o, std::string_view key, const std::string& prefix) {
    std::string unknown;
    for (const auto& kv : o) {
      if (IsKnownField(kv.key())) continue;
      if (!unknown.empty()) unknown += ", ";
      unknown += QuoteForError(kv.key());
      if (unknown.size() > 200) break;
    }
    std::string message = "is required";
    if (!unknown.empty()) message += " (unknown fields: " + unknown + ")";
    AddError(Path(prefix, key), message);
  }

  static std::string Path(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
  }

  void ParseOrder(const json::value& value, const std::string& prefix, std::size_t index) {
    const json::object* o = value.if_object();
    if (o == nullptr) {
      AddError(prefix.empty() ? "" : prefix, "must be an order object, got " + Describe(value));
      return;
    }
    OrderInput order;
    order.source = options_.source;
    bool bad = false;
    bad |= !ReadId(*o, "id", prefix, true, &order.external_id);
    bad |= !ReadId(*o, "customer_id", prefix, true, &order.customer_external_id);

    if (const json::string* s = ReadString(*o, "placed_at", prefix, true, &bad)) {
      Status st = ParsePlacedAt(*s, options_.rules, &order.placed_at_us);
      if (!st.ok()) {
        AddError(Path(prefix, "placed_at"), st.message());
        bad = true;
      }
    }

    const CurrencyInfo* currency = nullptr;
    if (const json::string* s = ReadString(*o, "currency", prefix, true, &bad)) {
      Status st = ParseCurrencyField(*s, &currency);
      if (!st.ok()) {
        AddError(Path(prefix, "currency"), st.message());
        bad = true;
      } else {
        order.currency = std::string(currency->code);
      }
    }
    bad |= !ReadTotal(*o, prefix, currency, &order.total_minor);

    if (const json::string* s = ReadString(*o, "status", prefix, false, &bad)) {
      Status st = ParseStatusField(*s, &order.status);
      if (!st.ok()) {
        AddError(Path(prefix, "status"), st.message());
        bad = true;
      }
    }
    if (const json::string* s = ReadString(*o, "email", prefix, false, &bad)) {
      Status st = NormalizeEmail(*s, &order.email);
      if (!st.ok()) {
        AddError(Path(prefix, "email"), st.message());
        bad = true;
      }
    }
    if (ReadId(*o, "refund_of", prefix, false, &order.refund_of) && !order.refund_of.empty() &&
        order.refund_of == order.external_id) {
      AddError(Path(prefix, "refund_of"), "must differ from the order's own id");
      bad = true;
    }

    if (!order.external_id.empty()) {
      auto [it, inserted] = first_index_.emplace(order.external_id, index);
      if (!inserted) {
        AddError(Path(prefix, "id"), "duplicate id " + QuoteForError(order.external_id) +
                                         " (also orders[" + std::to_string(it->second) + "])");
        bad = true;
      }
    }
    if (!bad) batch_->orders.push_back(std::move(order));
  }

  // total: string or number. When the currency is unknown the value is still checked for
  // syntax, with the largest exponent, so both mistakes are reported at once.
  bool ReadTotal(const json::object& o, const std::string& prefix, const CurrencyInfo* currency,
                 std::int64_t* out) {
    const std::string path = Path(prefix, "total");
    const json::value* v = o.if_contains("total");
    if (v == nullptr || v->is_null()) {
      MissingField(o, "total", prefix);
      return false;
    }
    const int exponent = currency ? currency->exponent : kMaxCurrencyExponent;
    const std::string_view code = currency ? currency->code : std::string_view();
    Result<std::int64_t> minor = InvalidArgument("");
    std::string raw;
    switch (v->kind()) {
      case json::kind::string:
        raw = std::string(v->get_string());
        minor = ParseDecimalToMinor(raw, exponent, code);
        break;
      case json::kind::int64:
        raw = std::to_string(v->get_int64());
        minor = IntegerToMinor(v->get_int64(), exponent);
        break;
      case json::kind::uint64:
        raw = std::to_string(v->get_uint64());
        minor = IntegerToMinor(v->get_uint64(), exponent);
        break;
      case json::kind::double_: {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v->get_double());
        raw.assign(buf, r.ptr);
        minor = DoubleToMinor(v->get_double(), exponent, code);
        break;
      }
      default:
        AddError(path, "must be a decimal amount, got " + Describe(*v));
        return false;
    }
    if (!minor.ok()) {
      AddError(path, minor.status().message());
      return false;
    }
    Status st = CheckNonNegative(*minor, raw);
    if (!st.ok()) {
      AddError(path, st.message());
      return false;
    }
    *out = *minor;
    return currency != nullptr;
  }

  const OrdersJsonOptions& options_;
  OrderBatch* batch_;
  std::unordered_map<std::string, std::size_t> first_index_;
};

}  // namespace

std::string FieldError::ToString() const {
  return path.empty() ? message : path + ": " + message;
}

Status OrderBatch::ToStatus() const {
  if (errors.empty()) return Status::Ok();
  const std::size_t total = errors.size() + errors_omitted;
  if (total == 1) return InvalidArgument(errors.front().ToString());
  std::string message = std::to_string(total) + " errors: ";
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < errors.size() && i < kShown; ++i) {
    if (i > 0) message += "; ";
    message += errors[i].ToString();
  }
  if (total > kShown) message += "; and " + std::to_string(total - kShown) + " more";
  return InvalidArgument(message);
}

OrderBatch ParseOrdersJson(std::string_view body, const OrdersJsonOptions& options) {
  OrderBatch batch;
  BatchParser parser(options, &batch);
  // A stream parser rather than json::parse: on a syntax error it tells how far it got, which
  // becomes a line and column for the client. Exceptions never escape: only error codes.
  json::stream_parser stream;
  json::error_code ec;
  std::size_t consumed = stream.write(body.data(), body.size(), ec);
  if (!ec) {
    stream.finish(ec);
    if (ec) consumed = body.size();
  }
  if (ec) {
    auto [line, column] = LineColumn(body, consumed);
    std::string what = body.find_first_not_of(" \t\r\n") == std::string_view::npos
                           ? "empty body; expected a JSON object"
                           : "malformed JSON at line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + ec.message();
    parser.AddError("", what);
    return batch;
  }
  json::value root = stream.release();
  parser.ParseTop(root);
  return batch;
}

}  // namespace clv::ingest
