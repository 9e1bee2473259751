#include "http/auth.h"

#include "http/error_mapping.h"

namespace clv::http {

namespace {

int RoleRank(Role r) {
  switch (r) {
    case Role::kViewer: return 0;
    case Role::kAnalyst: return 1;
    case Role::kAdmin: return 2;
    case Role::kOwner: return 3;
  }
  return -1;
}

Response Unauthorized(std::string message, bool token_present) {
  Response r = Response::Error(401, "unauthenticated", std::move(message));
  // RFC 6750 §3: tell the client which scheme, and whether the token it sent was the problem.
  r.headers.Set("WWW-Authenticate", token_present ? "Bearer error=\"invalid_token\"" : "Bearer");
  return r;
}

}  // namespace

bool RoleAtLeast(Role have, Role need) { return RoleRank(have) >= RoleRank(need); }

std::optional<Response> AuthenticateRequest(Request& request, const RouteOptions& route,
                                            Authenticator* authenticator,
                                            const PermissionChecker& permissions) {
  if (route.public_route) return std::nullopt;
  const auto header = request.headers.Get("Authorization");
  if (!header) return Unauthorized("missing bearer token", false);
  std::string_view value = *header;
  // The scheme is case-insensitive (RFC 9110 §11.1); exactly one space before the token.
  if (value.size() < 7 || !EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
    return Unauthorized("authorization must use the Bearer scheme", true);
  }
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return Unauthorized("empty bearer token", true);
  if (authenticator == nullptr) return Unauthorized("authentication is not configured", true);

  Result<AuthContext> auth = authenticator->Authenticate(value);
  if (!auth.ok()) {
    if (auth.status().code() == StatusCode::kUnauthenticated) {
      return Unauthorized(auth.status().message(), true);
    }
    return ErrorFromStatus(auth.status());
  }
  request.auth = *auth;
  if (route.required_role && !RoleAtLeast(auth->role, *route.required_role)) {
    return Response::Error(403, "permission_denied",
                           "this action needs the " + std::string(RoleName(*route.required_role)) +
                               " role or higher");
  }
  if (!route.permission.empty()) {
    if (!permissions || !permissions(auth->role, route.permission)) {
      return Response::Error(403, "permission_denied",
                             "missing permission " + route.permission);
    }
  }
  return std::nullopt;
}

}  // namespace clv::http
