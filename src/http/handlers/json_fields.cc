#include "http/handlers/json_fields.h"

#include <charconv>

#include "core/currency.h"
#include "core/money.h"
#include "core/time.h"

namespace clv::http {

Result<std::string> RequiredString(const boost::json::object& object, std::string_view name) {
  const boost::json::value* v = object.if_contains(name);
  if (v == nullptr || v->is_null()) return InvalidArgument(std::string(name) + ": is required");
  if (!v->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
  return std::string(v->get_string());
}

Result<PageParams> ReadPageParams(const Request& request) {
  PageParams params;
  if (auto limit = request.QueryParam("limit")) {
    int value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || end != limit->data() + limit->size() || value < 1 || value > 1000) {
      return InvalidArgument("limit: must be an integer from 1 to 1000");
    }
    params.limit = value;
  }
  if (auto cursor = request.QueryParam("cursor")) params.cursor = std::string(*cursor);
  return params;
}

Result<std::int64_t> PathId(const Request& request, std::string_view name) {
  std::optional<std::string_view> text = request.PathParam(name);
  std::int64_t id = 0;
  if (text) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
    if (ec == std::errc() && end == text->data() + text->size() && id > 0) return id;
  }
  return NotFound(std::string(name) + " not found");
}

boost::json::object MoneyJson(std::int64_t minor, std::string_view currency) {
  const CurrencyInfo* info = FindCurrency(currency);
  boost::json::object o;
  o["minor"] = minor;
  o["amount"] = FormatMinor(minor, info != nullptr ? info->exponent : 2);
  o["currency"] = currency;
  return o;
}

boost::json::object CustomerJson(const Customer& c) {
  boost::json::object o;
  o["id"] = c.id.value;
  o["source"] = c.source;
  o["external_id"] = c.external_id;
  o["email"] = c.email.empty() ? boost::json::value(nullptr) : boost::json::value(c.email);
  o["order_count"] = c.order_count;
  o["first_order_at"] = c.first_order_at_us != 0 ? boost::json::value(FormatRfc3339(c.first_order_at_us))
                                                 : boost::json::value(nullptr);
  o["last_order_at"] = c.last_order_at_us != 0 ? boost::json::value(FormatRfc3339(c.last_order_at_us))
                                               : boost::json::value(nullptr);
  o["created_at"] = FormatRfc3339(c.created_at_us);
  return o;
}

boost::json::object OrderJson(const Order& order) {
  const OrderInput& d = order.data;
  boost::json::object o;
  o["id"] = order.id.value;
  o["customer_id"] = order.customer.value;
  o["source"] = d.source;
  o["external_id"] = d.external_id;
  o["customer_external_id"] = d.customer_external_id;
  o["kind"] = d.refund_of.empty() ? "order" : "refund";
  o["refund_of"] = d.refund_of.empty() ? boost::json::value(nullptr) : boost::json::value(d.refund_of);
  o["placed_at"] = FormatRfc3339(d.placed_at_us);
  o["status"] = OrderStatusName(d.status);
  o["total"] = MoneyJson(d.total_minor, d.currency);
  o["created_at"] = FormatRfc3339(order.created_at_us);
  o["updated_at"] = FormatRfc3339(order.updated_at_us);
  return o;
}

}  // namespace clv::http
