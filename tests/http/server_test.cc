// The server through a real socket on 127.0.0.1 (ephemeral port): routing, errors, limits,
// authentication, keep-alive, timeouts and graceful shutdown.
#include "http/server.h"

#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "http/error_mapping.h"
#include "http/handlers/health.h"
#include "http/middleware.h"
#include "http/test_client.h"

namespace clv::http {
namespace {

using testing::TestClient;
using testing::TestResponse;

ServerOptions TestOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.io_threads = 2;
  o.worker_threads = 2;
  o.access_log = false;
  return o;
}

// A legitimate test double of the Authenticator interface: a fixed table of tokens.
class FakeAuthenticator final : public Authenticator {
 public:
  Result<AuthContext> Authenticate(std::string_view token) override {
    if (token == "owner-token") return AuthContext{TenantId{1}, UserId{10}, Role::kOwner};
    if (token == "analyst-token") return AuthContext{TenantId{2}, UserId{20}, Role::kAnalyst};
    if (token == "viewer-token") return AuthContext{TenantId{3}, UserId{30}, Role::kViewer};
    if (token == "backend-down") return Unavailable("token store unreachable at 10.0.0.5");
    return Unauthenticated("invalid or expired token");
  }
};

std::unique_ptr<Server> StartServer(Router router, ServerOptions options = TestOptions()) {
  auto server = std::make_unique<Server>(std::move(options), std::move(router));
  const Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(server->port(), 0);
  return server;
}

// Checks the one error envelope and returns its request id.
std::string ExpectEnvelope(const TestResponse& r, std::string_view code) {
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  const auto v = r.Json();
  EXPECT_TRUE(v.is_object());
  const auto& obj = v.as_object();
  EXPECT_EQ(obj.size(), 1u) << r.body;
  const auto& err = obj.at("error").as_object();
  EXPECT_EQ(err.size(), 3u) << r.body;
  EXPECT_EQ(err.at("code").as_string(), code) << r.body;
  EXPECT_FALSE(err.at("message").as_string().empty());
  const std::string id(err.at("request_id").as_string());
  EXPECT_EQ(id, r.Header("X-Request-Id"));
  EXPECT_FALSE(id.empty());
  return id;
}

Router BasicRouter() {
  Router router;
  router.Get(
      "/clv/customers/:id",
      [](Request& req) {
        return Response::Json(200, {{"id", *req.PathParam("id")}, {"route", "by_id"}});
      },
      Public());
  router.Get(
      "/clv/customers/export",
      [](Request&) { return Response::Json(200, {{"route", "export"}}); }, Public());
  router.Post(
      "/clv/customers/:id", [](Request&) { return Response::Json(201, {{"ok", true}}); },
      Public());
  router.Get(
      "/echo",
      [](Request& req) {
        boost::json::object q;
        for (const auto& [k, v] : req.query) q[k] = v;
        return Response::Json(200, {{"path", req.path}, {"query", q}});
      },
      Public());
  router.Post(
      "/json",
      [](Request& req) {
        Response error;
        auto body = ParseJsonBody(req, &error);
        if (!body) return error;
        return Response::Json(200, {{"got", *body}});
      },
      Public());
  router.Get(
      "/throws", [](Request&) -> Response { throw std::runtime_error("secret db password 1234"); },
      Public());
  router.Get(
      "/status/:code",
      [](Request& req) -> Response {
        const std::string code(*req.PathParam("code"));
        if (code == "not_found") return ErrorFromStatus(NotFound("customer 7 does not exist"));
        if (code == "internal") return ErrorFromStatus(Internal("sqlite: disk I/O at /var/x"));
        if (code == "precondition") return ErrorFromStatus(FailedPrecondition("too little data"));
        return ErrorFromStatus(AlreadyExists("duplicate"));
      },
      Public());
  return router;
}

// GET /slow, for holding a worker busy: its handler signals WaitEntered() and answers
// {"done": true} only after Release(). Must outlive the server it is added to.
class SlowRoute {
 public:
  void AddTo(Router& router) {
    router.Get(
        "/slow",
        [this](Request&) {
          entered_.set_value();
          released_.wait();
          return Response::Json(200, {{"done", true}});
        },
        Public());
  }
  void WaitEntered() { entered_.get_future().wait(); }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

TEST(HttpServer, RoutesWithParamsAndPrefersLiterals) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  ASSERT_TRUE(c.connected());
  auto r = c.Request("GET", "/clv/customers/42");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json().at("id").as_string(), "42");
  r = c.Request("GET", "/clv/customers/export");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Json().at("route").as_string(), "export");
  r = c.Request("GET", "/clv/customers/a%2Fb");  // an encoded slash stays inside the param
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Json().at("id").as_string(), "a/b");
  r = c.Request("POST", "/clv/customers/42", {}, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  r = c.Request("GET", "/echo?name=J%C3%BCrgen&limit=10&flag");
  ASSERT_TRUE(r);
  const auto q = r->Json().at("query").as_object();
  EXPECT_EQ(q.at("name").as_string(), "J\xC3\xBCrgen");
  EXPECT_EQ(q.at("limit").as_string(), "10");
  EXPECT_EQ(q.at("flag").as_string(), "");
}

TEST(HttpServer, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  auto r = c.Request("GET", "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  ExpectEnvelope(*r, "not_found");
  r = c.Request("DELETE", "/clv/customers/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("Allow"), "GET, POST, HEAD");
  ExpectEnvelope(*r, "method_not_allowed");
  r = c.Request("GET", "/clv/customers/%zz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  ExpectEnvelope(*r, "bad_request");
}

TEST(HttpServer, StatusMappingAndEnvelope) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  auto r = c.Request("GET", "/status/not_found");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  ExpectEnvelope(*r, "not_found");
  EXPECT_EQ(r->Json().at("error").at("message").as_string(), "customer 7 does not exist");
  r = c.Request("GET", "/status/precondition");
  EXPECT_EQ(r->status, 422);
  ExpectEnvelope(*r, "failed_precondition");
  r = c.Request("GET", "/status/exists");
  EXPECT_EQ(r->status, 409);
  r = c.Request("GET", "/status/internal");
  EXPECT_EQ(r->status, 500);
  ExpectEnvelope(*r, "internal");
  EXPECT_EQ(r->body.find("sqlite"), std::string::npos) << r->body;
}

TEST(HttpServer, RequestIdIsEchoedWhenSaneAndGeneratedOtherwise) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  auto r = c.Request("GET", "/clv/customers/1", {{"X-Request-Id", "abc-123_X.y"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("X-Request-Id"), "abc-123_X.y");
  r = c.Request("GET", "/nope", {{"X-Request-Id", "mine-1"}});
  EXPECT_EQ(ExpectEnvelope(*r, "not_found"), "mine-1");

  for (const std::string& bad : {std::string("has space"), std::string(129, 'a'),
                                std::string("semi;colon"), std::string("\xC3\xBC")}) {
    r = c.Request("GET", "/clv/customers/1", {{"X-Request-Id", bad}});
    ASSERT_TRUE(r);
    const std::string id = r->Header("X-Request-Id");
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  r = c.Request("GET", "/clv/customers/1");
  const std::string first = r->Header("X-Request-Id");
  r = c.Request("GET", "/clv/customers/1");
  EXPECT_EQ(first.size(), 32u);
  EXPECT_NE(first, r->Header("X-Request-Id"));
  EXPECT_EQ(std::string(128, 'b'), c.Request("GET", "/clv/customers/1",
                                             {{"X-Request-Id", std::string(128, 'b')}})
                                       ->Header("X-Request-Id"));
}

TEST(HttpServer, JsonBodyErrors) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  const std::vector<std::pair<std::string, std::string>> json = {
      {"Content-Type", "application/json; charset=utf-8"}};
  auto r = c.Request("POST", "/json", json, R"({"a": [1, 2]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json().at("got").at("a").as_array().size(), 2u);

  r = c.Request("POST", "/json", json, "{\n  \"a\": 1,\n  \"b\": tru\n}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  ExpectEnvelope(*r, "invalid_argument");
  const std::string msg(r->Json().at("error").at("message").as_string());
  EXPECT_NE(msg.find("malformed JSON at line 3, column"), std::string::npos) << msg;

  r = c.Request("POST", "/json", json, R"({"a": 1} trailing)");
  EXPECT_EQ(r->status, 400);
  r = c.Request("POST", "/json", json, "");
  EXPECT_EQ(r->status, 400);
  ExpectEnvelope(*r, "invalid_argument");

  r = c.Request("POST", "/json", {{"Content-Type", "text/plain"}}, R"({"a": 1})");
  EXPECT_EQ(r->status, 415);
  ExpectEnvelope(*r, "unsupported_media_type");
  r = c.Request("POST", "/json", {}, R"({"a": 1})");
  EXPECT_EQ(r->status, 415);
}

TEST(HttpServer, OversizedBodyIs413AndServerStaysUp) {
  Router router = BasicRouter();
  RouteOptions big = Public();
  big.body_limit_bytes = 64 * 1024;
  router.Post(
      "/import", [](Request& req) { return Response::Json(200, {{"bytes", req.body.size()}}); },
      big);
  ServerOptions options = TestOptions();
  options.body_limit_bytes = 4096;
  auto server = StartServer(std::move(router), options);
  {
    TestClient c(server->port());
    auto r = c.Request("POST", "/json", {{"Content-Type", "application/json"}},
                       std::string(5000, ' '));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    ExpectEnvelope(*r, "payload_too_large");
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(c.WaitForClose());
  }
  {  // chunked: no Content-Length to reject up front; the parser enforces the limit
    TestClient c(server->port());
    std::string raw = "POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) raw += "3e8\r\n" + std::string(1000, 'x') + "\r\n";
    raw += "0\r\n\r\n";
    ASSERT_TRUE(c.SendRaw(raw));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    ExpectEnvelope(*r, "payload_too_large");
  }
  {  // the per-route limit admits a larger body; the server is still up
    TestClient c(server->port());
    auto r = c.Request("POST", "/import", {{"Content-Type", "text/csv"}}, std::string(50000, 'x'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Json().at("bytes").as_int64(), 50000);
    r = c.Request("POST", "/import", {}, std::string(70000, 'x'));
    EXPECT_EQ(r->status, 413);
  }
}

TEST(HttpServer, OversizedHeadersAre431) {
  ServerOptions options = TestOptions();
  options.header_limit_bytes = 2048;
  auto server = StartServer(BasicRouter(), options);
  TestClient c(server->port());
  auto r = c.Request("GET", "/clv/customers/1", {{"X-Big", std::string(4000, 'a')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  ExpectEnvelope(*r, "request_header_fields_too_large");
  TestClient c2(server->port());
  EXPECT_EQ(c2.Request("GET", "/clv/customers/1")->status, 200);
}

TEST(HttpServer, MalformedRequestIs400Envelope) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  ASSERT_TRUE(c.SendRaw("GET /x HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  ExpectEnvelope(*r, "bad_request");
}

Router AuthRouter() {
  Router router;
  router.Get(
      "/whoami",
      [](Request& req) {
        return Response::Json(200, {{"tenant", req.auth->tenant.value},
                                    {"user", req.auth->user.value},
                                    {"role", RoleName(req.auth->role)}});
      });
  router.Post(
      "/admin-only", [](Request& req) { return Response::NoContent(); },
      RequireRole(Role::kAdmin));
  router.Get(
      "/customers", [](Request&) { return Response::Json(200, {{"items", boost::json::array()}}); },
      RequirePermission("customers:read"));
  router.Get(
      "/open", [](Request& req) { return Response::Json(200, {{"auth", req.auth.has_value()}}); },
      Public());
  return router;
}

TEST(HttpServer, AuthenticationAndAuthorisation) {
  ServerOptions options = TestOptions();
  options.authenticator = std::make_shared<FakeAuthenticator>();
  options.permissions = [](Role role, std::string_view permission) {
    return permission == "customers:read" && RoleAtLeast(role, Role::kAnalyst);
  };
  auto server = StartServer(AuthRouter(), options);
  TestClient c(server->port());

  auto r = c.Request("GET", "/whoami");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("WWW-Authenticate"), "Bearer");
  ExpectEnvelope(*r, "unauthenticated");

  r = c.Request("GET", "/whoami", {{"Authorization", "Bearer forged"}});
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  ExpectEnvelope(*r, "unauthenticated");
  r = c.Request("GET", "/whoami", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(r->status, 401);

  r = c.Request("GET", "/whoami", {{"Authorization", "bearer owner-token"}});
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json().at("tenant").as_int64(), 1);
  EXPECT_EQ(r->Json().at("role").as_string(), "owner");
  // The tenant comes from the token only.
  r = c.Request("GET", "/whoami?tenant=2", {{"Authorization", "Bearer owner-token"},
                                             {"X-Tenant-Id", "2"}});
  EXPECT_EQ(r->Json().at("tenant").as_int64(), 1);

  r = c.Request("POST", "/admin-only", {{"Authorization", "Bearer viewer-token"}});
  EXPECT_EQ(r->status, 403);
  ExpectEnvelope(*r, "permission_denied");
  r = c.Request("POST", "/admin-only", {{"Authorization", "Bearer owner-token"}});
  EXPECT_EQ(r->status, 204);

  r = c.Request("GET", "/customers", {{"Authorization", "Bearer viewer-token"}});
  EXPECT_EQ(r->status, 403);
  r = c.Request("GET", "/customers", {{"Authorization", "Bearer analyst-token"}});
  EXPECT_EQ(r->status, 200);

  r = c.Request("GET", "/whoami", {{"Authorization", "Bearer backend-down"}});
  EXPECT_EQ(r->status, 503);
  ExpectEnvelope(*r, "unavailable");

  r = c.Request("GET", "/open");
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->Json().at("auth").as_bool());
}

TEST(HttpServer, WithoutAuthenticatorNonPublicRoutesFailClosed) {
  auto server = StartServer(AuthRouter());  // no authenticator, no permission checker
  TestClient c(server->port());
  EXPECT_EQ(c.Request("GET", "/whoami", {{"Authorization", "Bearer owner-token"}})->status, 401);
  EXPECT_EQ(c.Request("GET", "/open")->status, 200);
}

TEST(HttpServer, HandlerExceptionIs500WithRequestIdAndNoInternals) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  auto r = c.Request("GET", "/throws", {{"X-Request-Id", "trace-77"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(ExpectEnvelope(*r, "internal"), "trace-77");
  EXPECT_EQ(r->body.find("secret"), std::string::npos) << r->body;
  EXPECT_EQ(c.Request("GET", "/clv/customers/1")->status, 200);  // same connection lives
}

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  for (int i = 0; i < 20; ++i) {
    auto r = c.Request("GET", "/clv/customers/" + std::to_string(i));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->Json().at("id").as_string(), std::to_string(i));
  }
  EXPECT_EQ(server->open_connections(), 1u);
  // Pipelined requests are answered in order.
  ASSERT_TRUE(c.SendRaw("GET /clv/customers/a HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /clv/customers/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse()->Json().at("id").as_string(), "a");
  EXPECT_EQ(c.ReadResponse()->Json().at("id").as_string(), "b");
  auto r = c.Request("GET", "/clv/customers/1", {{"Connection", "close"}});
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, HeadHasLengthButNoBody) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  auto get = c.Request("GET", "/clv/customers/12");
  auto head = c.Request("HEAD", "/clv/customers/12");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(get->body.size()));
  // The next response on the connection parses cleanly, so no body bytes followed the HEAD.
  EXPECT_EQ(c.Request("GET", "/clv/customers/13")->Json().at("id").as_string(), "13");
}

TEST(HttpServer, SecurityHeadersOnEveryResponse) {
  auto server = StartServer(BasicRouter());
  TestClient c(server->port());
  for (const char* target : {"/clv/customers/1", "/nope", "/throws"}) {
    auto r = c.Request("GET", target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(r->Header("Referrer-Policy"), "no-referrer") << target;
    EXPECT_EQ(r->Header("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
  }
}

TEST(HttpServer, IdleConnectionIsClosedAndPartialRequestGets408) {
  ServerOptions options = TestOptions();
  options.idle_timeout = std::chrono::milliseconds(150);
  options.read_timeout = std::chrono::milliseconds(150);
  options.write_timeout = std::chrono::milliseconds(150);
  auto server = StartServer(BasicRouter(), options);
  {
    TestClient c(server->port());
    ASSERT_EQ(c.Request("GET", "/clv/customers/1")->status, 200);
    EXPECT_TRUE(c.WaitForClose());  // idle after a response: closed silently
  }
  {
    TestClient c(server->port());
    ASSERT_TRUE(c.SendRaw("GET /clv/customers/1 HTTP/1.1\r\nHost: x\r\n"));  // never finished
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    ExpectEnvelope(*r, "request_timeout");
  }
  {  // a body that stops halfway
    TestClient c(server->port());
    ASSERT_TRUE(c.SendRaw("POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\""));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
  }
}

TEST(HttpServer, GracefulShutdownFinishesInFlightAndRefusesNew) {
  SlowRoute slow;
  Router router = BasicRouter();
  slow.AddTo(router);
  auto server = StartServer(std::move(router));
  const auto port = server->port();

  TestClient idle(port);
  ASSERT_EQ(idle.Request("GET", "/clv/customers/1")->status, 200);
  TestClient busy(port);
  ASSERT_TRUE(busy.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  slow.WaitEntered();

  server->Stop();
  TestClient refused(port);
  EXPECT_FALSE(refused.connected());
  EXPECT_EQ(refused.connect_errno(), ECONNREFUSED);
  EXPECT_TRUE(idle.WaitForClose());  // idle keep-alive connections close at once

  std::thread waiter([&] { server->Wait(); });
  slow.Release();
  auto r = busy.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->Json().at("done").as_bool());
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(busy.WaitForClose());
  waiter.join();
  EXPECT_EQ(server->open_connections(), 0u);
}

TEST(HttpServer, FullWorkerQueueAnswers503) {
  SlowRoute slow;
  Router router = BasicRouter();
  slow.AddTo(router);
  ServerOptions options = TestOptions();
  options.worker_threads = 1;
  options.max_queued_requests = 1;
  auto server = StartServer(std::move(router), options);
  TestClient a(server->port()), b(server->port()), c(server->port());
  ASSERT_TRUE(a.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  slow.WaitEntered();  // the only worker is busy
  ASSERT_TRUE(b.SendRaw("GET /clv/customers/1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.SendRaw("GET /clv/customers/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  // One of b and c fills the queue; the other is refused at once. Whichever answers first
  // (the queued one cannot answer before the release) must be the 503.
  pollfd fds[2] = {{b.fd(), POLLIN, 0}, {c.fd(), POLLIN, 0}};
  ASSERT_EQ(::poll(fds, 2, 10'000), 1);
  TestClient& refused = (fds[0].revents & POLLIN) ? b : c;
  TestClient& queued = (fds[0].revents & POLLIN) ? c : b;
  auto r = refused.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "1");
  ExpectEnvelope(*r, "unavailable");
  slow.Release();
  EXPECT_EQ(a.ReadResponse()->status, 200);
  EXPECT_EQ(queued.ReadResponse()->status, 200);
}

TEST(HttpServer, StartFailsCleanlyOnBadOrBusyAddress) {
  for (const char* listen : {"no-port", "example.com:80", "127.0.0.1:99999", "[::1:80"}) {
    ServerOptions o = TestOptions();
    o.listen = listen;
    Server s(o, Router());
    EXPECT_EQ(s.Start().code(), StatusCode::kInvalidArgument) << listen;
  }
  auto first = StartServer(BasicRouter());
  ServerOptions o = TestOptions();
  o.listen = "127.0.0.1:" + std::to_string(first->port());
  Server second(o, Router());
  // SO_REUSEADDR does not allow two listeners on one port.
  EXPECT_EQ(second.Start().code(), StatusCode::kUnavailable);
}

TEST(HttpServer, MiddlewareRunsInOrderAndMayAnswer) {
  ServerOptions options = TestOptions();
  options.middleware.push_back([](Request& req, const Handler& next) {
    if (req.headers.Get("X-Over-Limit")) {
      Response r = Response::Error(429, "resource_exhausted", "rate limit exceeded");
      r.headers.Set("Retry-After", "60");
      return r;
    }
    Response r = next(req);
    r.headers.Add("X-Trace", "outer");
    return r;
  });
  options.middleware.push_back([](Request& req, const Handler& next) {
    Response r = next(req);
    r.headers.Add("X-Trace", "inner");
    return r;
  });
  auto server = StartServer(BasicRouter(), options);
  TestClient c(server->port());
  auto r = c.Request("GET", "/clv/customers/1");
  ASSERT_TRUE(r);
  std::vector<std::string> trace;
  for (const auto& [k, v] : r->headers) {
    if (k == "X-Trace") trace.push_back(v);
  }
  EXPECT_EQ(trace, (std::vector<std::string>{"inner", "outer"}));
  r = c.Request("GET", "/clv/customers/1", {{"X-Over-Limit", "1"}});
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("Retry-After"), "60");
  ExpectEnvelope(*r, "resource_exhausted");
}

// Produces `pieces` pieces of "piece-N;" with or without an announced length.
class CountingStream final : public BodyStream {
 public:
  CountingStream(int pieces, bool known_length) : pieces_(pieces), known_(known_length) {}
  Result<bool> Next(std::string& out) override {
    out += "piece-" + std::to_string(next_++) + ";";
    return next_ < pieces_;
  }
  std::optional<std::uint64_t> Length() const override {
    if (!known_) return std::nullopt;
    std::uint64_t n = 0;
    for (int i = 0; i < pieces_; ++i) n += 7 + std::to_string(i).size();
    return n;
  }

 private:
  int pieces_;
  bool known_;
  int next_ = 0;
};

TEST(HttpServer, StreamsBodiesChunkedOrWithLength) {
  Router router;
  router.Get(
      "/stream/:mode",
      [](Request& req) {
        const bool known = *req.PathParam("mode") == "known";
        return Response::Stream(200, "text/plain", std::make_shared<CountingStream>(12, known));
      },
      Public());
  auto server = StartServer(std::move(router));
  std::string expected;
  for (int i = 0; i < 12; ++i) expected += "piece-" + std::to_string(i) + ";";
  TestClient c(server->port());
  auto r = c.Request("GET", "/stream/chunked");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r->body, expected);
  r = c.Request("GET", "/stream/known");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(expected.size()));
  EXPECT_EQ(r->body, expected);
}

TEST(HttpServer, AccessLogLineHasFieldsAndNoQuery) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  {
    ServerOptions options = TestOptions();
    options.access_log = true;
    options.log_format = LogFormat::kJson;
    auto server = StartServer(BasicRouter(), options);
    TestClient c(server->port());
    ASSERT_EQ(c.Request("GET", "/clv/customers/5?token=hunter2", {{"X-Request-Id", "log-1"}})
                  ->status,
              200);
    server->Stop();
    server->Wait();
  }
  spdlog::set_default_logger(previous);
  const std::string text = out.str();
  const size_t start = text.find("{\"msg\":\"http_request\"");
  ASSERT_NE(start, std::string::npos) << text;
  const auto line = boost::json::parse(text.substr(start, text.find('\n', start) - start));
  EXPECT_EQ(line.at("method").as_string(), "GET");
  EXPECT_EQ(line.at("path").as_string(), "/clv/customers/5");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_GT(line.at("bytes").as_int64(), 0);
  EXPECT_GE(line.at("duration_us").as_int64(), 0);
  EXPECT_EQ(line.at("request_id").as_string(), "log-1");
  EXPECT_NE(std::string(line.at("remote").as_string()).find("127.0.0.1:"), std::string::npos);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(HttpHealth, OkDownAndDisabled) {
  std::atomic<bool> db_up{true};
  Router router;
  RegisterHealthRoutes(router, HealthOptions{
                                   .version = "1.2.3",
                                   .database = [&]() -> Status {
                                     return db_up ? Status::Ok()
                                                  : Unavailable("connect 10.1.1.1:5432 refused");
                                   },
                                   .redis = nullptr});
  auto server = StartServer(std::move(router));
  TestClient c(server->port());
  auto r = c.Request("GET", "/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Json().at("status").as_string(), "ok");
  EXPECT_EQ(r->Json().at("version").as_string(), "1.2.3");
  r = c.Request("GET", "/health/db");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"ok"})");
  db_up = false;
  r = c.Request("GET", "/health/db", {{"X-Request-Id", "hc-1"}});
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Json().at("status").as_string(), "unavailable");
  EXPECT_EQ(r->Json().at("error").at("code").as_string(), "unavailable");
  EXPECT_EQ(r->Json().at("error").at("request_id").as_string(), "hc-1");
  EXPECT_EQ(r->body.find("10.1.1.1"), std::string::npos);
  r = c.Request("GET", "/health/redis");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"disabled"})");
}

}  // namespace
}  // namespace clv::http
