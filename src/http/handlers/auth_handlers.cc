#include "http/handlers/auth_handlers.h"

#include <initializer_list>
#include <vector>

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

// Reads the named string fields of a JSON object body. On failure *error holds the response
// (415 wrong content type, 400 malformed JSON, not an object, or a missing/mistyped field).
std::optional<std::vector<std::string>> StringFields(const Request& request,
                                                     std::initializer_list<std::string_view> names,
                                                     Response* error) {
  std::optional<boost::json::value> body = ParseJsonBody(request, error);
  if (!body) return std::nullopt;
  if (!body->is_object()) {
    *error = Response::Error(400, "invalid_argument", "the body must be a JSON object");
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (std::string_view name : names) {
    Result<std::string> value = RequiredString(body->as_object(), name);
    if (!value.ok()) {
      *error = ErrorFromStatus(value.status());
      return std::nullopt;
    }
    values.push_back(std::move(value).value());
  }
  return values;
}

}  // namespace

void RegisterAuthRoutes(Router& router, service::AccountService& accounts) {
  router.Post("/auth/register", [&accounts](Request& request) {
    Response error;
    auto fields = StringFields(request, {"email", "password", "organization"}, &error);
    if (!fields) return error;
    Result<service::Registration> r = accounts.Register((*fields)[0], (*fields)[1], (*fields)[2]);
    if (!r.ok()) return ErrorFromStatus(r.status());
    boost::json::object out = TokensJson(r->tokens);
    out["user"] = {{"id", r->user.id.value}, {"email", r->user.email},
                   {"role", RoleName(r->user.role)}};
    out["organization"] = {{"id", r->tenant.id.value}, {"name", r->tenant.name}};
    return Response::Json(201, out);
  }, Public());

  router.Post("/auth/login", [&accounts](Request& request) {
    Response error;
    auto fields = StringFields(request, {"email", "password"}, &error);
    if (!fields) return error;
    Result<service::TokenPair> tokens = accounts.Login((*fields)[0], (*fields)[1]);
    if (!tokens.ok()) return ErrorFromStatus(tokens.status());
    return Response::Json(200, TokensJson(*tokens));
  }, Public());

  router.Post("/auth/refresh", [&accounts](Request& request) {
    Response error;
    auto fields = StringFields(request, {"refresh_token"}, &error);
    if (!fields) return error;
    Result<service::TokenPair> tokens = accounts.Refresh((*fields)[0]);
    if (!tokens.ok()) return ErrorFromStatus(tokens.status());
    return Response::Json(200, TokensJson(*tokens));
  }, Public());

  router.Post("/auth/logout", [&accounts](Request& request) {
    Response error;
    auto fields = StringFields(request, {"refresh_token"}, &error);
    if (!fields) return error;
    Status s = accounts.Logout((*fields)[0]);
    if (!s.ok()) return ErrorFromStatus(s);
    return Response::NoContent();
  }, Public());
}

}  // namespace clv::http
