// Orders and customers through the API on SQLite and PostgreSQL: every kind of bad input is a
// 4xx with the error envelope and stores nothing; writes are idempotent; CSV import (text/csv
// and multipart) is all-or-nothing; pagination is complete and duplicate-free.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/api_testlib.h"

namespace clv::http::apitest {
namespace {

using ApiOrdersTest = ApiTest;

constexpr std::string_view kCsvHeader = "id,customer_id,placed_at,total,currency,status,email\n";

// {"orders":[{...one order with `field` replaced by raw JSON `value`...}]}
std::string OneOrderWith(const std::string& field, const std::string& value) {
  boost::json::object o{{"id", "X-1"},
                        {"customer_id", "C-1"},
                        {"placed_at", "2024-03-01T10:00:00Z"},
                        {"total", "19.99"},
                        {"currency", "USD"}};
  if (value.empty()) {
    o.erase(field);
  } else {
    o[field] = boost::json::parse(value);
  }
  return boost::json::serialize(boost::json::object{{"orders", boost::json::array{o}}});
}

TEST_P(ApiOrdersTest, BadJsonOrdersAre4xxEnvelopesAndStoreNothing) {
  Account a = Register("owner@a.example", "A");
  // A valid order first, so "nothing stored" means "nothing more".
  ASSERT_EQ(Post("/orders", OrdersJson({OrderSpec("OK-1", "C-0")}), a.access_token)
                .status,
            200);

  struct Case {
    Case(std::string n, std::string b, int s = 400, std::string type = "application/json",
         std::string part = "")
        : name(std::move(n)), body(std::move(b)), status(s), content_type(std::move(type)),
          message_part(std::move(part)) {}
    std::string name, body;
    int status;
    std::string content_type;
    std::string message_part;  // expected in error.message when set
  };
  std::vector<Case> cases = {
      {"empty body", ""},
      {"malformed JSON", R"({"orders":[{"id":"1",)", 400, "application/json", "line 1"},
      {"trailing garbage", R"({"orders":[]} x)"},
      {"array top level", R"([{"id":"1"}])"},
      {"string top level", R"("orders")"},
      {"number top level", "42"},
      {"null top level", "null"},
      {"orders not an array", R"({"orders":{"id":"1"}})"},
      {"orders of numbers", R"({"orders":[1,2]})"},
      {"empty orders", R"({"orders":[]})"},
      {"unknown top-level field", R"({"orders":[],"tenant":1})"},
      {"missing id", OneOrderWith("id", "")},
      {"missing customer_id", OneOrderWith("customer_id", "")},
      {"missing placed_at", OneOrderWith("placed_at", "")},
      {"missing total", OneOrderWith("total", "")},
      {"missing currency", OneOrderWith("currency", "")},
      {"id of wrong type", OneOrderWith("id", "[1]")},
      {"id empty", OneOrderWith("id", R"("  ")")},
      {"id too long", OneOrderWith("id", "\"" + std::string(300, 'x') + "\"")},
      {"total bool", OneOrderWith("total", "true"), 400, "application/json", "orders[0].total"},
      {"total object", OneOrderWith("total", R"({"amount":1})")},
      {"negative total", OneOrderWith("total", R"("-1.00")")},
      {"negative number total", OneOrderWith("total", "-5")},
      {"NaN string", OneOrderWith("total", R"("NaN")")},
      {"Infinity string", OneOrderWith("total", R"("Infinity")")},
      {"1e400 number", R"({"orders":[{"id":"X","customer_id":"C","placed_at":"2024-03-01T10:00:00Z","total":1e400,"currency":"USD"}]})"},
      {"overflowing string", OneOrderWith("total", R"("99999999999999999999999.99")")},
      {"overflowing number", OneOrderWith("total", "1e300")},
      {"just over the cap", OneOrderWith("total", R"("90000000000000.01")")},
      {"too many decimals", OneOrderWith("total", R"("12.505")"), 400, "application/json",
       "decimal"},
      {"decimals for JPY", R"({"orders":[{"id":"X","customer_id":"C","placed_at":"2024-03-01T10:00:00Z","total":"100.5","currency":"JPY"}]})"},
      {"unknown currency", OneOrderWith("currency", R"("XXY")"), 400, "application/json",
       "currency"},
      {"currency number", OneOrderWith("currency", "840")},
      {"unparsable date", OneOrderWith("placed_at", R"("yesterday")")},
      {"impossible date", OneOrderWith("placed_at", R"("2024-02-30T10:00:00Z")")},
      {"far-future date", OneOrderWith("placed_at", R"("2999-01-01T00:00:00Z")"), 400,
       "application/json", "future"},
      {"tomorrow+2 date", OneOrderWith("placed_at", R"("2025-06-03T00:00:00Z")")},
      {"ancient date", OneOrderWith("placed_at", R"("1900-01-01T00:00:00Z")")},
      {"naive datetime", OneOrderWith("placed_at", R"("2024-03-01T10:00:00")")},
      {"date only", OneOrderWith("placed_at", R"("2024-03-01")")},
      {"placed_at number", OneOrderWith("placed_at", "1709287200")},
      {"bad status", OneOrderWith("status", R"("shipped")")},
      {"bad email", OneOrderWith("email", R"("not an email")")},
      {"refund of itself", OneOrderWith("refund_of", R"("X-1")")},
      {"refund of unknown order", OneOrderWith("refund_of", R"("NOPE")")},
      {"duplicate ids in one batch",
       OrdersJson({OrderSpec("D-1", "C"), OrderSpec("D-2", "C"),
                   OrderSpec("D-1", "C")}),
       400, "application/json", "orders[0]"},
      {"one bad order among good ones",
       OrdersJson({OrderSpec("G-1", "C"), OrderSpec("G-2", "C").Total("x"),
                   OrderSpec("G-3", "C")}),
       400, "application/json", "orders[1].total"},
      {"wrong content type", OrdersJson({OrderSpec("T-1", "C")}), 415, "text/plain"},
      {"csv to /orders", "id,customer_id\n1,2\n", 415, "text/csv"},
      {"no content type", OrdersJson({OrderSpec("T-2", "C")}), 415, ""},
      {"invalid UTF-8", "{\"orders\":[{\"id\":\"\xff\xfe\",\"customer_id\":\"C\","
                        "\"placed_at\":\"2024-03-01T10:00:00Z\",\"total\":\"1\",\"currency\":\"USD\"}]}"},
      {"deeply nested", std::string(10'000, '[') + std::string(10'000, ']')},
  };
  // More than 10,000 orders in one batch (compact, so the body stays under 1 MiB).
  {
    std::string big = R"({"orders":[)";
    for (int i = 0; i < 10'001; ++i) {
      if (i > 0) big += ',';
      big += R"({"id":)" + std::to_string(i) +
             R"(,"customer_id":1,"placed_at":"2024-03-01T10:00:00Z","total":1,"currency":"USD"})";
    }
    big += "]}";
    ASSERT_LT(big.size(), 1u << 20);
    cases.push_back({"batch over 10,000", big, 400, "application/json", "10000"});
  }
  // A body over the 1 MiB limit.
  {
    std::string huge = R"({"orders":[{"id":"H","customer_id":"C","placed_at":"2024-03-01T10:00:00Z","total":"1","currency":"USD","note":")";
    huge += std::string((1u << 20) + 10, 'n');
    huge += R"("}]})";
    cases.push_back({"body over 1 MiB", huge, 413});
  }

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TestResponse r = Post("/orders", c.body, a.access_token, c.content_type);
    ASSERT_TRUE(IsErrorEnvelope(r, c.status));
    if (!c.message_part.empty()) {
      EXPECT_NE(std::string(JsonOf(r).at("error").at("message").as_string()).find(c.message_part),
                std::string::npos)
          << r.body;
    }
    EXPECT_EQ(CountOrders(a.tenant_id), 1);
    EXPECT_EQ(CountCustomers(a.tenant_id), 1);
  }
  // The server is still healthy and the good order is intact.
  EXPECT_EQ(Get("/health").status, 200);
  EXPECT_EQ(JsonOf(Get("/orders", a.access_token)).at("items").as_array().size(), 1u);
}

TEST_P(ApiOrdersTest, AcceptedAmountFormats) {
  Account a = Register("owner@a.example", "A");
  const std::string body = R"({"orders":[
    {"id":1,"customer_id":7,"placed_at":"2024-03-01T10:00:00Z","total":19.99,"currency":"usd"},
    {"id":"2","customer_id":"7","placed_at":"2024-03-01T10:00:00-05:00","total":"0","currency":"USD","status":"PENDING"},
    {"id":"3","customer_id":"7","placed_at":"2024-03-01T10:00:00.123456Z","total":"1000","currency":"JPY","unknown_field":true},
    {"id":"4","customer_id":"7","placed_at":"2024-03-01T10:00:00Z","total":"90000000000000.00","currency":"USD"}
  ]})";
  TestResponse r = Post("/orders", body, a.access_token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonOf(r).at("created").as_int64(), 4);
  auto orders = ListAll("/orders", a.access_token);
  ASSERT_EQ(orders.size(), 4u);
  EXPECT_EQ(orders[0].at("total").at("minor").as_int64(), 1999);
  EXPECT_EQ(orders[0].at("total").at("currency").as_string(), "USD");
  EXPECT_EQ(orders[0].at("customer_external_id").as_string(), "7");
  EXPECT_EQ(orders[1].at("status").as_string(), "pending");
  EXPECT_EQ(orders[1].at("placed_at").as_string(), "2024-03-01T15:00:00Z");
  EXPECT_EQ(orders[2].at("total").at("amount").as_string(), "1000");
  EXPECT_EQ(orders[3].at("total").at("minor").as_int64(), 9'000'000'000'000'000);  // the cap
  EXPECT_EQ(CountCustomers(a.tenant_id), 1);
}

TEST_P(ApiOrdersTest, OrdersAreIdempotentAndRefundsReferenceOrders) {
  Account a = Register("owner@a.example", "A");
  const std::vector<OrderSpec> batch = {
      OrderSpec("O-1", "C-1").Total("10.00"),
      OrderSpec("O-2", "C-1").At("2024-03-02T10:00:00Z").Total("20.00"),
      OrderSpec("O-3", "C-2").Total("30.00"),
  };
  TestResponse first = Post("/orders", OrdersJson(batch), a.access_token);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(JsonOf(first), boost::json::parse(R"({"created":3,"updated":0,"unchanged":0})"));
  TestResponse second = Post("/orders", OrdersJson(batch), a.access_token);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(JsonOf(second), boost::json::parse(R"({"created":0,"updated":0,"unchanged":3})"));

  // One changed order (total), one new, one unchanged; the same amount written differently
  // ("10" vs "10.00") is unchanged.
  std::vector<OrderSpec> changed = batch;
  changed[0].total = "10";
  changed[1].total = "21.00";
  changed.push_back(OrderSpec("O-4", "C-2"));
  TestResponse third = Post("/orders", OrdersJson(changed), a.access_token);
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(JsonOf(third), boost::json::parse(R"({"created":1,"updated":1,"unchanged":2})"));
  auto o2 = ListAll("/orders", a.access_token);
  ASSERT_EQ(o2.size(), 4u);
  EXPECT_EQ(o2[1].at("total").at("minor").as_int64(), 2100);

  // A refund of an existing order, and one of an order earlier in the same batch.
  TestResponse refunds = Post("/orders",
                              OrdersJson({OrderSpec("R-1", "C-1").At("2024-03-05T10:00:00Z").Total("10.00").RefundOf("O-1"),
                                          OrderSpec("O-5", "C-3"),
                                          OrderSpec("R-5", "C-3").At("2024-03-06T10:00:00Z").Total("5.00").RefundOf("O-5")}),
                              a.access_token);
  ASSERT_EQ(refunds.status, 200) << refunds.body;
  EXPECT_EQ(JsonOf(refunds).at("created").as_int64(), 3);
  auto all = ListAll("/orders", a.access_token);
  ASSERT_EQ(all.size(), 7u);
  int refund_rows = 0;
  for (const auto& o : all) {
    if (o.at("kind").as_string() == "refund") {
      ++refund_rows;
      EXPECT_FALSE(o.at("refund_of").is_null());
    }
  }
  EXPECT_EQ(refund_rows, 2);
  // Refunds are not orders of the customer: C-1 still has 2 orders.
  TestResponse c1 = Get("/customers?external_id=C-1", a.access_token);
  EXPECT_EQ(JsonOf(c1).at("items").at(0).at("order_count").as_int64(), 2);
  // A refund of a refund is refused, storing nothing.
  EXPECT_TRUE(IsErrorEnvelope(
      Post("/orders",
           OrdersJson({OrderSpec("R-R", "C-1").Total("1").RefundOf("R-1")}),
           a.access_token),
      400));
  EXPECT_EQ(CountOrders(a.tenant_id), 7);
}

TEST_P(ApiOrdersTest, CsvImportIsAllOrNothingAndIdempotent) {
  Account a = Register("owner@a.example", "A");
  std::string csv(kCsvHeader);
  csv += "A-1,C-1,2024-01-01T10:00:00Z,10.00,USD,paid,one@example.com\n";
  csv += "A-2,C-1,2024-01-02T10:00:00Z,11.00,USD,,\n";
  csv += "A-3,C-2,2024-01-03T10:00:00+01:00,12.00,EUR,pending,\n";

  // A bad row in the middle: 400 naming line and column, nothing imported.
  std::string bad(kCsvHeader);
  bad += "B-1,C-9,2024-01-01T10:00:00Z,10.00,USD,,\n";
  bad += "B-2,C-9,2024-01-01T10:00:00Z,12.505,USD,,\n";
  bad += "B-3,C-9,2024-01-01T10:00:00Z,10.00,USD,,\n";
  TestResponse rejected = Post("/orders/import", bad, a.access_token, "text/csv");
  ASSERT_TRUE(IsErrorEnvelope(rejected, 400));
  const std::string message(JsonOf(rejected).at("error").at("message").as_string());
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  EXPECT_NE(message.find("column 4"), std::string::npos) << message;
  EXPECT_NE(message.find("total"), std::string::npos) << message;
  EXPECT_EQ(CountOrders(a.tenant_id), 0);
  EXPECT_EQ(CountCustomers(a.tenant_id), 0);

  // Other bad CSVs.
  struct Case {
    std::string name, body, content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"empty", "", "text/csv", 400},
      {"header only", std::string(kCsvHeader), "text/csv", 400},
      {"missing column", "id,customer_id,placed_at,total\n1,2,2024-01-01T00:00:00Z,1\n",
       "text/csv", 400},
      {"duplicate id", std::string(kCsvHeader) + "D,C,2024-01-01T00:00:00Z,1,USD,,\n" +
                           "D,C,2024-01-01T00:00:00Z,1,USD,,\n",
       "text/csv", 400},
      {"naive time", std::string(kCsvHeader) + "N,C,2024-01-01 10:00:00,1,USD,,\n", "text/csv",
       400},
      {"wrong field count", std::string(kCsvHeader) + "W,C,2024-01-01T00:00:00Z\n", "text/csv",
       400},
      {"bad quoting", std::string(kCsvHeader) + "Q,C\"x,2024-01-01T00:00:00Z,1,USD,,\n",
       "text/csv", 400},
      {"json content type", csv, "application/json", 415},
      {"no content type", csv, "", 415},
      {"multipart without boundary", csv, "multipart/form-data", 400},
      {"multipart without file part",
       "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nhello\r\n--XyZ--\r\n",
       "multipart/form-data; boundary=XyZ", 400},
      {"truncated multipart",
       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"o.csv\"\r\n\r\n" + csv,
       "multipart/form-data; boundary=XyZ", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(IsErrorEnvelope(Post("/orders/import", c.body, a.access_token, c.content_type),
                                c.status));
    EXPECT_EQ(CountOrders(a.tenant_id), 0);
  }

  TestResponse imported = Post("/orders/import", csv, a.access_token, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(JsonOf(imported),
            boost::json::parse(R"({"created":3,"updated":0,"unchanged":0,"rows":3})"));
  TestResponse again = Post("/orders/import", csv, a.access_token, "text/csv; charset=utf-8");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(JsonOf(again),
            boost::json::parse(R"({"created":0,"updated":0,"unchanged":3,"rows":3})"));

  // The same file as a browser uploads it (multipart/form-data), with one row changed.
  std::string changed = csv;
  changed.replace(changed.find("12.00,EUR"), 9, "13.00,EUR");
  const std::string multipart =
      "--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n"
      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orders.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" +
      changed + "\r\n--b0undary--\r\n";
  TestResponse upload = Post("/orders/import", multipart, a.access_token,
                             "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(upload.status, 200) << upload.body;
  EXPECT_EQ(JsonOf(upload),
            boost::json::parse(R"({"created":0,"updated":1,"unchanged":2,"rows":3})"));

  EXPECT_EQ(CountOrders(a.tenant_id), 3);
  EXPECT_EQ(CountCustomers(a.tenant_id), 2);
  TestResponse c1 = Get("/customers?external_id=C-1&source=csv", a.access_token);
  ASSERT_EQ(c1.status, 200);
  ASSERT_EQ(JsonOf(c1).at("items").as_array().size(), 1u);
  EXPECT_EQ(JsonOf(c1).at("items").at(0).at("email").as_string(), "one@example.com");
  EXPECT_EQ(JsonOf(c1).at("items").at(0).at("order_count").as_int64(), 2);
  // JSON and CSV are different sources: the same external ids from the API are new rows.
  TestResponse via_api =
      Post("/orders", OrdersJson({OrderSpec("A-1", "C-1")}), a.access_token);
  EXPECT_EQ(JsonOf(via_api).at("created").as_int64(), 1);
}

TEST_P(ApiOrdersTest, UnknownIdsAre404AndBadListParamsAre400) {
  Account a = Register("owner@a.example", "A");
  ASSERT_EQ(Post("/orders", OrdersJson({OrderSpec("1", "C1")}), a.access_token)
                .status,
            200);
  for (const std::string path :
       {"/customers/999999", "/customers/0", "/customers/-1", "/customers/abc",
        "/customers/99999999999999999999999", "/orders/abc", "/orders/999999", "/orders/1.5"}) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(IsErrorEnvelope(Get(path, a.access_token), 404));
  }
  for (const std::string path :
       {"/customers?limit=0", "/customers?limit=1001", "/customers?limit=abc",
        "/customers?limit=-1", "/customers?limit=", "/customers?cursor=garbage",
        "/customers?cursor=%00%01", "/orders?limit=5000", "/orders?cursor=zzz",
        "/orders?customer_id=abc", "/orders?customer_id=-3", "/orders?customer_id=0"}) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(IsErrorEnvelope(Get(path, a.access_token), 400));
  }
  // An unknown customer id in a filter is an empty list, not an error.
  TestResponse none = Get("/orders?customer_id=999999", a.access_token);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(JsonOf(none).at("items").as_array().empty());
  EXPECT_TRUE(IsErrorEnvelope(Get("/nope", a.access_token), 404));
  EXPECT_TRUE(IsErrorEnvelope(Call("DELETE", "/orders", "", a.access_token, ""), 405));
}

TEST_P(ApiOrdersTest, PaginationIsCompleteWithoutDuplicates) {
  Account a = Register("owner@a.example", "A");
  std::vector<OrderSpec> orders;
  for (int i = 0; i < 250; ++i) {
    orders.push_back(OrderSpec("P-" + std::to_string(i), "C-" + std::to_string(i)));
  }
  ASSERT_EQ(Post("/orders", OrdersJson(orders), a.access_token).status, 200);

  std::set<std::int64_t> ids;
  std::set<std::string> external;
  std::string cursor;
  int pages = 0;
  std::int64_t last_id = 0;
  while (true) {
    std::string target = "/customers?limit=100";
    if (!cursor.empty()) target += "&cursor=" + cursor;
    TestResponse r = Get(target, a.access_token);
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    boost::json::value v = JsonOf(r);
    const auto& items = v.at("items").as_array();
    EXPECT_EQ(items.size(), pages < 3 ? 100u : 50u);
    for (const auto& item : items) {
      const std::int64_t id = item.at("id").as_int64();
      EXPECT_GT(id, last_id) << "items ascend by id";
      last_id = id;
      EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
      external.insert(std::string(item.at("external_id").as_string()));
    }
    if (v.at("next_cursor").is_null()) break;
    cursor = std::string(v.at("next_cursor").as_string());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_EQ(external.size(), 250u);
  EXPECT_EQ(ListAll("/orders", a.access_token, 7).size(), 250u);
}

// Files as spreadsheets save them: a UTF-8 byte-order mark, CRLF line ends, quoted fields,
// columns in another order with extra ones, upper-case header names.
TEST_P(ApiOrdersTest, CsvFromSpreadsheetsImports) {
  Account a = Register("owner@a.example", "A");
  const std::string csv =
      "\xEF\xBB\xBF"
      "Customer_ID,ID,Placed_At,Note,Total,Currency\r\n"
      "C-1,X-1,2024-01-01T10:00:00Z,\"hello, world\",\"1,000.00\",USD\r\n";
  // A thousands separator is not a decimal amount: refused, naming the cell.
  TestResponse rejected = Post("/orders/import", csv, a.access_token, "text/csv");
  ASSERT_TRUE(IsErrorEnvelope(rejected, 400));
  EXPECT_NE(rejected.body.find("line 2, column 5"), std::string::npos) << rejected.body;
  std::string fixed = csv;
  fixed.replace(fixed.find("\"1,000.00\""), 10, "\"1000.00\"");
  fixed += "C-2,X-2,2024-01-02T10:00:00+01:00,,7,eur\r\n";
  TestResponse imported = Post("/orders/import", fixed, a.access_token, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(JsonOf(imported).at("created").as_int64(), 2);
  auto orders = ListAll("/orders", a.access_token);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].at("external_id").as_string(), "X-1");
  EXPECT_EQ(orders[0].at("total").at("minor").as_int64(), 100000);
  EXPECT_EQ(orders[1].at("total").at("currency").as_string(), "EUR");
}

// A CSV larger than the 1 MiB JSON limit and than one import batch (10,000 rows): the import
// route's own body limit applies, every batch lands, and a bad row near the end (after earlier
// batches went to the database) still leaves nothing behind.
TEST_P(ApiOrdersTest, LargeCsvImportSpansBatchesAndStaysAllOrNothing) {
  Account a = Register("owner@a.example", "A");
  constexpr int kRows = 25'000;
  auto make_csv = [&](int bad_line) {
    std::string csv(kCsvHeader);
    csv.reserve(kRows * 64);
    for (int i = 0; i < kRows; ++i) {
      const int line = i + 2;
      csv += "L-" + std::to_string(i) + ",C-" + std::to_string(i % 5000) +
             ",2024-01-01T10:00:00Z," + (line == bad_line ? "-1.00" : "12.34") + ",USD,,\n";
    }
    return csv;
  };
  const std::string bad = make_csv(24'000);
  ASSERT_GT(bad.size(), 1u << 20);
  TestResponse rejected = Post("/orders/import", bad, a.access_token, "text/csv");
  ASSERT_TRUE(IsErrorEnvelope(rejected, 400));
  EXPECT_NE(rejected.body.find("line 24000"), std::string::npos) << rejected.body;
  EXPECT_EQ(CountOrders(a.tenant_id), 0);
  EXPECT_EQ(CountCustomers(a.tenant_id), 0);

  const std::string good = make_csv(-1);
  TestResponse imported = Post("/orders/import", good, a.access_token, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(JsonOf(imported),
            boost::json::parse(R"({"created":25000,"updated":0,"unchanged":0,"rows":25000})"));
  EXPECT_EQ(CountOrders(a.tenant_id), kRows);
  EXPECT_EQ(CountCustomers(a.tenant_id), 5000);
}

TEST_P(ApiOrdersTest, JsonMediaTypeParametersAndChunkedBodies) {
  Account a = Register("owner@a.example", "A");
  const std::string body = OrdersJson({OrderSpec("M-1", "C")});
  TestResponse with_charset =
      Post("/orders", body, a.access_token, "application/json; charset=utf-8");
  EXPECT_EQ(with_charset.status, 200) << with_charset.body;
  TestResponse upper =
      Post("/orders", OrdersJson({OrderSpec("M-2", "C")}), a.access_token, "Application/JSON");
  EXPECT_EQ(upper.status, 200) << upper.body;
  // curl sends a body from stdin chunked.
  const std::string chunked_body = OrdersJson({OrderSpec("M-3", "C")});
  std::string raw = "POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    a.access_token +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::size_t half = chunked_body.size() / 2;
  for (const std::string& part : {chunked_body.substr(0, half), chunked_body.substr(half)}) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    raw += size + part + "\r\n";
  }
  raw += "0\r\n\r\n";
  testing::TestClient client(port());
  ASSERT_TRUE(client.SendRaw(raw));
  std::optional<TestResponse> r = client.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(CountOrders(a.tenant_id), 3);
}

// A rejected write must not break the next one. Regression: on PostgreSQL the per-connection
// staging tables were created inside the first write's transaction, so when that write was
// rolled back (a bad refund reference, a CSV with a bad row) the connection kept believing they
// existed and every later write on it failed with "relation clv_stage does not exist" (422).
// One pooled connection, so that the rejected and the next write share it.
TEST_P(ApiOrdersTest, RejectedWriteDoesNotBreakTheNextOne) {
  StartApp([](AppOptions& o) { o.config.pg_pool_size = 1; });
  Account a = Register("owner@a.example", "A");
  // Rejected by the store (the refund's order is unknown), after staging.
  EXPECT_TRUE(IsErrorEnvelope(
      Post("/orders", OrdersJson({OrderSpec("R-1", "C").RefundOf("NOPE")}), a.access_token),
      400));
  TestResponse ok = Post("/orders", OrdersJson({OrderSpec("O-1", "C")}), a.access_token);
  EXPECT_EQ(ok.status, 200) << ok.body;
  // Rejected CSV import (bad row), then a good one, then a JSON write.
  std::string bad(kCsvHeader);
  bad += "B-1,C,2024-01-01T10:00:00Z,oops,USD,,\n";
  EXPECT_TRUE(IsErrorEnvelope(Post("/orders/import", bad, a.access_token, "text/csv"), 400));
  std::string good(kCsvHeader);
  good += "G-1,C,2024-01-01T10:00:00Z,1.00,USD,,\n";
  TestResponse imported = Post("/orders/import", good, a.access_token, "text/csv");
  EXPECT_EQ(imported.status, 200) << imported.body;
  TestResponse ok2 = Post("/orders", OrdersJson({OrderSpec("O-2", "C")}), a.access_token);
  EXPECT_EQ(ok2.status, 200) << ok2.body;
  EXPECT_EQ(CountOrders(a.tenant_id), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiOrdersTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
