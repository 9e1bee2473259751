#include "storage/sqlite/db.h"

#include <mutex>

namespace clv::storage::sqlite {

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create, bool read_only,
                                     int busy_timeout_ms) {
  // Memory statistics take a global mutex on every allocation; we never read them. Only
  // possible before SQLite initialises; if someone else initialised it first, nothing changes.
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  // NOMUTEX: SQLite's own per-connection mutex is redundant, SqliteStore hands each connection
  // to one thread at a time.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return Unavailable("cannot open SQLite database '" + path + "': " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw, busy_timeout_ms));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  Status s = db->Exec("PRAGMA foreign_keys = ON");
  if (s.ok() && path != ":memory:" && !read_only) {
    // WAL: readers never block the writer and vice versa. synchronous=NORMAL is durable
    // against process crashes and cannot corrupt the database; a power cut may lose the last
    // transactions, which the importing clients retry (every write is idempotent).
    s = db->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  }
  if (!s.ok()) return Unavailable("cannot open SQLite database '" + path + "': " + s.message());
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  Status s = Error(rc, "exec");
  return Status(s.code(), s.code() == StatusCode::kUnavailable ? s.message() : "sqlite: " + msg);
}

sqlite3_stmt* Db::Prepare(const char* sql, Status* status) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    *status = Error(rc, "prepare");
    return nullptr;
  }
  cache_.emplace(sql, stmt);
  return stmt;
}

Status Db::Error(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Unavailable("SQLite database is locked by another writer (waited " +
                       std::to_string(busy_timeout_ms_) + " ms); retry later");
  }
  std::string msg = "sqlite " + std::string(what) + ": " + sqlite3_errmsg(db_);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    return AlreadyExists(msg);
  if (primary == SQLITE_ERROR && std::string_view(sqlite3_errmsg(db_)).find("no such table") !=
                                     std::string_view::npos)
    return FailedPrecondition("the database has no schema; run `clv migrate` (" + msg + ")");
  return Internal(msg);
}

Query::Query(Db& db, const char* sql) : db_(db), sql_(sql) { stmt_ = db.Prepare(sql, &status_); }

Query::~Query() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::Bind(int index, std::int64_t value) {
  if (stmt_) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Query& Query::Bind(int index, std::string_view value) {
  // An empty view may have a null data(), which SQLite would bind as NULL, not ''.
  if (stmt_) sqlite3_bind_text(stmt_, index, value.data() ? value.data() : "",
                               static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}
Query& Query::Bind(int index, std::optional<std::int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}
Query& Query::BindDouble(int index, double value) {
  if (stmt_) sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Query& Query::BindNull(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Query::Step() {
  if (!stmt_) return status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_.Error(rc, "step");
}

Status Query::Run() {
  while (true) {
    CLV_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Query::Text(int col) const { return std::string(TextView(col)); }

std::string_view Query::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!p) return {};
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

}  // namespace clv::storage::sqlite
