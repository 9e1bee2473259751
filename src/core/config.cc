#include "core/config.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.h"

extern char** environ;

namespace clv {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsKey(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

// What follows a closing quote: nothing, or whitespace then an optional comment.
bool IsTrailer(std::string_view rest) {
  rest = Trim(rest);
  return rest.empty() || rest.front() == '#';
}

// Parses the value part of one .env line; the error is the line-level message.
Result<std::string> ParseValue(std::string_view raw) {
  std::string_view v = Trim(raw);
  if (v.empty()) return std::string();
  if (v.front() == '\'') {
    std::size_t close = v.find('\'', 1);
    if (close == std::string_view::npos) return InvalidArgument("unterminated ' quote");
    if (!IsTrailer(v.substr(close + 1)))
      return InvalidArgument("unexpected text after closing quote");
    return std::string(v.substr(1, close - 1));
  }
  if (v.front() == '"') {
    std::string out;
    for (std::size_t i = 1; i < v.size(); ++i) {
      char c = v[i];
      if (c == '"') {
        if (!IsTrailer(v.substr(i + 1)))
          return InvalidArgument("unexpected text after closing quote");
        return out;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (++i == v.size()) break;
      switch (v[i]) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '"': case '\\': case '$': case '\'': out.push_back(v[i]); break;
        default: return InvalidArgument(std::string("unknown escape \\") + v[i]);
      }
    }
    return InvalidArgument("unterminated \" quote");
  }
  // Unquoted: a '#' preceded by whitespace starts a comment (so "a#b" keeps its '#').
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '#' && IsSpace(v[i - 1])) return std::string(Trim(v.substr(0, i)));
  }
  // "KEY= # note" is an empty value with a comment; "KEY=#abc" is the value "#abc".
  if (v.front() == '#' && raw.front() != '#') return std::string();
  return std::string(v);
}

// ---- value validation -------------------------------------------------------------------

std::string Got(std::string_view value) { return ", got '" + std::string(value) + "'"; }

Status Invalid(std::string_view var, std::string_view expected, std::string_view value) {
  return InvalidArgument(std::string(var) + ": expected " + std::string(expected) + Got(value));
}

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<std::int64_t> IntInRange(std::string_view var, std::string_view value, std::int64_t lo,
                                std::int64_t hi) {
  std::optional<std::int64_t> v = ParseInt(value);
  if (!v || *v < lo || *v > hi)
    return Invalid(var, "an integer in " + std::to_string(lo) + ".." + std::to_string(hi),
                   value);
  return *v;
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return host.front() != '-' && host.front() != '.';
}

bool IsIpv6Literal(std::string_view host) {
  if (host.size() < 2) return false;
  bool colon = false;
  for (char c : host) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == ':' || c == '.';
    if (!ok) return false;
    colon |= c == ':';
  }
  return colon;
}

struct HostPort {
  std::string host;
  std::optional<std::uint16_t> port;
};

// "host", "host:port", "[v6]", "[v6]:port". `port_required` makes a missing port an error.
std::optional<HostPort> ParseHostPort(std::string_view s, bool port_required) {
  HostPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view host = s.substr(1, close - 1);
    if (!IsIpv6Literal(host)) return std::nullopt;
    out.host = std::string(host);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    std::size_t colon = s.find(':');
    std::string_view host = s.substr(0, colon);
    if (!IsHostName(host)) return std::nullopt;
    out.host = std::string(host);
    if (colon != std::string_view::npos) {
      port_text = s.substr(colon + 1);
      has_port = true;
    }
  }
  if (has_port) {
    // Digits only: from_chars would accept neither sign nor space, but be explicit about it.
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    std::optional<std::int64_t> port = ParseInt(port_text);
    if (!port || *port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(*port);
  } else if (port_required) {
    return std::nullopt;
  }
  return out;
}

// 32 bytes from 64 hex characters, or from base64 / base64url with or without '=' padding.
std::optional<std::string> DecodeMasterKey(std::string_view text) {
  if (text.size() == 64) return HexDecode(text);
  if (text.size() == 44 && text.back() == '=') text.remove_suffix(1);
  if (text.size() != 43) return std::nullopt;
  return Base64Decode(text, Base64Alphabet::kStandardOrUrl);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Status ParseListen(std::string_view value, Config& config) {
  std::optional<HostPort> hp = ParseHostPort(value, /*port_required=*/true);
  if (!hp) return Invalid("CLV_LISTEN", "host:port with port 0..65535", value);
  config.listen_host = hp->host;
  config.listen_port = *hp->port;
  return Status::Ok();
}

Status ParseDatabaseUrl(std::string_view value, Config& config) {
  constexpr std::string_view kExpected =
      "sqlite:<path>, postgresql://... or postgres://...";
  if (value.starts_with("sqlite:")) {
    std::string_view path = value.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite://./x and sqlite:///abs
    if (path.empty()) return Invalid("DATABASE_URL", kExpected, value);
    config.database_kind = DatabaseKind::kSqlite;
    config.sqlite_path = std::string(path);
  } else if (value.starts_with("postgresql://") || value.starts_with("postgres://")) {
    std::string_view rest = value.substr(value.find("//") + 2);
    if (rest.empty()) return Invalid("DATABASE_URL", kExpected, value);
    config.database_kind = DatabaseKind::kPostgres;
    config.sqlite_path.clear();
  } else {
    // The value may carry a password; show only the scheme-ish start.
    std::string_view shown = value.substr(0, value.find(':'));
    return InvalidArgument("DATABASE_URL: expected " + std::string(kExpected) + ", got '" +
                           std::string(shown.substr(0, 32)) + "…'");
  }
  config.database_url = std::string(value);
  return Status::Ok();
}

Status ParseRedisUrl(std::string_view value, Config& config) {
  constexpr std::string_view kExpected = "redis://[:password@]host[:port][/db]";
  auto invalid = [&] {
    // Never echo a URL that may hold a password.
    std::size_t at = value.rfind('@');
    std::string shown = at == std::string_view::npos
                            ? std::string(value)
                            : "redis://***@" + std::string(value.substr(at + 1));
    return InvalidArgument("REDIS_URL: expected " + std::string(kExpected) + ", got '" + shown +
                           "'");
  };
  if (!value.starts_with("redis://")) return invalid();
  std::string_view rest = value.substr(8);
  RedisAddress address;
  std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    std::size_t colon = userinfo.find(':');
    address.password =
        std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  std::size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      std::optional<std::int64_t> n = ParseInt(db);
      if (!n || *n < 0 || *n > 1'000'000 || db.front() == '+') return invalid();
      address.db = static_cast<int>(*n);
    }
  }
  std::optional<HostPort> hp = ParseHostPort(hostport, /*port_required=*/false);
  if (!hp || (hp->port && *hp->port == 0)) return invalid();
  address.host = hp->host;
  if (hp->port) address.port = *hp->port;
  config.redis_url = std::string(value);
  config.redis = address;
  return Status::Ok();
}

Status ParseCorsOrigins(std::string_view value, Config& config) {
  config.cors_origins.clear();
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    std::string_view item =
        Trim(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    if (item.empty()) continue;
    // Origins compare case-insensitively in scheme and host (RFC 6454 §4); store them lower.
    const std::string lowered = Lower(item);
    std::string_view rest;
    item = lowered;
    if (item.starts_with("https://")) {
      rest = item.substr(8);
    } else if (item.starts_with("http://")) {
      rest = item.substr(7);
    } else {
      return Invalid("CLV_CORS_ORIGINS", "comma-separated origins like https://shop.example.com",
                     item);
    }
    std::optional<HostPort> hp = ParseHostPort(rest, /*port_required=*/false);
    if (!hp)
      return Invalid("CLV_CORS_ORIGINS",
                     "origins without path or trailing slash, like https://shop.example.com",
                     item);
    config.cors_origins.push_back(lowered);
  }
  return Status::Ok();
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
    std::string_view entry(*p);
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

Result<Environment> ParseDotEnv(std::string_view text, std::string_view file_name) {
  Environment env;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM from editors
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto fail = [&](std::string_view why) {
      return InvalidArgument(std::string(file_name) + ":" + std::to_string(line_no) + ": " +
                             std::string(why));
    };
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (t.starts_with("export") && t.size() > 6 && IsSpace(t[6])) t = Trim(t.substr(7));
    std::size_t eq = t.find('=');
    if (eq == std::string_view::npos) return fail("expected KEY=VALUE");
    std::string_view key = Trim(t.substr(0, eq));
    if (!IsKey(key))
      return fail("invalid variable name '" + std::string(key.substr(0, 64)) + "'");
    Result<std::string> value = ParseValue(t.substr(eq + 1));
    if (!value.ok()) return fail(value.status().message());
    env.insert_or_assign(std::string(key), std::move(value).value());
  }
  return env;
}

Result<Environment> LoadEnvironment(const Environment& process, const std::string& dotenv_path) {
  std::error_code ec;
  if (!std::filesystem::exists(dotenv_path, ec) && !ec) return process;
  if (!std::filesystem::is_regular_file(dotenv_path, ec))
    return InvalidArgument(dotenv_path + ": not a regular file");
  std::ifstream in(dotenv_path, std::ios::binary);
  if (!in) return InvalidArgument(dotenv_path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return InvalidArgument(dotenv_path + ": read error");
  CLV_ASSIGN_OR_RETURN(Environment env, ParseDotEnv(buffer.str(), dotenv_path));
  // The real environment wins: the file supplies only what the process was not given.
  for (const auto& [key, value] : process) env.insert_or_assign(key, value);
  return env;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string_view LogFormatName(LogFormat format) {
  return format == LogFormat::kJson ? "json" : "text";
}

Result<Config> LoadConfig(const Environment& env) {
  Config config;
  auto get = [&](std::string_view name) -> std::optional<std::string_view> {
    auto it = env.find(name);
    if (it == env.end() || it->second.empty()) return std::nullopt;
    return std::string_view(it->second);
  };

  if (auto v = get("CLV_LISTEN")) CLV_RETURN_IF_ERROR(ParseListen(*v, config));
  if (auto v = get("DATABASE_URL")) CLV_RETURN_IF_ERROR(ParseDatabaseUrl(*v, config));
  if (auto v = get("REDIS_URL")) CLV_RETURN_IF_ERROR(ParseRedisUrl(*v, config));
  if (auto v = get("JWT_SECRET")) {
    if (v->size() < 32)
      return InvalidArgument("JWT_SECRET: expected at least 32 bytes, got " +
                             std::to_string(v->size()));
    config.jwt_secret = std::string(*v);
  }
  if (auto v = get("CLV_MASTER_KEY")) {
    std::optional<std::string> key = DecodeMasterKey(*v);
    if (!key || key->size() != 32)
      return InvalidArgument(
          "CLV_MASTER_KEY: expected 32 bytes as 64 hex characters or 43/44 base64 characters, "
          "got " + std::to_string(v->size()) + " characters");
    config.master_key = std::move(*key);
  }
  if (auto v = get("CLV_DATA_DIR")) config.data_dir = std::string(*v);
  if (auto v = get("LOG_LEVEL")) {
    std::string level = Lower(*v);
    if (level == "trace") config.log_level = LogLevel::kTrace;
    else if (level == "debug") config.log_level = LogLevel::kDebug;
    else if (level == "info") config.log_level = LogLevel::kInfo;
    else if (level == "warn") config.log_level = LogLevel::kWarn;
    else if (level == "error") config.log_level = LogLevel::kError;
    else return Invalid("LOG_LEVEL", "one of trace|debug|info|warn|error", *v);
  }
  if (auto v = get("LOG_FORMAT")) {
    std::string format = Lower(*v);
    if (format == "json") config.log_format = LogFormat::kJson;
    else if (format == "text") config.log_format = LogFormat::kText;
    else return Invalid("LOG_FORMAT", "json or text", *v);
  }
  if (auto v = get("CLV_IO_THREADS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_IO_THREADS", *v, 0, 1024));
    config.io_threads = static_cast<int>(n);
  }
  if (auto v = get("CLV_WORKER_THREADS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_WORKER_THREADS", *v, 0, 1024));
    config.worker_threads = static_cast<int>(n);
  }
  if (auto v = get("CLV_MAX_BODY_BYTES")) {
    CLV_ASSIGN_OR_RETURN(config.max_body_bytes,
                         IntInRange("CLV_MAX_BODY_BYTES", *v, 1024, std::int64_t{1} << 30));
  }
  if (auto v = get("CLV_ACCESS_TOKEN_TTL_SECONDS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_ACCESS_TOKEN_TTL_SECONDS", *v, 60, 86400));
    config.access_token_ttl_seconds = static_cast<int>(n);
  }
  if (auto v = get("CLV_REFRESH_TOKEN_TTL_DAYS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_REFRESH_TOKEN_TTL_DAYS", *v, 1, 365));
    config.refresh_token_ttl_days = static_cast<int>(n);
  }
  if (auto v = get("CLV_PG_POOL_SIZE")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_PG_POOL_SIZE", *v, 1, 1000));
    config.pg_pool_size = static_cast<int>(n);
  }
  if (auto v = get("CLV_JOB_WORKERS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_JOB_WORKERS", *v, 1, 64));
    config.job_workers = static_cast<int>(n);
  }
  if (auto v = get("CLV_JOB_LEASE_SECONDS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_JOB_LEASE_SECONDS", *v, 1, 3600));
    config.job_lease_seconds = static_cast<int>(n);
  }
  if (auto v = get("CLV_REFIT_INTERVAL_HOURS")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_REFIT_INTERVAL_HOURS", *v, 0, 24 * 366));
    config.refit_interval_hours = static_cast<int>(n);
  }
  if (auto v = get("CLV_REFIT_SWEEP_MINUTES")) {
    CLV_ASSIGN_OR_RETURN(std::int64_t n, IntInRange("CLV_REFIT_SWEEP_MINUTES", *v, 0, 24 * 60));
    config.refit_sweep_minutes = static_cast<int>(n);
  }
  if (auto v = get("CLV_CORS_ORIGINS")) CLV_RETURN_IF_ERROR(ParseCorsOrigins(*v, config));
  return config;
}

}  // namespace clv
