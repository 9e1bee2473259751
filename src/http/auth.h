// Authentication and authorisation of a request, as an interface the security layer
// implements (JWT verification) and the server calls before a non-public route's handler.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"
#include "http/message.h"
#include "http/router.h"

namespace clv::http {

// Turns a bearer token into the caller's identity. Implementations must be thread-safe
// (called concurrently from worker threads) and may block briefly (e.g. a revocation lookup).
// Errors: Unauthenticated for a missing, malformed, expired or badly signed token; anything
// else is treated as a server-side failure (Unavailable → 503, Internal → 500).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Result<AuthContext> Authenticate(std::string_view bearer_token) = 0;
};

// Whether `role` holds `permission` (e.g. "customers:read"). Supplied by security/'s
// permissions table at integration; must be thread-safe. When a route names a permission and
// no checker is configured, the request is refused (fail closed).
using PermissionChecker = std::function<bool(Role role, std::string_view permission)>;

// True if `have` is at least `need` in the order viewer < analyst < admin < owner.
bool RoleAtLeast(Role have, Role need);

// The authentication stage. For a public route it does nothing and returns nullopt. Otherwise
// it reads `Authorization: Bearer <token>`, calls `authenticator`, sets request.auth, checks the
// route's required_role and permission, and returns nullopt to let the request through — or the
// response to send instead: 401 (with `WWW-Authenticate: Bearer`, and error="invalid_token"
// when a token was present) or 403. A null authenticator fails closed with 401.
std::optional<Response> AuthenticateRequest(Request& request, const RouteOptions& route,
                                            Authenticator* authenticator,
                                            const PermissionChecker& permissions);

}  // namespace clv::http
