// The README walkthrough and the authentication rules, end to end through a real socket on
// SQLite and PostgreSQL: response shapes of DESIGN.md "API", refresh rotation with reuse
// detection, logout, and 401/403 answers.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/domain.h"
#include "core/time.h"
#include "http/api_testlib.h"
#include "security/encoding.h"
#include "security/jwt.h"

namespace clv::http::apitest {
namespace {

using ApiAuthTest = ApiTest;

std::string RefreshBody(std::string_view token) {
  return boost::json::serialize(boost::json::object{{"refresh_token", token}});
}

void ExpectTokenShape(const boost::json::object& o) {
  ASSERT_TRUE(o.contains("access_token") && o.at("access_token").is_string());
  ASSERT_TRUE(o.contains("refresh_token") && o.at("refresh_token").is_string());
  ASSERT_TRUE(o.contains("expires_in") && o.at("expires_in").is_int64());
  EXPECT_FALSE(o.at("access_token").as_string().empty());
  EXPECT_FALSE(o.at("refresh_token").as_string().empty());
  EXPECT_EQ(o.at("expires_in").as_int64(), 900);
}

TEST_P(ApiAuthTest, ReadmeWalkthrough) {
  // Register: 201 with the documented shape.
  const std::string password = "correct horse battery staple";
  TestResponse reg = Post("/auth/register",
                          R"({"email":"Owner@Shop.example","password":")" + password +
                              R"(","organization":"Acme Shop"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(reg.Header("Content-Type").substr(0, 16), "application/json");
  boost::json::object r = JsonOf(reg).as_object();
  ExpectTokenShape(r);
  ASSERT_TRUE(r.at("user").at("id").is_int64());
  EXPECT_EQ(r.at("user").at("email").as_string(), "owner@shop.example");
  ASSERT_TRUE(r.at("organization").at("id").is_int64());
  EXPECT_EQ(r.at("organization").at("name").as_string(), "Acme Shop");
  const std::int64_t tenant = r.at("organization").at("id").as_int64();

  // Registering the same email again (any case) is a conflict, not a second account.
  TestResponse again = Post("/auth/register",
                            R"({"email":"owner@shop.EXAMPLE","password":")" + password +
                                R"(","organization":"Other"})");
  EXPECT_TRUE(IsErrorEnvelope(again, 409));

  // Login.
  TestResponse login =
      Post("/auth/login", R"({"email":"owner@shop.example","password":")" + password + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  boost::json::object tokens = JsonOf(login).as_object();
  ExpectTokenShape(tokens);
  const std::string access(tokens.at("access_token").as_string());
  const std::string refresh1(tokens.at("refresh_token").as_string());

  // Wrong password and unknown email: the same 401.
  TestResponse wrong =
      Post("/auth/login", R"({"email":"owner@shop.example","password":"not the password"})");
  ASSERT_TRUE(IsErrorEnvelope(wrong, 401));
  TestResponse unknown =
      Post("/auth/login", R"({"email":"nobody@shop.example","password":"not the password"})");
  ASSERT_TRUE(IsErrorEnvelope(unknown, 401));
  EXPECT_EQ(JsonOf(wrong).at("error").at("message"), JsonOf(unknown).at("error").at("message"));

  // Orders.
  TestResponse posted = Post("/orders", OrdersJson({
                                            OrderSpec("1001", "C-1").At("2024-03-01T10:00:00+02:00").Total("19.99").Email("Ann@Example.com"),
                                            OrderSpec("1002", "C-1").At("2024-04-01T10:00:00Z").Total("5"),
                                            OrderSpec("1003", "C-2").Total("7.50").Currency("eur"),
                                        }),
                             access);
  ASSERT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(JsonOf(posted), boost::json::parse(R"({"created":3,"updated":0,"unchanged":0})"));

  // Customers: {items, next_cursor}.
  TestResponse customers = Get("/customers", access);
  ASSERT_EQ(customers.status, 200) << customers.body;
  boost::json::object list = JsonOf(customers).as_object();
  ASSERT_TRUE(list.at("items").is_array());
  EXPECT_TRUE(list.at("next_cursor").is_null());
  ASSERT_EQ(list.at("items").as_array().size(), 2u);
  const boost::json::object& c1 = list.at("items").as_array()[0].as_object();
  EXPECT_EQ(c1.at("external_id").as_string(), "C-1");
  EXPECT_EQ(c1.at("email").as_string(), "ann@example.com");
  EXPECT_EQ(c1.at("order_count").as_int64(), 2);
  EXPECT_EQ(c1.at("first_order_at").as_string(), "2024-03-01T08:00:00Z");
  const std::int64_t c1_id = c1.at("id").as_int64();

  // GET /customers/:id and ?external_id=.
  TestResponse one = Get("/customers/" + std::to_string(c1_id), access);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(JsonOf(one).at("external_id").as_string(), "C-1");
  TestResponse by_external = Get("/customers?external_id=C-2", access);
  ASSERT_EQ(by_external.status, 200);
  ASSERT_EQ(JsonOf(by_external).at("items").as_array().size(), 1u);
  EXPECT_EQ(JsonOf(by_external).at("items").at(0).at("external_id").as_string(), "C-2");

  // Orders of one customer, money as minor units + decimal string.
  TestResponse orders = Get("/orders?customer_id=" + std::to_string(c1_id), access);
  ASSERT_EQ(orders.status, 200) << orders.body;
  boost::json::array items = JsonOf(orders).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("external_id").as_string(), "1001");
  EXPECT_EQ(items[0].at("placed_at").as_string(), "2024-03-01T08:00:00Z");
  EXPECT_EQ(items[0].at("total"),
            boost::json::parse(R"({"minor":1999,"amount":"19.99","currency":"USD"})"));
  EXPECT_EQ(items[0].at("customer_id").as_int64(), c1_id);
  EXPECT_EQ(items[1].at("external_id").as_string(), "1002");
  EXPECT_EQ(items[1].at("total").at("minor").as_int64(), 500);
  const std::int64_t order_id = items[0].at("id").as_int64();
  TestResponse order = Get("/orders/" + std::to_string(order_id), access);
  ASSERT_EQ(order.status, 200);
  EXPECT_EQ(JsonOf(order).at("external_id").as_string(), "1001");
  TestResponse all_orders = Get("/orders", access);
  EXPECT_EQ(JsonOf(all_orders).at("items").as_array().size(), 3u);

  // Refresh rotates: the new pair works, the old refresh token does not.
  TestResponse refreshed = Post("/auth/refresh", RefreshBody(refresh1));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  boost::json::object pair2 = JsonOf(refreshed).as_object();
  ExpectTokenShape(pair2);
  const std::string refresh2(pair2.at("refresh_token").as_string());
  EXPECT_NE(refresh2, refresh1);
  EXPECT_EQ(Get("/customers", pair2.at("access_token").as_string()).status, 200);
  // Replaying the rotated token fails AND revokes its family: the new token dies too.
  EXPECT_TRUE(IsErrorEnvelope(Post("/auth/refresh", RefreshBody(refresh1)), 401));
  EXPECT_TRUE(IsErrorEnvelope(Post("/auth/refresh", RefreshBody(refresh2)), 401));

  // A fresh login is a new family; logout kills it.
  TestResponse login2 =
      Post("/auth/login", R"({"email":"OWNER@shop.example","password":")" + password + R"("})");
  ASSERT_EQ(login2.status, 200) << login2.body;
  const std::string refresh3(JsonOf(login2).at("refresh_token").as_string());
  TestResponse logout = Post("/auth/logout", RefreshBody(refresh3));
  EXPECT_EQ(logout.status, 204) << logout.body;
  EXPECT_TRUE(logout.body.empty());
  EXPECT_TRUE(IsErrorEnvelope(Post("/auth/refresh", RefreshBody(refresh3)), 401));
  // Logout is idempotent.
  EXPECT_EQ(Post("/auth/logout", RefreshBody(refresh3)).status, 204);

  EXPECT_EQ(CountOrders(tenant), 3);
  EXPECT_EQ(CountCustomers(tenant), 2);
}

TEST_P(ApiAuthTest, BadAuthRequestsAreEnvelopedAndCreateNothing) {
  struct Case {
    std::string path, body, content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"/auth/register", "", "application/json", 400},
      {"/auth/register", "{", "application/json", 400},
      {"/auth/register", "[]", "application/json", 400},
      {"/auth/register", "null", "application/json", 400},
      {"/auth/register", R"({"email":"a@b.example","password":"long enough pass"})",
       "application/json", 400},
      {"/auth/register", R"({"email":1,"password":"long enough pass","organization":"X"})",
       "application/json", 400},
      {"/auth/register", R"({"email":"not-an-email","password":"long enough pass","organization":"X"})",
       "application/json", 400},
      {"/auth/register", R"({"email":"a@b.example","password":"short","organization":"X"})",
       "application/json", 400},
      {"/auth/register", R"({"email":"a@b.example","password":"long enough pass","organization":"  "})",
       "application/json", 400},
      {"/auth/register", R"({"email":"a@b.example","password":"long enough pass","organization":"X"})",
       "text/plain", 415},
      {"/auth/login", R"({"email":"a@b.example"})", "application/json", 400},
      {"/auth/login", R"({"email":"a@b.example","password":42})", "application/json", 400},
      {"/auth/refresh", R"({})", "application/json", 400},
      {"/auth/refresh", R"({"refresh_token":"garbage"})", "application/json", 401},
      {"/auth/refresh", R"({"refresh_token":12})", "application/json", 400},
      {"/auth/logout", R"({"refresh_token":"garbage"})", "application/json", 400},
      {"/auth/logout", R"("x")", "application/json", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + " " + c.body + " (" + c.content_type + ")");
    EXPECT_TRUE(IsErrorEnvelope(Post(c.path, c.body, {}, c.content_type), c.status));
  }
  // No account was made by any of them.
  Result<User> user = app().store().FindUserByEmail("a@b.example");
  EXPECT_EQ(user.status().code(), StatusCode::kNotFound);
}

TEST_P(ApiAuthTest, ProtectedRoutesAnswer401WithChallenge) {
  Account a = Register("owner@a.example", "A");
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/customers"}, {"GET", "/customers/1"}, {"GET", "/orders"},
      {"GET", "/orders/1"},  {"POST", "/orders"},     {"POST", "/orders/import"},
  };
  // A token signed with another secret, claiming the same tenant: forged.
  Result<security::JwtCodec> other =
      security::JwtCodec::Create("some-other-secret-0123456789abcdef-xyz");
  ASSERT_TRUE(other.ok());
  const std::string forged =
      other->Issue(UserId{a.user_id}, TenantId{a.tenant_id}, Role::kOwner, kNow).token;
  // The real token with its payload rewritten to claim another tenant, signature kept.
  const std::size_t dot1 = a.access_token.find('.');
  const std::size_t dot2 = a.access_token.find('.', dot1 + 1);
  std::optional<std::string> payload =
      security::Base64UrlDecode(a.access_token.substr(dot1 + 1, dot2 - dot1 - 1));
  ASSERT_TRUE(payload.has_value());
  boost::json::object claims = boost::json::parse(*payload).as_object();
  claims["tid"] = std::to_string(a.tenant_id + 1);
  const std::string tampered = a.access_token.substr(0, dot1 + 1) +
                               security::Base64UrlEncode(boost::json::serialize(claims)) +
                               a.access_token.substr(dot2);

  for (const auto& [method, path] : routes) {
    SCOPED_TRACE(method + " " + path);
    const std::string body = method == "POST" ? "{}" : "";
    TestResponse missing = Call(method, path, body, {}, "application/json");
    EXPECT_TRUE(IsErrorEnvelope(missing, 401));
    EXPECT_EQ(missing.Header("WWW-Authenticate").substr(0, 6), "Bearer");
    for (const std::string& token : {std::string("not.a.jwt"), forged, tampered}) {
      TestResponse bad = Call(method, path, body, token, "application/json");
      EXPECT_TRUE(IsErrorEnvelope(bad, 401));
      EXPECT_NE(bad.Header("WWW-Authenticate").find("invalid_token"), std::string::npos)
          << bad.Header("WWW-Authenticate");
    }
    TestResponse basic = Send(port(), method, path,
                              {{"Authorization", "Basic dXNlcjpwYXNz"},
                               {"Content-Type", "application/json"}},
                              body);
    EXPECT_TRUE(IsErrorEnvelope(basic, 401));
    EXPECT_FALSE(basic.Header("WWW-Authenticate").empty());
  }

  // Expiry: the access token lives 900 s on the server's clock, plus 30 s of tolerated skew.
  EXPECT_EQ(Get("/customers", a.access_token).status, 200);
  clock_.Advance(899 * kMicrosPerSecond);
  EXPECT_EQ(Get("/customers", a.access_token).status, 200);
  clock_.Advance(32 * kMicrosPerSecond);
  TestResponse expired = Get("/customers", a.access_token);
  EXPECT_TRUE(IsErrorEnvelope(expired, 401));
  EXPECT_NE(expired.Header("WWW-Authenticate").find("invalid_token"), std::string::npos);
  // The refresh token still works and gives a token valid at the new time.
  TestResponse refreshed = Post("/auth/refresh", RefreshBody(a.refresh_token));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(Get("/customers", JsonOf(refreshed).at("access_token").as_string()).status, 200);
  EXPECT_EQ(CountOrders(a.tenant_id), 0);
}

TEST_P(ApiAuthTest, ViewerMayReadButNotWrite) {
  Account owner = Register("owner@a.example", "A");
  ASSERT_EQ(Post("/orders", OrdersJson({OrderSpec("1", "C1")}), owner.access_token)
                .status,
            200);
  Account viewer = AddUser(owner.tenant_id, "viewer@a.example", Role::kViewer);
  ASSERT_FALSE(viewer.access_token.empty());

  EXPECT_EQ(Get("/customers", viewer.access_token).status, 200);
  EXPECT_EQ(Get("/orders", viewer.access_token).status, 200);
  EXPECT_TRUE(IsErrorEnvelope(
      Post("/orders", OrdersJson({OrderSpec("2", "C2")}), viewer.access_token), 403));
  EXPECT_TRUE(IsErrorEnvelope(
      Post("/orders/import",
           "id,customer_id,placed_at,total,currency\n3,C3,2024-01-01T00:00:00Z,1.00,USD\n",
           viewer.access_token, "text/csv"),
      403));
  EXPECT_EQ(CountOrders(owner.tenant_id), 1);
  EXPECT_EQ(CountCustomers(owner.tenant_id), 1);

  // An analyst may write.
  Account analyst = AddUser(owner.tenant_id, "analyst@a.example", Role::kAnalyst);
  EXPECT_EQ(
      Post("/orders", OrdersJson({OrderSpec("2", "C2")}), analyst.access_token).status,
      200);
  EXPECT_EQ(CountOrders(owner.tenant_id), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiAuthTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
