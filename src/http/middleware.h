// Middleware and the helpers handlers share: request ids, security headers, content-type and
// JSON body checks, and the access-log line.
//
// Order of processing for every request (server.cc):
//   1. request id (always; protocol-level errors such as 413/431 get one too)
//   2. routing → 404 / 405 / 400 for a malformed path
//   3. authentication + authorisation (auth.h) for non-public routes → 401 / 403
//   4. the user middleware chain (ServerOptions::middleware, first added runs first) — the
//      hook for the rate limiter, CORS and the like
//   5. the handler (exceptions → 500 envelope)
//   6. security headers and X-Request-Id on the response; error envelope rendered
//   7. one access-log line after the response is written
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "http/message.h"

namespace clv::http {

// A middleware sees the request after routing and authentication and either answers itself or
// calls `next`. Runs on a worker thread; must be thread-safe.
using Middleware = std::function<Response(Request& request, const Handler& next)>;

// An incoming X-Request-Id is honoured when it is 1..128 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);
// 32 lower-case hex characters from a per-thread random generator.
std::string GenerateRequestId();

// The security headers every response gets unless the handler set them: X-Content-Type-Options:
// nosniff, Referrer-Policy: no-referrer, and for non-HTML responses Content-Security-Policy:
// default-src 'none'; frame-ancestors 'none' (an API response is never a document; HTML
// responses — the dashboard — bring their own CSP). Calls add(name, value) with static views for
// each one `response` lacks, in that order; the server writes them straight into the outgoing
// header block after the handler's fields (no copy through Response::headers).
template <class AddField>
void VisitSecurityHeaders(const Response& response, AddField&& add) {
  if (!response.headers.Has("X-Content-Type-Options")) add("X-Content-Type-Options", "nosniff");
  if (!response.headers.Has("Referrer-Policy")) add("Referrer-Policy", "no-referrer");
  const bool html = response.content_type.rfind("text/html", 0) == 0;
  if (!html && !response.headers.Has("Content-Security-Policy")) {
    add("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
}

// True when the request's Content-Type has media type `media_type` (case-insensitive,
// parameters such as charset ignored).
bool HasMediaType(const Request& request, std::string_view media_type);

// Returns a 415 error response unless the request's Content-Type is `media_type`.
std::optional<Response> RequireMediaType(const Request& request, std::string_view media_type);

// Parses a JSON request body. Returns the value, or nullopt with *error set to:
//  415 unsupported_media_type  — Content-Type is not application/json
//  400 invalid_argument        — empty body, or malformed JSON ("malformed JSON at line 3,
//                                column 14: <reason>")
std::optional<boost::json::value> ParseJsonBody(const Request& request, Response* error);

enum class LogFormat { kText, kJson };
// LOG_FORMAT=json → kJson, anything else → kText.
LogFormat LogFormatFromEnv();

struct AccessLogEntry {
  std::string_view method;
  std::string_view path;  // path only: the query may carry secrets
  int status = 0;
  std::uint64_t bytes = 0;  // response body bytes
  std::int64_t duration_us = 0;
  std::string_view request_id;
  std::string_view remote;
};
// One line: JSON object for kJson, `key=value` pairs for kText.
std::string FormatAccessLog(const AccessLogEntry& entry, LogFormat format);

}  // namespace clv::http
