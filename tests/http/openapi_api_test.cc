// /openapi.json, /docs and request validation through a running Application, on both backends.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/api_testlib.h"
#include "http/openapi.h"

namespace clv::http::apitest {
namespace {

namespace json = boost::json;

class OpenApiApiTest : public ApiTest {};

TEST_P(OpenApiApiTest, ServesTheDocument) {
  TestResponse r = Get("/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.body, std::string(EmbeddedOpenApiJson()));
  json::value doc = JsonOf(r);
  EXPECT_EQ(doc.at("info").at("title").as_string(), "CLV Tracker API");
}

TEST_P(OpenApiApiTest, SwaggerUiIsServedLocally) {
  TestResponse redirect = Get("/docs");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.Header("Location"), "/docs/");

  TestResponse page = Get("/docs/");
  ASSERT_EQ(page.status, 200) << "is swagger-ui-dist installed (scripts/setup.sh)? " << page.body;
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(page.body.find("http"), std::string::npos) << "no absolute (CDN) URLs";
  const std::string csp = page.Header("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("http"), std::string::npos) << csp;

  TestResponse init = Get("/docs/clv-docs.js");
  ASSERT_EQ(init.status, 200);
  EXPECT_NE(init.body.find("\"/openapi.json\""), std::string::npos);
  EXPECT_NE(init.body.find("validatorUrl: null"), std::string::npos);

  for (const char* asset : {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js",
                            "/docs/swagger-ui.css", "/docs/favicon-32x32.png"}) {
    TestResponse a = Get(asset);
    EXPECT_EQ(a.status, 200) << asset;
    EXPECT_GT(a.body.size(), 500u) << asset;
  }
  EXPECT_EQ(Get("/docs/swagger-ui-bundle.js").Header("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/docs/../openapi.json").status, 400);
  EXPECT_EQ(Get("/docs/missing.js").status, 404);
}

TEST_P(OpenApiApiTest, DocsPageExplainsAMissingSwaggerUi) {
  StartApp([](AppOptions& o) { o.docs_ui_dir = "/nonexistent/swagger-ui-dist"; });
  TestResponse page = Get("/docs/");
  EXPECT_EQ(page.status, 503);
  EXPECT_NE(page.body.find("scripts/setup.sh"), std::string::npos);
  EXPECT_TRUE(IsErrorEnvelope(Get("/docs/swagger-ui.css"), 404));
  EXPECT_EQ(Get("/openapi.json").status, 200);
}

TEST_P(OpenApiApiTest, RequestBodiesAreValidatedAgainstTheSchema) {
  TestResponse r = Post("/auth/register", R"({"email":"a@example.com","password":12,
                                              "organization":"Shop"})");
  ASSERT_TRUE(IsErrorEnvelope(r, 400));
  EXPECT_EQ(JsonOf(r).at("error").at("message").as_string(), "password: must be a string");
  EXPECT_EQ(JsonOf(r).at("error").at("code").as_string(), "invalid_argument");

  Account owner = Register("owner@example.com", "Shop");
  r = Post("/orders", R"({"orders":[{"id":"1","customer_id":"c","placed_at":"2024-01-01T00:00:00Z",
                                     "total":"1.00","currency":"USD"}, "oops"]})",
           owner.access_token);
  ASSERT_TRUE(IsErrorEnvelope(r, 400));
  EXPECT_EQ(JsonOf(r).at("error").at("message").as_string(), "orders[1]: must be an object");
  EXPECT_EQ(CountOrders(owner.tenant_id), 0);

  // Malformed JSON keeps its line and column; a wrong content type is still the handler's 415.
  r = Post("/auth/login", "{\n  \"email\": }");
  ASSERT_TRUE(IsErrorEnvelope(r, 400));
  EXPECT_NE(JsonOf(r).at("error").at("message").as_string().find("line 2"), std::string::npos)
      << r.body;
  EXPECT_TRUE(IsErrorEnvelope(Post("/auth/login", "email=a", {}, "text/plain"), 415));
}

// Every operation with a JSON request body rejects a body that is not an object, with the
// envelope, before the handler runs — including routes added later to the document.
TEST_P(OpenApiApiTest, EveryJsonBodyRouteIsValidated) {
  Account owner = Register("owner@example.com", "Shop");
  Result<std::shared_ptr<const OpenApiSpec>> spec = OpenApiSpec::Embedded();
  ASSERT_TRUE(spec.ok());
  int checked = 0;
  for (const std::string& key : (*spec)->OperationKeys()) {
    const std::string method = key.substr(0, key.find(' '));
    const std::string path = key.substr(key.find(' ') + 1);
    if (!(*spec)->HasJsonRequestBody(method, path)) continue;
    SCOPED_TRACE(key);
    std::string concrete = path;
    if (auto brace = concrete.find('{'); brace != std::string::npos) {
      concrete = concrete.substr(0, brace) + "1";
    }
    TestResponse r = Call(method, concrete, "[]", owner.access_token, "application/json");
    ASSERT_TRUE(IsErrorEnvelope(r, 400));
    EXPECT_EQ(JsonOf(r).at("error").at("message").as_string(), "the body must be a JSON object");
    ++checked;
  }
  EXPECT_GE(checked, 6);  // 4 auth routes, /orders, /clv/calculate
}

INSTANTIATE_TEST_SUITE_P(Backends, OpenApiApiTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
