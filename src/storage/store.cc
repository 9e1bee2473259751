#include "storage/store.h"

#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace clv::storage {

std::string_view JobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
    case JobStatus::kSucceeded: return "succeeded";
    case JobStatus::kFailed: return "failed";
  }
  return "unknown";
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("database pool size must be at least 1");
  if (options.busy_timeout_ms < 0) return InvalidArgument("busy timeout must not be negative");
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    std::string_view rest = url.substr(kSqlite.size());
    if (rest == ":memory:") return sqlite::OpenSqliteStore(":memory:", options);
    if (rest.substr(0, 2) == "//") {
      // sqlite:///abs/path (URL style): the path starts at the third slash.
      rest.remove_prefix(2);
      if (rest.empty() || rest[0] != '/')
        return InvalidArgument("sqlite:// URLs need an absolute path (sqlite:///var/lib/clv.db)");
    }
    if (rest.empty()) return InvalidArgument("database URL 'sqlite:' names no file");
    return sqlite::OpenSqliteStore(std::string(rest), options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return postgres::OpenPostgresStore(std::string(url), options);
  return InvalidArgument(
      "unsupported database URL (expected sqlite:PATH, sqlite::memory: or postgresql://...)");
}

}  // namespace clv::storage
