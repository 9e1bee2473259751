// The OpenAPI document itself and the validator built on it, without a server: the embedded
// document parses and compiles, request bodies get one precise message naming the field, and
// response checks catch shapes and statuses the document does not describe.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "http/openapi.h"

namespace clv::http {
namespace {

namespace json = boost::json;

std::shared_ptr<const OpenApiSpec> Spec() {
  Result<std::shared_ptr<const OpenApiSpec>> spec = OpenApiSpec::Embedded();
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? *spec : nullptr;
}

std::string RequestError(std::string_view method, std::string_view path, std::string_view body) {
  Status s = Spec()->ValidateRequest(method, path, json::parse(body));
  EXPECT_FALSE(s.ok()) << body;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  return std::string(s.message());
}

TEST(OpenApiSpec, EmbeddedDocumentIsTheFileInTheRepository) {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/../../api/openapi.json", std::ios::binary);
  ASSERT_TRUE(in) << "api/openapi.json not found";
  std::stringstream file;
  file << in.rdbuf();
  ASSERT_NE(Spec(), nullptr);
  EXPECT_EQ(Spec()->text(), file.str());
  json::value doc = json::parse(Spec()->text());
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerAuth").at("scheme").as_string(),
            "bearer");
}

TEST(OpenApiSpec, DocumentsEveryEndpointOfTheApi) {
  const std::vector<std::string> keys = Spec()->OperationKeys();
  for (const char* expected :
       {"GET /health", "GET /health/db", "GET /health/redis", "POST /auth/register",
        "POST /auth/login", "POST /auth/refresh", "POST /auth/logout", "POST /orders",
        "GET /orders", "POST /orders/import", "GET /orders/{id}", "GET /customers",
        "GET /customers/{id}", "POST /clv/calculate", "GET /jobs", "GET /jobs/{id}",
        "GET /clv/model", "GET /clv/forecast", "GET /clv/customers", "GET /clv/customers/{id}",
        "GET /clv/segments", "GET /clv/churn", "GET /clv/cohorts", "GET /openapi.json",
        "GET /docs", "GET /metrics"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), expected), keys.end()) << expected;
  }
}

TEST(OpenApiSpec, EveryOperationHasAnIdSummaryAndErrorsUseTheEnvelope) {
  json::value doc = json::parse(Spec()->text());
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      SCOPED_TRACE(std::string(method) + " " + std::string(path));
      EXPECT_TRUE(op.as_object().contains("operationId"));
      EXPECT_TRUE(op.as_object().contains("summary"));
      for (const auto& [status, response] : op.at("responses").as_object()) {
        if (status.size() == 3 && status[0] >= '4' && path.rfind("/health", 0) != 0) {
          EXPECT_TRUE(response.as_object().contains("$ref")) << status;
        }
      }
    }
  }
}

TEST(OpenApiSpec, MatchPathPrefersLiteralSegments) {
  EXPECT_EQ(Spec()->MatchPath("/jobs/7"), "/jobs/{id}");
  EXPECT_EQ(Spec()->MatchPath("/orders/import"), "/orders/import");
  EXPECT_EQ(Spec()->MatchPath("/clv/customers/12"), "/clv/customers/{id}");
  EXPECT_EQ(Spec()->MatchPath("/clv/customers"), "/clv/customers");
  EXPECT_EQ(Spec()->MatchPath("/nope"), std::nullopt);
  EXPECT_EQ(Spec()->MatchPath("/jobs/"), std::nullopt);
}

TEST(OpenApiSpec, RequestMessagesNameTheFieldAndTheReason) {
  EXPECT_EQ(RequestError("POST", "/auth/register", R"({"email":"a@b.c","password":"x"})"),
            "organization: is required");
  EXPECT_EQ(RequestError("POST", "/auth/register",
                         R"({"email":5,"password":"x","organization":"o"})"),
            "email: must be a string");
  EXPECT_EQ(RequestError("POST", "/auth/login", "[1]"), "the body must be a JSON object");
  EXPECT_EQ(RequestError("POST", "/orders", R"({"orders":{"id":"1"}})"),
            "orders: must be an array");
  EXPECT_EQ(RequestError("POST", "/orders", R"({"orders":[{"id":"1"}, 7]})"),
            "orders[1]: must be an object");
  EXPECT_EQ(RequestError("POST", "/clv/calculate", R"({"period":"year"})"),
            "period: must be one of day, week, month");
  EXPECT_EQ(RequestError("POST", "/clv/calculate", R"({"models":["bgnbd","gamma"]})"),
            "models[1]: must be one of bgnbd, mbgnbd, pnbd");
  EXPECT_EQ(RequestError("POST", "/clv/calculate", R"({"colour":"red"})"),
            "colour: is not a known field");
  EXPECT_EQ(RequestError("POST", "/clv/calculate", R"({"horizon":"12"})"),
            "horizon: must be an integer");
  std::string range = RequestError("POST", "/clv/calculate", R"({"margin":1.5})");
  EXPECT_EQ(range.rfind("margin: ", 0), 0u) << range;
}

TEST(OpenApiSpec, ValidRequestsPass) {
  EXPECT_TRUE(Spec()->ValidateRequest("POST", "/auth/login",
                                      json::parse(R"({"email":"a@b.c","password":"p"})")).ok());
  EXPECT_TRUE(Spec()->ValidateRequest("POST", "/clv/calculate",
                                      json::parse(R"({"models":["bgnbd"],"period":"week",
                                                      "as_of":"1998-06-30","horizon":12,
                                                      "discount_rate":0.01,"margin":0.3,
                                                      "clv_months":12,"holdout_fraction":0.2,
                                                      "forecast_months":24,"resolution":"day"})"))
                  .ok());
  // A route without a JSON body schema accepts anything.
  EXPECT_TRUE(Spec()->ValidateRequest("GET", "/health", json::parse("[1,2]")).ok());
}

TEST(OpenApiSpec, ResponseChecksCatchWrongShapesAndUndocumentedStatuses) {
  const std::string ok_tokens =
      R"({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":900})";
  EXPECT_TRUE(Spec()->ValidateResponse("POST", "/auth/login", 200, "application/json", ok_tokens).ok());
  Status missing = Spec()->ValidateResponse("POST", "/auth/login", 200, "application/json",
                                            R"({"access_token":"a"})");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("refresh_token: is required"), std::string::npos)
      << missing.message();
  EXPECT_FALSE(Spec()->ValidateResponse("POST", "/auth/login", 202, "application/json", ok_tokens).ok());
  EXPECT_FALSE(Spec()->ValidateResponse("GET", "/undocumented", 200, "application/json", "{}").ok());
  EXPECT_FALSE(Spec()->ValidateResponse("POST", "/auth/login", 200, "text/html", "<p>").ok());
  // Errors must be the envelope, documented status or not.
  const std::string envelope = R"({"error":{"code":"not_found","message":"m","request_id":"r"}})";
  EXPECT_TRUE(Spec()->ValidateResponse("GET", "/orders/9", 404, "application/json", envelope).ok());
  EXPECT_TRUE(Spec()->ValidateResponse("GET", "/nope", 404, "application/json", envelope).ok());
  EXPECT_TRUE(Spec()->ValidateResponse("DELETE", "/orders", 405, "application/json", envelope).ok());
  EXPECT_FALSE(Spec()->ValidateResponse("GET", "/orders/9", 404, "application/json",
                                        R"({"error":"not found"})").ok());
  EXPECT_FALSE(Spec()->ValidateResponse("GET", "/orders/9", 404, "application/json", "not json").ok());
  // Non-JSON routes outside the document (the dashboard's files) are not the spec's business.
  EXPECT_TRUE(Spec()->ValidateResponse("GET", "/app/index.html", 200, "text/html", "<p>").ok());
}

TEST(OpenApiSpec, DateFormatsFollowRfc3339AndTheCalendar) {
  Result<std::shared_ptr<const OpenApiSpec>> spec = OpenApiSpec::Parse(R"({"paths":{"/x":{"post":{
      "requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{
        "at":{"type":"string","format":"date-time"},
        "day":{"type":["string","null"],"format":"date"},
        "time":{"type":"string","format":"time"},
        "format":{"type":"string","enum":["csv"]}}}}}},
      "responses":{}}}},"components":{"schemas":{"Error":{"type":"object"}}}})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto check = [&](std::string_view body) {
    return (*spec)->ValidateRequest("POST", "/x", json::parse(body));
  };
  for (const char* valid :
       {R"({"at":"2024-02-29T23:59:59Z"})", R"({"at":"1998-06-30t00:00:00.123456+05:30"})",
        R"({"day":"2000-02-29"})", R"({"day":null})", R"({"time":"16:52:45-08:00"})",
        R"({"format":"csv"})"}) {
    EXPECT_TRUE(check(valid).ok()) << valid << ": " << check(valid).message();
  }
  for (const char* invalid :
       {R"({"at":"2023-02-29T00:00:00Z"})", R"({"at":"2024-04-31T00:00:00Z"})",
        R"({"at":"2024-01-01 00:00:00Z"})", R"({"at":"2024-01-01T24:00:00Z"})",
        R"({"at":"2024-01-01T00:00:00"})", R"({"day":"1900-02-29"})", R"({"day":"2024-1-01"})",
        R"({"time":"16:52"})", R"({"format":"json"})"}) {
    Status s = check(invalid);
    EXPECT_FALSE(s.ok()) << invalid;
  }
  EXPECT_NE(check(R"({"at":"2023-02-29T00:00:00Z"})").message().find("at: "), std::string::npos)
      << check(R"({"at":"2023-02-29T00:00:00Z"})").message();
}

TEST(OpenApiSpec, ParseRejectsBrokenDocuments) {
  EXPECT_FALSE(OpenApiSpec::Parse("not json").ok());
  EXPECT_FALSE(OpenApiSpec::Parse(R"({"openapi":"3.1.0"})").ok());
  Result<std::shared_ptr<const OpenApiSpec>> bad_ref = OpenApiSpec::Parse(R"({"paths":{"/x":{"post":{
      "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}},
      "responses":{}}}},"components":{"schemas":{"Error":{"type":"object"}}}})");
  EXPECT_FALSE(bad_ref.ok());
  // The keyword the date formats are checked under is the validator's, not the document's.
  Result<std::shared_ptr<const OpenApiSpec>> bad_format = OpenApiSpec::Parse(R"({"paths":{"/x":{
      "post":{"requestBody":{"content":{"application/json":{"schema":{"x-clv-format":"week"}}}},
      "responses":{}}}},"components":{"schemas":{"Error":{"type":"object"}}}})");
  EXPECT_FALSE(bad_format.ok());
}

}  // namespace
}  // namespace clv::http
