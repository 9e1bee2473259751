#include "http/api_testlib.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "common/scratch_postgres.h"
#include "core/domain.h"
#include "http/openapi.h"
#include "http/router.h"
#include "security/password.h"

namespace clv::http::apitest {
namespace {

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

Result<std::unique_ptr<TestDb>> TestDb::Create(Backend backend, std::string* skip_reason) {
  std::string admin;
  if (backend == Backend::kPostgres) {
    CLV_ASSIGN_OR_RETURN(std::optional<std::string> url,
                         testcommon::TestPostgresUrl(skip_reason));
    if (!url) return std::unique_ptr<TestDb>();
    admin = *url;
  }
  std::unique_ptr<TestDb> db(new TestDb());
  std::string templ = (std::filesystem::temp_directory_path() / "clv-api-test.XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return Internal("mkdtemp failed");
  db->dir_ = templ;
  if (backend == Backend::kSqlite) {
    db->url_ = "sqlite:" + templ + "/clv.db";
  } else {
    db->admin_url_ = admin;
    db->db_name_ = testcommon::ScratchDatabaseName("clv_api_");
    CLV_ASSIGN_OR_RETURN(db->url_, testcommon::CreateScratchDatabase(admin, db->db_name_));
  }
  return db;
}

TestDb::~TestDb() {
  if (!db_name_.empty()) testcommon::DropScratchDatabase(admin_url_, db_name_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

UnixMicros TestClock::Now() const {
  std::unique_lock lock(mu_);
  if (armed_) {
    armed_ = false;
    held_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }
  return now_.load();
}

void TestClock::HoldNextCall() {
  std::lock_guard lock(mu_);
  armed_ = true;
  held_ = false;
  released_ = false;
}

void TestClock::WaitUntilHeld() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return held_; });
}

void TestClock::Release() {
  std::lock_guard lock(mu_);
  released_ = true;
  cv_.notify_all();
}

::testing::AssertionResult MatchesOpenApi(std::string_view method, std::string_view target,
                                          const TestResponse& r) {
  Result<std::shared_ptr<const OpenApiSpec>> spec = OpenApiSpec::Embedded();
  if (!spec.ok()) return ::testing::AssertionFailure() << spec.status().ToString();
  std::string_view raw_path = target.substr(0, target.find('?'));
  std::optional<std::string> path = PercentDecode(raw_path);
  if (!path) return ::testing::AssertionSuccess();  // a malformed path: nothing to look up
  Status s = (*spec)->ValidateResponse(method, *path, r.status, r.Header("Content-Type"), r.body);
  if (!s.ok()) return ::testing::AssertionFailure() << "OpenAPI mismatch: " << s.message();
  return ::testing::AssertionSuccess();
}

TestResponse Send(std::uint16_t port, std::string_view method, std::string_view target,
                  const Headers& headers, std::string_view body) {
  testing::TestClient client(port);
  if (!client.connected()) return TestResponse{};
  std::optional<TestResponse> r = client.Request(method, target, headers, body);
  if (!r) return TestResponse{};
  // Every response an API test sees is checked against api/openapi.json.
  EXPECT_TRUE(MatchesOpenApi(method, target, *r)) << "body: " << r->body.substr(0, 2000);
  return std::move(*r);
}

boost::json::value JsonOf(const TestResponse& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec) {
    ADD_FAILURE() << "response body is not JSON (status " << r.status << "): " << r.body;
    return nullptr;
  }
  return v;
}

::testing::AssertionResult IsErrorEnvelope(const TestResponse& r, int status) {
  if (r.status != status) {
    return ::testing::AssertionFailure()
           << "status " << r.status << ", expected " << status << "; body: " << r.body;
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return ::testing::AssertionFailure() << "not a JSON object: " << r.body;
  const boost::json::value* error = v.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) {
    return ::testing::AssertionFailure() << "no error object: " << r.body;
  }
  for (const char* field : {"code", "message", "request_id"}) {
    const boost::json::value* f = error->as_object().if_contains(field);
    if (f == nullptr || !f->is_string() || f->as_string().empty()) {
      return ::testing::AssertionFailure() << "error." << field << " missing or empty: " << r.body;
    }
  }
  if (r.Header("X-Request-Id") != "" &&
      r.Header("X-Request-Id") != error->as_object().at("request_id").as_string()) {
    return ::testing::AssertionFailure() << "request_id differs from X-Request-Id: " << r.body;
  }
  return ::testing::AssertionSuccess();
}

std::string OrdersJson(const std::vector<OrderSpec>& orders) {
  boost::json::array items;
  for (const OrderSpec& o : orders) {
    boost::json::object item{{"id", o.id},
                             {"customer_id", o.customer_id},
                             {"placed_at", o.placed_at},
                             {"total", o.total},
                             {"currency", o.currency}};
    if (!o.email.empty()) item["email"] = o.email;
    if (!o.refund_of.empty()) item["refund_of"] = o.refund_of;
    if (!o.status.empty()) item["status"] = o.status;
    items.push_back(std::move(item));
  }
  return boost::json::serialize(boost::json::object{{"orders", std::move(items)}});
}

void ApiTest::SetUp() {
  Result<std::unique_ptr<TestDb>> db = TestDb::Create(GetParam(), &skip_reason_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  if (*db == nullptr) GTEST_SKIP() << skip_reason_;
  db_ = std::move(*db);
  StartApp();
}

void ApiTest::TearDown() {
  StopApp();
  db_.reset();
}

AppOptions ApiTest::DefaultOptions() {
  AppOptions options;
  options.config.database_url = db_->url();
  options.config.data_dir = db_->data_dir();
  options.config.listen_host = "127.0.0.1";
  options.config.listen_port = 0;
  options.config.jwt_secret = std::string(kJwtSecret);
  options.config.io_threads = 1;
  options.config.worker_threads = 4;
  options.clock = &clock_;
  options.argon2 = security::Argon2Params::Minimum();
  options.access_log = false;
  return options;
}

void ApiTest::StartApp(const std::function<void(AppOptions&)>& tweak) {
  StopApp();
  AppOptions options = DefaultOptions();
  if (tweak) tweak(options);
  Result<std::unique_ptr<Application>> app = Application::Create(std::move(options));
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  app_ = std::move(*app);
  Status started = app_->Start();
  ASSERT_TRUE(started.ok()) << started.ToString();
  port_ = app_->port();
  ASSERT_NE(port_, 0);
}

void ApiTest::StopApp() {
  if (!app_) return;
  app_->Stop();
  app_->Wait();
  app_.reset();
  port_ = 0;
}

TestResponse ApiTest::Call(std::string_view method, std::string_view target,
                           std::string_view body, std::string_view token,
                           std::string_view content_type) {
  Headers headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
  if (!content_type.empty() && (!body.empty() || method == "POST" || method == "PUT")) {
    headers.emplace_back("Content-Type", std::string(content_type));
  }
  return Send(port_, method, target, headers, body);
}

TestResponse ApiTest::Get(std::string_view target, std::string_view token) {
  return Call("GET", target, {}, token, {});
}

TestResponse ApiTest::Post(std::string_view target, std::string_view body,
                           std::string_view token, std::string_view content_type) {
  return Call("POST", target, body, token, content_type);
}

Account ApiTest::Register(const std::string& email, const std::string& organization) {
  Account a;
  a.email = email;
  a.password = "correct horse battery staple";
  boost::json::object body{{"email", email}, {"password", a.password},
                           {"organization", organization}};
  TestResponse r = Post("/auth/register", boost::json::serialize(body));
  EXPECT_EQ(r.status, 201) << r.body;
  if (r.status != 201) return a;
  boost::json::object o = JsonOf(r).as_object();
  a.tenant_id = o.at("organization").at("id").as_int64();
  a.user_id = o.at("user").at("id").as_int64();
  a.access_token = std::string(o.at("access_token").as_string());
  a.refresh_token = std::string(o.at("refresh_token").as_string());
  return a;
}

Account ApiTest::AddUser(std::int64_t tenant_id, const std::string& email, Role role) {
  Account a;
  a.email = email;
  a.password = "another long passphrase";
  a.tenant_id = tenant_id;
  Result<User> user = app_->accounts().CreateUser(TenantId{tenant_id}, email, a.password, role);
  EXPECT_TRUE(user.ok()) << user.status().ToString();
  if (!user.ok()) return a;
  a.user_id = user->id.value;
  boost::json::object body{{"email", email}, {"password", a.password}};
  TestResponse r = Post("/auth/login", boost::json::serialize(body));
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return a;
  boost::json::object o = JsonOf(r).as_object();
  a.access_token = std::string(o.at("access_token").as_string());
  a.refresh_token = std::string(o.at("refresh_token").as_string());
  return a;
}

std::int64_t ApiTest::CountOrders(std::int64_t tenant_id) {
  Result<std::int64_t> n = app_->store().CountOrders(TenantId{tenant_id});
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : -1;
}

std::int64_t ApiTest::CountCustomers(std::int64_t tenant_id) {
  Result<std::int64_t> n = app_->store().CountCustomers(TenantId{tenant_id});
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : -1;
}

std::vector<boost::json::object> ApiTest::ListAll(const std::string& path, std::string_view token,
                                                  int limit) {
  std::vector<boost::json::object> all;
  std::string cursor;
  const char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (int page = 0; page < 10'000; ++page) {
    std::string target = path + sep + "limit=" + std::to_string(limit);
    if (!cursor.empty()) target += "&cursor=" + PercentEncode(cursor);
    TestResponse r = Get(target, token);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    if (r.status != 200) break;
    boost::json::value v = JsonOf(r);
    for (const boost::json::value& item : v.at("items").as_array()) {
      all.push_back(item.as_object());
    }
    const boost::json::value& next = v.at("next_cursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  return all;
}

}  // namespace clv::http::apitest
