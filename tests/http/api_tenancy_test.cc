// Tenant isolation through the API on SQLite and PostgreSQL. Every endpoint is listed in
// kEndpoints (add new ones there): organization B, holding A's ids and external ids, must never
// read or change A's rows. There is no tenant in paths or bodies: the tenant comes from the
// signed token only, so a "tenant_id" anywhere in a request is ignored or refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/api_testlib.h"

namespace clv::http::apitest {
namespace {

using ApiTenancyTest = ApiTest;

// Placeholders, replaced by A's values: {customer_id} {order_id} (our ids), {ext_customer}
// {ext_order} (the shop's ids), {email}, {tenant_id}.
struct Endpoint {
  Endpoint(std::string m, std::string p, std::string type = "", std::string b = "",
           bool w = false)
      : method(std::move(m)), path(std::move(p)), content_type(std::move(type)),
        body(std::move(b)), writes(w) {}
  std::string method;
  std::string path;
  std::string content_type;
  std::string body;
  bool writes = false;
};

const std::vector<Endpoint>& Endpoints() {
  static const std::vector<Endpoint> kEndpoints = {
      {"GET", "/customers"},
      {"GET", "/customers?limit=1000"},
      {"GET", "/customers/{customer_id}"},
      {"GET", "/customers?external_id={ext_customer}"},
      {"GET", "/customers?external_id={ext_customer}&source=api"},
      {"GET", "/customers?email={email}"},
      {"GET", "/customers?tenant_id={tenant_id}"},
      {"GET", "/orders"},
      {"GET", "/orders/{order_id}"},
      {"GET", "/orders?customer_id={customer_id}"},
      {"GET", "/orders?tenant_id={tenant_id}"},
      {"POST", "/orders", "application/json",
       R"({"orders":[{"id":"{ext_order}","customer_id":"{ext_customer}","tenant_id":{tenant_id},
          "placed_at":"2024-05-01T00:00:00Z","total":"1.00","currency":"USD",
          "email":"b-buyer@b.example"}]})",
       true},
      {"POST", "/orders", "application/json",
       R"({"orders":[{"id":"{ext_order}-refund","customer_id":"{ext_customer}",
          "placed_at":"2024-05-02T00:00:00Z","total":"1.00","currency":"USD",
          "refund_of":"{ext_order}"}]})",
       true},
      {"POST", "/orders/import", "text/csv",
       "id,customer_id,placed_at,total,currency,email\n"
       "{ext_order},{ext_customer},2024-05-03T00:00:00Z,2.00,USD,b-buyer@b.example\n",
       true},
      {"POST", "/orders/import", "multipart/form-data; boundary=zz",
       "--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
       "id,customer_id,placed_at,total,currency\n"
       "{ext_order}-2,{ext_customer},2024-05-04T00:00:00Z,3.00,USD\r\n--zz--\r\n",
       true},
  };
  return kEndpoints;
}

std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& vars) {
  for (const auto& [key, value] : vars) {
    for (std::size_t pos; (pos = text.find(key)) != std::string::npos;) {
      text.replace(pos, key.size(), value);
    }
  }
  return text;
}

// A's rows are marked so that any leak is visible in a response body.
constexpr std::string_view kSecretEmail = "secret-buyer@a.example";
constexpr std::string_view kSecretAmount = "123.45";

TEST_P(ApiTenancyTest, TenantBNeverSeesOrChangesTenantA) {
  Account a = Register("owner@a.example", "Shop A");
  Account b = Register("owner@b.example", "Shop B");
  ASSERT_NE(a.tenant_id, b.tenant_id);

  TestResponse seeded = Post("/orders",
                             OrdersJson({OrderSpec("A-ORDER-1", "A-CUST-1").Total(std::string(kSecretAmount)).Email(std::string(kSecretEmail)),
                                         OrderSpec("A-ORDER-2", "A-CUST-1").At("2024-03-02T10:00:00Z").Total(std::string(kSecretAmount))}),
                             a.access_token);
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  TestResponse a_customers = Get("/customers", a.access_token);
  const std::int64_t a_customer =
      JsonOf(a_customers).at("items").at(0).at("id").as_int64();
  TestResponse a_orders = Get("/orders", a.access_token);
  const std::int64_t a_order = JsonOf(a_orders).at("items").at(0).at("id").as_int64();
  const std::string a_customer_detail = Get("/customers/" + std::to_string(a_customer),
                                            a.access_token).body;

  const std::vector<std::pair<std::string, std::string>> vars = {
      {"{customer_id}", std::to_string(a_customer)}, {"{order_id}", std::to_string(a_order)},
      {"{ext_customer}", "A-CUST-1"},                {"{ext_order}", "A-ORDER-1"},
      {"{email}", std::string(kSecretEmail)},         {"{tenant_id}", std::to_string(a.tenant_id)}};

  auto expect_no_leak = [&](const TestResponse& r) {
    EXPECT_LT(r.status, 500) << r.body;
    EXPECT_EQ(r.body.find(kSecretEmail), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(kSecretAmount), std::string::npos) << r.body;
  };

  // Phase 1: B has no data at all. Every read answers 404 or an empty list.
  for (const Endpoint& e : Endpoints()) {
    if (e.writes) continue;
    const std::string path = Fill(e.path, vars);
    SCOPED_TRACE(e.method + " " + path);
    TestResponse r = Call(e.method, path, Fill(e.body, vars), b.access_token, e.content_type);
    expect_no_leak(r);
    if (r.status == 200) {
      EXPECT_TRUE(JsonOf(r).at("items").as_array().empty()) << r.body;
    } else {
      EXPECT_TRUE(IsErrorEnvelope(r, 404));
    }
  }

  // Phase 2: B writes with A's external ids (and A's tenant id in the body). B gets its own
  // rows; A's stay as they were.
  for (const Endpoint& e : Endpoints()) {
    if (!e.writes) continue;
    const std::string path = Fill(e.path, vars);
    SCOPED_TRACE(e.method + " " + path + " " + e.body);
    TestResponse r = Call(e.method, path, Fill(e.body, vars), b.access_token, e.content_type);
    expect_no_leak(r);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_GT(CountOrders(b.tenant_id), 0);
  EXPECT_EQ(CountOrders(a.tenant_id), 2);
  EXPECT_EQ(CountCustomers(a.tenant_id), 1);
  EXPECT_EQ(Get("/customers", a.access_token).body, a_customers.body);
  EXPECT_EQ(Get("/orders", a.access_token).body, a_orders.body);
  EXPECT_EQ(Get("/customers/" + std::to_string(a_customer), a.access_token).body,
            a_customer_detail);

  // Phase 3: B's reads, with A's ids, show only B's rows (an id may coincide with one of B's
  // own on SQLite, which numbers per tenant — then it is B's row, never A's).
  for (const Endpoint& e : Endpoints()) {
    if (e.writes) continue;
    const std::string path = Fill(e.path, vars);
    SCOPED_TRACE(e.method + " " + path);
    TestResponse r = Call(e.method, path, Fill(e.body, vars), b.access_token, e.content_type);
    expect_no_leak(r);
    if (r.status != 200) {
      EXPECT_TRUE(IsErrorEnvelope(r, 404));
    }
  }
  for (const auto& c : ListAll("/customers", b.access_token)) {
    EXPECT_NE(c.at("email"), boost::json::value(kSecretEmail));
  }
}

TEST_P(ApiTenancyTest, TokenDecidesTheTenantNotTheBody) {
  Account a = Register("owner@a.example", "Shop A");
  Account b = Register("owner@b.example", "Shop B");
  // A names B's tenant inside an order: the field is ignored, the order is A's.
  const std::string body =
      R"({"orders":[{"id":"X-1","customer_id":"C","tenant_id":)" + std::to_string(b.tenant_id) +
      R"(,"organization_id":)" + std::to_string(b.tenant_id) +
      R"(,"placed_at":"2024-03-01T10:00:00Z","total":"1","currency":"USD"}]})";
  TestResponse r = Post("/orders", body, a.access_token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(CountOrders(a.tenant_id), 1);
  EXPECT_EQ(CountOrders(b.tenant_id), 0);
  // At the top level it is not a known field: refused, nothing stored anywhere.
  const std::string top = R"({"tenant_id":)" + std::to_string(b.tenant_id) +
                          R"(,"orders":[{"id":"X-2","customer_id":"C","placed_at":"2024-03-01T10:00:00Z","total":"1","currency":"USD"}]})";
  EXPECT_TRUE(IsErrorEnvelope(Post("/orders", top, a.access_token), 400));
  EXPECT_EQ(CountOrders(a.tenant_id), 1);
  EXPECT_EQ(CountOrders(b.tenant_id), 0);
  // A query parameter does not switch tenants either.
  TestResponse list = Get("/orders?tenant_id=" + std::to_string(b.tenant_id), b.access_token);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(JsonOf(list).at("items").as_array().empty());
  // B's refresh token issues B's tokens, whatever the body says.
  TestResponse refreshed = Post("/auth/refresh",
                                R"({"refresh_token":")" + b.refresh_token +
                                    R"(","tenant_id":)" + std::to_string(a.tenant_id) + "}");
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  TestResponse b_view = Get("/orders", JsonOf(refreshed).at("access_token").as_string());
  ASSERT_EQ(b_view.status, 200);
  EXPECT_TRUE(JsonOf(b_view).at("items").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTenancyTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
