// Process configuration: environment variables (plus an optional .env file), validated into
// one Config before anything listens. Every variable is documented in /.env.example.
//
// Rules that apply to every variable:
//  - An unset variable or one set to the empty string takes its default.
//  - An invalid value is InvalidArgument naming the variable, what is expected and what was
//    given: "CLV_LISTEN: expected host:port, got 'abc'". Secrets are never echoed.
//  - The real environment wins over the .env file (LoadEnvironment).
//
// Layer core: standard library only. JWT_SECRET / CLV_MASTER_KEY that are unset are generated
// by security/secrets.h (it needs a CSPRNG), not here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace clv {

// Variable name → value.
using Environment = std::map<std::string, std::string, std::less<>>;

// The variables of this process (POSIX `environ`).
Environment ProcessEnvironment();

// Parses .env text: one KEY=VALUE per line; blank lines and lines starting with '#' are
// skipped; an optional "export " prefix; keys are [A-Za-z_][A-Za-z0-9_]*; values may be
// unquoted (trimmed; " #" starts a comment), '…' (literal) or "…" (escapes \n \t \" \\ \$),
// with only whitespace or a comment after the closing quote. Lines end with \n or \r\n.
// A malformed line → InvalidArgument "<file_name>:<line>: <what is wrong>". Later
// duplicates override earlier ones.
Result<Environment> ParseDotEnv(std::string_view text, std::string_view file_name);

// `process` overlaid on the contents of `dotenv_path`: a missing file is not an error (the
// result is `process`); an unreadable or malformed one is (InvalidArgument).
Result<Environment> LoadEnvironment(const Environment& process, const std::string& dotenv_path);

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };
std::string_view LogLevelName(LogLevel level);  // "trace", ...
std::string_view LogFormatName(LogFormat format);

enum class DatabaseKind { kSqlite, kPostgres };

struct RedisAddress {
  std::string host;
  std::uint16_t port = 6379;
  int db = 0;
  std::string password;  // empty when none
};

struct Config {
  // CLV_LISTEN: host (name, IPv4, or [IPv6]) and port 0..65535 (0 = any free port).
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 3001;
  // DATABASE_URL: "sqlite:<path>" or "postgresql://…" / "postgres://…" (libpq URI).
  std::string database_url = "sqlite:./data/clv.db";
  DatabaseKind database_kind = DatabaseKind::kSqlite;
  std::string sqlite_path = "./data/clv.db";  // when database_kind == kSqlite
  // REDIS_URL: redis://[[user]:password@]host[:port][/db]; unset = single-instance mode.
  std::optional<std::string> redis_url;
  std::optional<RedisAddress> redis;
  // JWT_SECRET (>= 32 bytes, used as given) and CLV_MASTER_KEY (32 bytes, decoded from 64
  // hex characters or base64/base64url). Unset = read or generated in data_dir.
  std::optional<std::string> jwt_secret;
  std::optional<std::string> master_key;  // 32 raw bytes
  // CLV_DATA_DIR: generated secrets (and the default SQLite file) live here.
  std::string data_dir = "./data";
  LogLevel log_level = LogLevel::kInfo;     // LOG_LEVEL
  LogFormat log_format = LogFormat::kText;  // LOG_FORMAT
  int io_threads = 0;                       // CLV_IO_THREADS, 0 = hardware concurrency
  int worker_threads = 0;                   // CLV_WORKER_THREADS, 0 = max(16, 8 × cores)
  std::int64_t max_body_bytes = 1'048'576;  // CLV_MAX_BODY_BYTES
  int access_token_ttl_seconds = 900;       // CLV_ACCESS_TOKEN_TTL_SECONDS, 60..86400
  int refresh_token_ttl_days = 30;          // CLV_REFRESH_TOKEN_TTL_DAYS, 1..365
  int pg_pool_size = 8;                     // CLV_PG_POOL_SIZE, 1..1000
  // Background jobs (CLV calculations): worker threads per instance (CLV_JOB_WORKERS, 1..64;
  // SQLite uses one), the lease a running job holds between heartbeats
  // (CLV_JOB_LEASE_SECONDS, 1..3600; a job whose worker died is retried after it), and the age
  // of a tenant's fit after which it is refitted when orders arrived since
  // (CLV_REFIT_INTERVAL_HOURS, 0..8784, 0 = never), and how often every tenant is checked for
  // such a stale fit (CLV_REFIT_SWEEP_MINUTES, 0..1440, 0 = only when orders arrive).
  int job_workers = 1;
  int job_lease_seconds = 30;
  int refit_interval_hours = 24;
  int refit_sweep_minutes = 60;
  // CLV_CORS_ORIGINS: comma-separated origins (scheme://host[:port]); empty = same-origin only.
  std::vector<std::string> cors_origins;
};

// Validates `env` into a Config (first invalid variable → InvalidArgument). Unknown variables
// are ignored: the environment holds much that is not ours.
Result<Config> LoadConfig(const Environment& env);

}  // namespace clv
