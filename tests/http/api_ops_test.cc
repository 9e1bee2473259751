// Operations through the API on SQLite and PostgreSQL: health probes (database, Redis on and
// off and down), the demo shop, and a graceful shutdown that finishes a request in flight.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <boost/json.hpp>

#include "core/config.h"
#include "http/api_testlib.h"
#include "service/demo.h"

namespace clv::http::apitest {
namespace {

using ApiOpsTest = ApiTest;

// A loopback port with nothing listening: bound by the kernel's choice, then closed.
std::uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_P(ApiOpsTest, HealthProbes) {
  TestResponse health = Get("/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(JsonOf(health).at("status").as_string(), "ok");
  TestResponse db = Get("/health/db");
  ASSERT_EQ(db.status, 200) << db.body;
  EXPECT_EQ(JsonOf(db).at("status").as_string(), "ok");
  TestResponse redis = Get("/health/redis");
  ASSERT_EQ(redis.status, 200) << redis.body;
  EXPECT_EQ(JsonOf(redis).at("status").as_string(), "disabled");

  // Redis configured but down: 503 with the error envelope's fields.
  RedisAddress closed;
  closed.host = "127.0.0.1";
  closed.port = ClosedPort();
  StartApp([&](AppOptions& o) { o.config.redis = closed; });
  TestResponse down = Get("/health/redis");
  ASSERT_EQ(down.status, 503) << down.body;
  boost::json::value v = JsonOf(down);
  EXPECT_EQ(v.at("status").as_string(), "unavailable");
  EXPECT_EQ(v.at("error").at("code").as_string(), "unavailable");
  EXPECT_FALSE(v.at("error").at("request_id").as_string().empty());
  EXPECT_EQ(Get("/health/db").status, 200);
}

TEST_P(ApiOpsTest, HealthRedisOkWithTestRedis) {
  const char* url = std::getenv("CLV_TEST_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    const char* require = std::getenv("CLV_TEST_REQUIRE_POSTGRES");
    if (require != nullptr && std::string_view(require) == "1") {
      FAIL() << "CLV_TEST_REDIS_URL is not set (scripts/services.sh start sets it)";
    }
    GTEST_SKIP() << "CLV_TEST_REDIS_URL is not set";
  }
  Result<Config> config = LoadConfig({{"REDIS_URL", url}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->redis.has_value());
  StartApp([&](AppOptions& o) { o.config.redis = config->redis; });
  TestResponse r = Get("/health/redis");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonOf(r).at("status").as_string(), "ok");
}

TEST_P(ApiOpsTest, DemoShopSignsInAndListsItsCustomers) {
  service::DemoOptions options;
  options.customers = 300;
  Result<service::DemoShop> shop =
      service::CreateDemoShop(app().store(), app().accounts(), clock_, options);
  ASSERT_TRUE(shop.ok()) << shop.status().ToString();
  EXPECT_EQ(shop->customers, 300);
  EXPECT_GT(shop->orders, 300);
  EXPECT_EQ(CountCustomers(shop->tenant.value), 300);
  EXPECT_EQ(CountOrders(shop->tenant.value), shop->orders);

  TestResponse login = Post("/auth/login", R"({"email":")" + std::string(service::kDemoEmail) +
                                               R"(","password":")" +
                                               std::string(service::kDemoPassword) + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string token(JsonOf(login).at("access_token").as_string());
  std::vector<boost::json::object> customers = ListAll("/customers", token, 128);
  ASSERT_EQ(customers.size(), 300u);
  for (const auto& c : customers) {
    EXPECT_GE(c.at("order_count").as_int64(), 0);
    EXPECT_FALSE(c.at("first_order_at").is_null() && c.at("order_count").as_int64() > 0);
  }
  // Orders lie in the two years before the clock's today.
  std::vector<boost::json::object> orders = ListAll("/orders", token);
  ASSERT_EQ(static_cast<std::int64_t>(orders.size()), shop->orders);
  for (const auto& o : orders) {
    const std::string placed(o.at("placed_at").as_string());
    EXPECT_GE(placed, "2023-06-01") << placed;
    EXPECT_LT(placed, "2025-06-01") << placed;
  }

  Result<service::DemoShop> again =
      service::CreateDemoShop(app().store(), app().accounts(), clock_, options);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  EXPECT_EQ(CountCustomers(shop->tenant.value), 300);
}

TEST_P(ApiOpsTest, StopFinishesTheRequestInFlight) {
  Account a = Register("owner@a.example", "A");
  const std::string body = OrdersJson({OrderSpec("S-1", "C-1")});
  const std::string raw = "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          a.access_token +
                          "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  testing::TestClient idle(port());
  ASSERT_EQ(idle.Request("GET", "/health")->status, 200);

  // The request reads the clock on a worker thread (token check), where it is held: it is
  // inside the server when Stop() is called.
  clock_.HoldNextCall();
  testing::TestClient busy(port());
  ASSERT_TRUE(busy.SendRaw(raw));
  clock_.WaitUntilHeld();

  app().Stop();
  testing::TestClient refused(port());
  EXPECT_FALSE(refused.connected());
  EXPECT_TRUE(idle.WaitForClose());

  std::thread waiter([&] { app().Wait(); });
  clock_.Release();
  std::optional<TestResponse> r = busy.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_EQ(JsonOf(*r).at("created").as_int64(), 1);
  waiter.join();
  // The order was committed before the server finished draining.
  EXPECT_EQ(CountOrders(a.tenant_id), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiOpsTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
