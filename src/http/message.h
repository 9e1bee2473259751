// Plain request/response types that handlers see. No Boost.Beast or Asio here: those headers
// stay inside server.cc (DESIGN.md "HTTP"), so handlers compile fast and can be unit-tested
// without a socket.
//
// Thread safety: a Request/Response is owned by one request's processing at a time; the server
// moves it between the io thread (parsing, writing) and a worker thread (middleware, handler).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "core/domain.h"
#include "core/status.h"

namespace clv::http {

// ASCII case-insensitive equality, as header names require (RFC 9110 §5.1).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// An ordered list of header fields with case-insensitive lookup. Small (a request has ~10
// fields), so a vector beats a map.
class Headers {
 public:
  // The first value of `name`, or nullopt. The view is valid until the Headers change.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every field called `name` with one field.
  void Set(std::string_view name, std::string value);
  // Appends a field (for fields that may repeat, e.g. Set-Cookie).
  void Add(std::string_view name, std::string value);
  void Remove(std::string_view name);
  void Reserve(std::size_t fields) { fields_.reserve(fields); }

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view MethodName(Method m);  // "GET", ...; "OTHER" for kOther
Method ParseMethod(std::string_view name);

// Who is calling, as established by the Authenticator from a bearer token. The tenant of every
// request comes from here — never from a path, query or body.
struct AuthContext {
  TenantId tenant;
  UserId user;
  Role role = Role::kViewer;
};

struct RouteOptions;  // router.h

struct Request {
  Method method = Method::kGet;
  std::string method_name;  // as sent, e.g. "GET" (kept for logs and kOther)
  std::string target;       // raw request target, e.g. "/clv/customers/7?x=1"
  std::string path;         // percent-decoded path, without the query
  // Decoded query parameters in order of appearance; repeated keys appear repeatedly.
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::string body;
  // Route parameters, e.g. {"id", "7"} for "/clv/customers/:id"; "*rest" wildcards too.
  std::vector<std::pair<std::string, std::string>> path_params;
  std::string request_id;      // set by the server before any middleware runs
  std::string remote_address;  // "ip:port" of the peer (the proxy's, behind one)
  std::optional<AuthContext> auth;  // set by the authentication stage on non-public routes
  const RouteOptions* route = nullptr;  // the matched route's options; null for no match

  // First value of a query parameter / path parameter, or nullopt.
  std::optional<std::string_view> QueryParam(std::string_view key) const;
  std::optional<std::string_view> PathParam(std::string_view key) const;
};

// A body produced piece by piece (large files; later Server-Sent Events). Next() runs on a
// worker thread and may block; it appends the next piece to `out` and returns true while more
// follows, false after the last piece, or an error Status (the connection is then closed, since
// the status line has already been sent).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual Result<bool> Next(std::string& out) = 0;
  // Total length if known in advance (sent as Content-Length), else chunked encoding is used.
  virtual std::optional<std::uint64_t> Length() const = 0;
};

// Error details; the server renders them as the one error envelope
// {"error": {"code", "message", "request_id"}} when it knows the request id.
struct ErrorInfo {
  std::string code;     // stable snake_case, e.g. "not_found"
  std::string message;  // one line, safe to show a user
};

struct Response {
  int status = 200;
  Headers headers;            // Content-Type/Length are derived from the fields below
  std::string content_type;   // empty for no body
  std::string body;
  std::optional<ErrorInfo> error;      // when set, the body is the error envelope
  std::shared_ptr<BodyStream> stream;  // when set, replaces `body`

  static Response Json(int status, const boost::json::value& value);
  // A body already serialised as JSON (e.g. by http::JsonWriter), sent as application/json.
  static Response JsonText(int status, std::string json);
  // The error envelope. For 5xx, pass a generic message: it is shown to the client.
  static Response Error(int status, std::string code, std::string message);
  static Response NoContent();  // 204
  static Response Text(int status, std::string text, std::string content_type = "text/plain; charset=utf-8");
  static Response Redirect(int status, std::string location);  // 301/302/307/308
  static Response Stream(int status, std::string content_type, std::shared_ptr<BodyStream> s);
};

// Handlers run on the worker pool and may block (SQLite, libpq, fits). An exception escaping a
// handler becomes a 500 envelope (logged with the request id); prefer returning Error().
using Handler = std::function<Response(Request&)>;

}  // namespace clv::http
