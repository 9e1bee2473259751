#include "http/middleware.h"

#include <cstdlib>
#include <random>

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

namespace clv::http {

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string GenerateRequestId() {
  // One generator per thread: no lock on the hot path, and random_device seeding keeps two
  // instances behind one proxy from producing the same ids.
  thread_local std::mt19937_64 rng{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                   std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[v & 0xf];
      v >>= 4;
    }
  }
  return id;
}

bool HasMediaType(const Request& request, std::string_view media_type) {
  const auto ct = request.headers.Get("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  const size_t semi = v.find(';');
  if (semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  return EqualsIgnoreCase(v, media_type);
}

std::optional<Response> RequireMediaType(const Request& request, std::string_view media_type) {
  if (HasMediaType(request, media_type)) return std::nullopt;
  return Response::Error(415, "unsupported_media_type",
                         "Content-Type must be " + std::string(media_type));
}

std::optional<boost::json::value> ParseJsonBody(const Request& request, Response* error) {
  if (auto r = RequireMediaType(request, "application/json")) {
    *error = std::move(*r);
    return std::nullopt;
  }
  if (request.body.empty()) {
    *error = Response::Error(400, "invalid_argument", "request body is empty; expected JSON");
    return std::nullopt;
  }
  // stream_parser tells how many bytes it consumed before an error, which gives the position
  // that boost::json::parse() does not report.
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const size_t consumed = parser.write_some(request.body.data(), request.body.size(), ec);
  size_t error_at = consumed;
  if (!ec) {
    if (consumed < request.body.size()) {
      // write_some stops after a complete value: anything but whitespace after it is an error.
      size_t i = consumed;
      while (i < request.body.size() && (request.body[i] == ' ' || request.body[i] == '\n' ||
                                         request.body[i] == '\r' || request.body[i] == '\t')) {
        ++i;
      }
      if (i < request.body.size()) {
        ec = boost::json::make_error_code(boost::json::error::extra_data);
        error_at = i;
      }
    }
    if (!ec) parser.finish(ec);
  }
  if (ec) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < error_at && i < request.body.size(); ++i) {
      if (request.body[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    *error = Response::Error(400, "invalid_argument",
                             "malformed JSON at line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + ec.message());
    return std::nullopt;
  }
  return parser.release();
}

LogFormat LogFormatFromEnv() {
  const char* v = std::getenv("LOG_FORMAT");
  return (v != nullptr && std::string_view(v) == "json") ? LogFormat::kJson : LogFormat::kText;
}

std::string FormatAccessLog(const AccessLogEntry& e, LogFormat format) {
  if (format == LogFormat::kJson) {
    boost::json::object o;
    o["msg"] = "http_request";
    o["method"] = e.method;
    o["path"] = e.path;
    o["status"] = e.status;
    o["bytes"] = e.bytes;
    o["duration_us"] = e.duration_us;
    o["request_id"] = e.request_id;
    o["remote"] = e.remote;
    return boost::json::serialize(o);
  }
  std::string line = "http_request method=";
  line += e.method;
  line += " path=";
  line += e.path;
  line += " status=" + std::to_string(e.status);
  line += " bytes=" + std::to_string(e.bytes);
  line += " duration_us=" + std::to_string(e.duration_us);
  line += " request_id=";
  line += e.request_id;
  line += " remote=";
  line += e.remote;
  return line;
}

}  // namespace clv::http
