// End-to-end API test support: a fresh database per test (SQLite file in a temp directory, or a
// PostgreSQL database created on CLV_TEST_POSTGRES_URL and dropped afterwards), the whole
// Application started in-process on a free loopback port, and a small client that sends one
// request per connection (so a 413 that closes the connection cannot disturb the next call).
//
// The fixture `ApiTest` is parameterised by backend; test files instantiate it with
// INSTANTIATE_TEST_SUITE_P(Backends, <Suite>, kAllBackends, BackendParamName).
// PostgreSQL without CLV_TEST_POSTGRES_URL: the test is skipped, or fails when
// CLV_TEST_REQUIRE_POSTGRES=1.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/config.h"
#include "core/status.h"
#include "http/app.h"
#include "http/test_client.h"

namespace clv::http::apitest {

enum class Backend { kSqlite, kPostgres };
std::string BackendName(Backend backend);
inline const auto kAllBackends = ::testing::Values(Backend::kSqlite, Backend::kPostgres);
std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info);

// A private database and data directory for one test; both are removed by the destructor.
class TestDb {
 public:
  // For PostgreSQL without CLV_TEST_POSTGRES_URL: returns null with *skip_reason set, or
  // FailedPrecondition when CLV_TEST_REQUIRE_POSTGRES=1.
  static Result<std::unique_ptr<TestDb>> Create(Backend backend, std::string* skip_reason);
  ~TestDb();

  const std::string& url() const { return url_; }
  const std::string& data_dir() const { return dir_; }

 private:
  TestDb() = default;
  std::string url_;
  std::string dir_;
  std::string admin_url_;  // PostgreSQL: the server's maintenance database
  std::string db_name_;
};

// A clock that stands still unless advanced (deterministic token expiry and date checks), and
// that can hold ONE call of Now() until released — the way a test knows a request is inside
// the server (authentication reads the clock on a worker thread) before it acts.
class TestClock final : public Clock {
 public:
  explicit TestClock(UnixMicros now) : now_(now) {}
  UnixMicros Now() const override;
  void Advance(UnixMicros delta) { now_.fetch_add(delta); }

  // The next Now() call blocks until Release(); WaitUntilHeld() returns once it is blocked.
  void HoldNextCall();
  void WaitUntilHeld();
  void Release();

 private:
  std::atomic<UnixMicros> now_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable bool armed_ = false;
  mutable bool held_ = false;
  bool released_ = false;
};

using testing::TestResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection to 127.0.0.1:port. A transport failure becomes a response
// with status 0 (the test then fails on the status check, it does not crash). Every response is
// checked with MatchesOpenApi (a mismatch is a test failure).
TestResponse Send(std::uint16_t port, std::string_view method, std::string_view target,
                  const Headers& headers = {}, std::string_view body = {});

// The response checked against api/openapi.json (OpenApiSpec::ValidateResponse): the route and
// status are documented and the body matches the schema. Send() applies it to every response.
::testing::AssertionResult MatchesOpenApi(std::string_view method, std::string_view target,
                                          const TestResponse& r);

// Checks the error envelope {"error": {"code", "message", "request_id"}} with a non-empty
// string for each, and the status. Returns the parsed error object (empty on failure).
::testing::AssertionResult IsErrorEnvelope(const TestResponse& r, int status);
// Parses the body; a parse failure adds a test failure and returns null.
boost::json::value JsonOf(const TestResponse& r);

// One order of a JSON batch: OrderSpec("O-1", "C-1").Total("5.00").At("2024-01-01T00:00:00Z").
struct OrderSpec {
  OrderSpec(std::string order_id, std::string customer)
      : id(std::move(order_id)), customer_id(std::move(customer)) {}
  OrderSpec& At(std::string v) { placed_at = std::move(v); return *this; }
  OrderSpec& Total(std::string v) { total = std::move(v); return *this; }
  OrderSpec& Currency(std::string v) { currency = std::move(v); return *this; }
  OrderSpec& Email(std::string v) { email = std::move(v); return *this; }
  OrderSpec& RefundOf(std::string v) { refund_of = std::move(v); return *this; }
  OrderSpec& Status(std::string v) { status = std::move(v); return *this; }

  std::string id;
  std::string customer_id;
  std::string placed_at = "2024-03-01T10:00:00Z";
  std::string total = "19.99";
  std::string currency = "USD";
  std::string email;      // omitted when empty
  std::string refund_of;  // omitted when empty
  std::string status;     // omitted when empty
};
// The JSON text of {"orders": [...]}.
std::string OrdersJson(const std::vector<OrderSpec>& orders);

struct Account {
  std::int64_t tenant_id = 0;
  std::int64_t user_id = 0;
  std::string email;
  std::string password;
  std::string access_token;
  std::string refresh_token;
};

// The fixture: one database and one running Application per test, on the test's backend.
class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  // 2025-06-01T00:00:00Z: orders in the tests are dated before it.
  static constexpr UnixMicros kNow = 1'748'736'000'000'000;
  static constexpr std::string_view kJwtSecret = "api-test-jwt-secret-0123456789abcdef";

  void SetUp() override;
  void TearDown() override;

  // The options the fixture starts with; `tweak` may change them before (re)starting.
  AppOptions DefaultOptions();
  // Stops the running Application (if any) and starts a new one on the same database.
  void StartApp(const std::function<void(AppOptions&)>& tweak = {});
  void StopApp();

  Application& app() { return *app_; }
  std::uint16_t port() const { return port_; }

  TestResponse Get(std::string_view target, std::string_view token = {});
  TestResponse Post(std::string_view target, std::string_view body, std::string_view token = {},
                    std::string_view content_type = "application/json");
  TestResponse Call(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view token, std::string_view content_type);

  // Registers through the API (asserting 201) and returns the account.
  Account Register(const std::string& email, const std::string& organization);
  // Creates a user of `role` in `tenant` through the AccountService and signs them in.
  Account AddUser(std::int64_t tenant_id, const std::string& email, Role role);

  std::int64_t CountOrders(std::int64_t tenant_id);
  std::int64_t CountCustomers(std::int64_t tenant_id);
  // Every item of a paginated list (following next_cursor), as parsed JSON objects.
  std::vector<boost::json::object> ListAll(const std::string& path, std::string_view token,
                                           int limit = 1000);

  TestClock clock_{kNow};
  std::unique_ptr<TestDb> db_;
  std::unique_ptr<Application> app_;
  std::uint16_t port_ = 0;
  std::string skip_reason_;
};

}  // namespace clv::http::apitest
