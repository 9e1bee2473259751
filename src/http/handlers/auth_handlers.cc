#include "http/handlers/auth_handlers.h"

#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/middleware.h"

namespace clv::http {
namespace {

boost::json::object TokensJson(const service::TokenPair& tokens) {
  boost::json::object o;
  o["access_token"] = tokens.access_token;
  o["refresh_token"] = tokens.refresh_token;
  o["token_type"] = "Bearer";
  o["expires_in"] = tokens.expires_in_s;
  return o;
}

// Parses the JSON object body of an auth request; on failure *error holds the response.
std::optional<boost::json::object> ObjectBody(const Request& request, Response* error) {
  std::optional<boost::json::value> body = ParseJsonBody(request, error);
  if (!body) return std::nullopt;
  if (!body->is_object()) {
    *error = Response::Error(400, "invalid_argument", "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(body->as_object());
}

}  // namespace

void RegisterAuthRoutes(Router& router, service::AccountService& accounts) {
  router.Post("/auth/register", [&accounts](Request& request) {
    Response error;
    auto body = ObjectBody(request, &error);
    if (!body) return error;
    Result<std::string> email = RequiredString(*body, "email");
    if (!email.ok()) return ErrorFromStatus(email.status());
    Result<std::string> password = RequiredString(*body, "password");
    if (!password.ok()) return ErrorFromStatus(password.status());
    Result<std::string> organization = RequiredString(*body, "organization");
    if (!organization.ok()) return ErrorFromStatus(organization.status());
    Result<service::Registration> r = accounts.Register(*email, *password, *organization);
    if (!r.ok()) return ErrorFromStatus(r.status());
    boost::json::object out = TokensJson(r->tokens);
    out["user"] = {{"id", r->user.id.value}, {"email", r->user.email},
                   {"role", RoleName(r->user.role)}};
    out["organization"] = {{"id", r->tenant.id.value}, {"name", r->tenant.name}};
    return Response::Json(201, out);
  }, Public());

  router.Post("/auth/login", [&accounts](Request& request) {
    Response error;
    auto body = ObjectBody(request, &error);
    if (!body) return error;
    Result<std::string> email = RequiredString(*body, "email");
    if (!email.ok()) return ErrorFromStatus(email.status());
    Result<std::string> password = RequiredString(*body, "password");
    if (!password.ok()) return ErrorFromStatus(password.status());
    Result<service::TokenPair> tokens = accounts.Login(*email, *password);
    if (!tokens.ok()) return ErrorFromStatus(tokens.status());
    return Response::Json(200, TokensJson(*tokens));
  }, Public());

  router.Post("/auth/refresh", [&accounts](Request& request) {
    Response error;
    auto body = ObjectBody(request, &error);
    if (!body) return error;
    Result<std::string> token = RequiredString(*body, "refresh_token");
    if (!token.ok()) return ErrorFromStatus(token.status());
    Result<service::TokenPair> tokens = accounts.Refresh(*token);
    if (!tokens.ok()) return ErrorFromStatus(tokens.status());
    return Response::Json(200, TokensJson(*tokens));
  }, Public());

  router.Post("/auth/logout", [&accounts](Request& request) {
    Response error;
    auto body = ObjectBody(request, &error);
    if (!body) return error;
    Result<std::string> token = RequiredString(*body, "refresh_token");
    if (!token.ok()) return ErrorFromStatus(token.status());
    Status s = accounts.Logout(*token);
    if (!s.ok()) return ErrorFromStatus(s);
    return Response::NoContent();
  }, Public());
}

}  // namespace clv::http
