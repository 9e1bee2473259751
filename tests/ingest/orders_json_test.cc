#include "ingest/orders_json.h"

#include <gtest/gtest.h>

#include <string>

#include "core/time.h"

namespace clv::ingest {
namespace {

// "Now" for every test: 2024-06-01T00:00:00Z.
const UnixMicros kNow = MidnightUtc(2024, 6, 1);

OrdersJsonOptions Options() { return OrdersJsonOptions(OrderRules(kNow)); }

OrderBatch Parse(std::string_view body) { return ParseOrdersJson(body, Options()); }

// The errors of `body` as "path: message" strings.
std::vector<std::string> Errors(std::string_view body) {
  std::vector<std::string> out;
  for (const auto& e : Parse(body).errors) out.push_back(e.ToString());
  return out;
}

std::string OneError(std::string_view body) {
  auto errors = Errors(body);
  EXPECT_EQ(errors.size(), 1u) << body;
  return errors.empty() ? "" : errors.front();
}

// A valid order with one field replaced (or removed, when value is empty).
std::string Order(std::string_view field = "", std::string_view value = "") {
  std::string fields[][2] = {{"id", "\"A-1\""},
                             {"customer_id", "\"C-1\""},
                             {"placed_at", "\"2024-05-01T10:20:30Z\""},
                             {"total", "\"19.99\""},
                             {"currency", "\"USD\""}};
  std::string out = "{";
  bool replaced = false;
  for (auto& [k, v] : fields) {
    if (k == field) {
      replaced = true;
      if (value.empty()) continue;
      v = value;
    }
    if (out.size() > 1) out += ",";
    out += "\"" + k + "\":" + v;
  }
  if (!replaced && !field.empty()) out += ",\"" + std::string(field) + "\":" + std::string(value);
  return out + "}";
}

std::string Batch(std::string_view order) { return "{\"orders\":[" + std::string(order) + "]}"; }

TEST(OrdersJsonTest, ParsesABatch) {
  auto batch = Parse(R"({"orders": [
      {"id": "A-1", "customer_id": "C-1", "placed_at": "2024-05-01T12:20:30+02:00",
       "total": "19.99", "currency": "usd", "status": "pending", "email": " Ann@Example.COM "},
      {"id": 42, "customer_id": 7, "placed_at": "2024-05-02T00:00:00Z", "total": 5,
       "currency": "JPY", "extra": {"ignored": true}},
      {"id": "R-1", "customer_id": "C-1", "placed_at": "2024-05-03T00:00:00.5Z",
       "total": 4.35, "currency": "KWD", "refund_of": "A-1", "email": null}]})");
  ASSERT_TRUE(batch.ok()) << batch.ToStatus().ToString();
  ASSERT_EQ(batch.orders.size(), 3u);
  OrderInput a;
  a.source = "api";
  a.external_id = "A-1";
  a.customer_external_id = "C-1";
  a.email = "ann@example.com";
  a.placed_at_us = *ParseTimestamp("2024-05-01T10:20:30Z");
  a.currency = "USD";
  a.total_minor = 1999;
  a.status = OrderStatus::kPending;
  EXPECT_EQ(batch.orders[0], a);
  EXPECT_EQ(batch.orders[1].external_id, "42");
  EXPECT_EQ(batch.orders[1].customer_external_id, "7");
  EXPECT_EQ(batch.orders[1].total_minor, 5);
  EXPECT_EQ(batch.orders[1].status, OrderStatus::kPaid);
  EXPECT_EQ(batch.orders[2].total_minor, 4350);
  EXPECT_EQ(batch.orders[2].refund_of, "A-1");
  EXPECT_EQ(batch.orders[2].placed_at_us, MidnightUtc(2024, 5, 3) + 500000);
  EXPECT_TRUE(batch.ToStatus().ok());
}

TEST(OrdersJsonTest, ParsesASingleOrderObject) {
  auto batch = Parse(Order());
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch.orders.size(), 1u);
  EXPECT_EQ(batch.orders[0].total_minor, 1999);
  EXPECT_EQ(OneError(Order("total", "true")), "total: must be a decimal amount, got true");
}

TEST(OrdersJsonTest, MalformedJsonNamesLineAndColumn) {
  EXPECT_EQ(OneError("{\"orders\": [\n  {\"id\": tru}\n]}"),
            "malformed JSON at line 2, column 10: syntax error");
  EXPECT_EQ(OneError("{\"orders\": ["), "malformed JSON at line 1, column 13: incomplete JSON");
  EXPECT_EQ(OneError("{} x"), "malformed JSON at line 1, column 4: extra data");
  EXPECT_EQ(OneError(""), "empty body; expected a JSON object");
  EXPECT_EQ(OneError("  \n"), "empty body; expected a JSON object");
}

TEST(OrdersJsonTest, WrongShapes) {
  EXPECT_EQ(OneError("[1]"),
            "expected a JSON object: {\"orders\": [...]} or a single order, got an array");
  EXPECT_EQ(OneError("{\"orders\": {}}"), "orders: must be an array of orders, got an object");
  EXPECT_EQ(OneError("{\"orders\": []}"), "orders: must contain at least one order");
  EXPECT_EQ(OneError("{\"orders\": [1]}"), "orders[0]: must be an order object, got number 1");
  EXPECT_EQ(Errors("{\"orders\": [" + Order() + "], \"extra\": 1}"),
            std::vector<std::string>{"unknown top-level field 'extra'; expected {\"orders\": "
                                     "[...]} or a single order"});
}

TEST(OrdersJsonTest, BatchSizeLimit) {
  std::string body = "{\"orders\": [";
  for (int i = 0; i < 10001; ++i) {
    if (i > 0) body += ",";
    body += "{}";  // the size is checked before the orders
  }
  body += "]}";
  EXPECT_EQ(OneError(body),
            "orders: at most 10000 orders per request; use POST /orders/import for more");
  // Exactly 10,000 valid orders are fine.
  std::string ok = "{\"orders\": [";
  for (int i = 0; i < 10000; ++i) {
    if (i > 0) ok += ",";
    ok += Order("id", "\"o" + std::to_string(i) + "\"");
  }
  ok += "]}";
  auto batch = Parse(ok);
  EXPECT_TRUE(batch.ok());
  EXPECT_EQ(batch.orders.size(), 10000u);
}

TEST(OrdersJsonTest, MissingFieldsAndWrongTypes) {
  EXPECT_EQ(OneError(Batch(Order("id", ""))), "orders[0].id: is required");
  EXPECT_EQ(OneError(Batch(Order("customer_id", "null"))), "orders[0].customer_id: is required");
  EXPECT_EQ(Errors(Batch(Order("total", "") + "")), std::vector<std::string>{
                                                        "orders[0].total: is required"});
  EXPECT_EQ(OneError(Batch(Order("total", "") .insert(1, "\"totl\": 5,"))),
            "orders[0].total: is required (unknown fields: 'totl')");
  EXPECT_EQ(OneError(Batch(Order("total", "true"))),
            "orders[0].total: must be a decimal amount, got true");
  EXPECT_EQ(OneError(Batch(Order("total", "[1]"))),
            "orders[0].total: must be a decimal amount, got an array");
  EXPECT_EQ(OneError(Batch(Order("id", "1.5"))),
            "orders[0].id: must be a string or an integer, got number 1.5");
  EXPECT_EQ(OneError(Batch(Order("id", "\"  \""))), "orders[0].id: is empty");
  EXPECT_EQ(OneError(Batch(Order("id", "\"" + std::string(256, 'x') + "\""))),
            "orders[0].id: is longer than 255 bytes");
  EXPECT_EQ(OneError(Batch(Order("id", "\"a\\u0001b\""))),
            "orders[0].id: 'a?b' contains a control character");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "1714558830"))),
            "orders[0].placed_at: must be a string, got number 1714558830");
  EXPECT_EQ(OneError(Batch(Order("currency", "840"))),
            "orders[0].currency: must be a string, got number 840");
  EXPECT_EQ(OneError(Batch(Order("status", "\"shipped\""))),
            "orders[0].status: 'shipped' is not a status; expected one of paid, pending, "
            "refunded, partially_refunded, cancelled");
  EXPECT_EQ(OneError(Batch(Order("email", "\"not-an-email\""))),
            "orders[0].email: 'not-an-email' is not an email address");
  EXPECT_EQ(OneError(Batch(Order("refund_of", "\"A-1\""))),
            "orders[0].refund_of: must differ from the order's own id");
}

TEST(OrdersJsonTest, BadAmounts) {
  EXPECT_EQ(OneError(Batch(Order("total", "-5"))),
            "orders[0].total: '-5' is negative; totals are >= 0 (record a refund as a positive "
            "amount with refund_of set to the refunded order's id)");
  EXPECT_EQ(OneError(Batch(Order("total", "\"-0.01\""))),
            "orders[0].total: '-0.01' is negative; totals are >= 0 (record a refund as a "
            "positive amount with refund_of set to the refunded order's id)");
  EXPECT_EQ(OneError(Batch(Order("total", "\"NaN\""))),
            "orders[0].total: 'NaN' is not a finite decimal amount");
  // Boost.JSON reads 1e400 as infinity.
  EXPECT_EQ(OneError(Batch(Order("total", "1e400"))),
            "orders[0].total: amount must be a finite number");
  EXPECT_EQ(OneError(Batch(Order("total", "1e300"))),
            "orders[0].total: '1e+300' is too large (at most 9000000000000000 minor units)");
  EXPECT_EQ(OneError(Batch(Order("total", "\"99999999999999999999\""))),
            "orders[0].total: '99999999999999999999' is too large (at most 9000000000000000 "
            "minor units)");
  EXPECT_EQ(OneError(Batch(Order("total", "18446744073709551615"))),
            "orders[0].total: '18446744073709551615' is too large (at most 9000000000000000 "
            "minor units)");
  EXPECT_EQ(OneError(Batch(Order("total", "12.505"))),
            "orders[0].total: '12.505' has more than 2 decimal places for USD");
  EXPECT_EQ(OneError(Batch(Order("total", "\"12.505\""))),
            "orders[0].total: '12.505' has more than 2 decimal places for USD");
  EXPECT_EQ(OneError(Batch(Order("total", "\"1e3\""))),
            "orders[0].total: '1e3' is not a decimal amount: exponent notation is not accepted");
  // Unknown currency and a malformed total: both reported.
  EXPECT_EQ(Errors(Batch(Order("currency", "\"XXY\"").replace(Order("currency", "\"XXY\"").find("\"19.99\""), 7, "\"abc\""))),
            (std::vector<std::string>{"orders[0].currency: unknown currency 'XXY'",
                                      "orders[0].total: 'abc' is not a decimal amount"}));
}

TEST(OrdersJsonTest, BadDates) {
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"2024-05-01T10:20:30\""))),
            "orders[0].placed_at: must include a UTC offset, e.g. 2024-05-01T10:20:30Z");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"2024-05-01\""))),
            "orders[0].placed_at: '2024-05-01' has no time of day; expected e.g. "
            "2024-05-01T10:20:30Z");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"yesterday\""))),
            "orders[0].placed_at: 'yesterday' is not an ISO 8601 date-time (expected e.g. "
            "2024-05-01T10:20:30Z)");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"2024-02-30T00:00:00Z\""))),
            "orders[0].placed_at: '2024-02-30T00:00:00Z' is not a valid date: February 2024 has "
            "29 days");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"2031-01-01T00:00:00Z\""))),
            "orders[0].placed_at: '2031-01-01T00:00:00Z' is in the future (latest accepted: "
            "2024-06-02T00:00:00Z)");
  EXPECT_EQ(OneError(Batch(Order("placed_at", "\"1989-12-31T23:59:59Z\""))),
            "orders[0].placed_at: '1989-12-31T23:59:59Z' is before 1990-01-01T00:00:00Z, the "
            "earliest accepted time");
  // Within the skew (now + 1 day) is accepted: clocks and zones differ.
  EXPECT_TRUE(Parse(Batch(Order("placed_at", "\"2024-06-01T23:59:59Z\""))).ok());
}

TEST(OrdersJsonTest, DuplicateIdsNameBothIndexes) {
  std::string body = "{\"orders\": [" + Order() + "," + Order("id", "\"B\"") + "," +
                     Order("id", "\" A-1 \"") + "]}";
  auto batch = Parse(body);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].ToString(), "orders[2].id: duplicate id 'A-1' (also orders[0])");
  EXPECT_EQ(batch.orders.size(), 2u);
}

TEST(OrdersJsonTest, AllErrorsAreCollectedUpToTheCap) {
  std::string bad = "{\"orders\": [";
  for (int i = 0; i < 150; ++i) {
    if (i > 0) bad += ",";
    bad += Order("id", "\"o" + std::to_string(i) + "\"") .replace(0, 1, "{\"status\":\"x\",");
  }
  bad += "]}";
  auto batch = Parse(bad);
  ASSERT_EQ(batch.errors.size(), 100u);
  EXPECT_EQ(batch.errors_omitted, 50u);
  EXPECT_EQ(batch.errors[3].path, "orders[3].status");
  Status s = batch.ToStatus();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("150 errors: orders[0].status: 'x' is not a status", 0), 0u)
      << s.message();
  EXPECT_NE(s.message().find("; and 140 more"), std::string::npos);
}

TEST(OrdersJsonTest, SourceComesFromTheCaller) {
  OrdersJsonOptions options = Options();
  options.source = "shopify";
  auto batch = ParseOrdersJson(Order(), options);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch.orders[0].source, "shopify");
}

}  // namespace
}  // namespace clv::ingest
