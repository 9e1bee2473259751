// Router: maps (method, path) to a handler and the route's options.
//
// Patterns are absolute paths whose segments are literals, `:name` parameters (one segment)
// or a final `*name` wildcard (the rest of the path, possibly empty). Matching is by segment
// on the still-encoded path, so "%2F" inside a parameter never splits it; each parameter is
// percent-decoded after matching. When several patterns match, the most specific wins:
// literal before `:param` before `*wildcard`, segment by segment from the left, so
// "/clv/customers/export" beats "/clv/customers/:id" whatever the registration order.
//
// HEAD falls back to the GET route. A path that matches some pattern but not the method is a
// 405 with an Allow header; no pattern is a 404.
//
// Thread safety: register every route before Server::Start(); afterwards Match() is const and
// safe from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "http/message.h"

namespace clv::http {

// What a route requires of its caller. Checked by the server before the handler runs (see
// auth.h): a non-public route needs a valid bearer token; then `required_role` (if set) must be
// at most the caller's role in the order viewer < analyst < admin < owner; then `permission`
// (if not empty) is passed to the server's PermissionChecker together with the caller's role.
struct RouteOptions {
  bool public_route = false;
  std::optional<Role> required_role;
  std::string permission;  // e.g. "customers:read"; the table lives in security/
  // Largest accepted request body for this route; 0 means the server's default
  // (ServerOptions::body_limit_bytes). A bigger body is answered 413 before it is read.
  std::size_t body_limit_bytes = 0;
};

// Shorthands for route declarations.
inline RouteOptions Public() {
  RouteOptions o;
  o.public_route = true;
  return o;
}
inline RouteOptions RequireRole(Role role) {
  RouteOptions o;
  o.required_role = role;
  return o;
}
inline RouteOptions RequirePermission(std::string permission) {
  RouteOptions o;
  o.permission = std::move(permission);
  return o;
}

class Router {
 public:
  // Registers `handler` for `method` on `pattern`. Registering the same method and pattern
  // twice, or a malformed pattern (not starting with '/', a wildcard not last, an empty
  // parameter name), is a programming error (CHECK).
  void Add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  void Get(std::string_view p, Handler h, RouteOptions o = {}) { Add(Method::kGet, p, std::move(h), std::move(o)); }
  void Post(std::string_view p, Handler h, RouteOptions o = {}) { Add(Method::kPost, p, std::move(h), std::move(o)); }
  void Put(std::string_view p, Handler h, RouteOptions o = {}) { Add(Method::kPut, p, std::move(h), std::move(o)); }
  void Patch(std::string_view p, Handler h, RouteOptions o = {}) { Add(Method::kPatch, p, std::move(h), std::move(o)); }
  void Delete(std::string_view p, Handler h, RouteOptions o = {}) { Add(Method::kDelete, p, std::move(h), std::move(o)); }

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath } kind = Kind::kNotFound;
    const Handler* handler = nullptr;        // kFound
    const RouteOptions* options = nullptr;   // kFound
    std::vector<std::pair<std::string, std::string>> params;  // kFound; decoded
    std::string allow;                       // kMethodNotAllowed: "GET, HEAD, POST"
    // kFound and kMethodNotAllowed: the matched route's pattern as registered
    // ("/clv/customers/:id"); a view into the Router, valid as long as it lives. Metrics label
    // requests by it (never by the raw path, whose ids would explode the label set).
    std::string_view pattern;
  };

  // `raw_path` is the path part of the request target, still percent-encoded. A path with a
  // malformed escape or an encoded NUL is kBadPath (answer 400).
  Match Find(Method method, std::string_view raw_path) const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kWildcard } kind;
    std::string text;  // literal text, or the parameter name
  };
  struct Route {
    std::string pattern;
    std::vector<Segment> segments;
    std::vector<std::pair<Method, std::pair<Handler, RouteOptions>>> methods;
  };
  std::vector<Route> routes_;
};

// Percent-decodes `in` ("%41" → "A"); '+' is kept as is (paths, not forms). nullopt for a
// malformed escape or an encoded NUL.
std::optional<std::string> PercentDecode(std::string_view in);

}  // namespace clv::http
