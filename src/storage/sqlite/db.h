// A small RAII wrapper over one sqlite3 connection: opening with our pragmas, a cache of
// prepared statements, and SQLite result codes mapped to Status. Internal to storage/sqlite.
// Not thread-safe: the owner (SqliteStore) guarantees one thread per connection at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace clv::storage::sqlite {

class Db {
 public:
  // Opens (creating when `create`) the database at `path` (":memory:" for a private in-memory
  // one) with foreign keys on, the busy timeout, and WAL mode for files. Unavailable on failure.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool create, bool read_only,
                                          int busy_timeout_ms);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* raw() const { return db_; }
  int busy_timeout_ms() const { return busy_timeout_ms_; }

  // Runs one or more statements without parameters and without results.
  Status Exec(const char* sql);

  // The cached prepared statement for `sql`, which must be a string with static storage (the
  // cache is keyed by its address); compiled on first use; nullptr with *status set on error.
  sqlite3_stmt* Prepare(const char* sql, Status* status);

  // Maps a SQLite result code to a Status whose message names `what`.
  Status Error(int rc, std::string_view what) const;

 private:
  Db(sqlite3* db, int busy_timeout_ms) : db_(db), busy_timeout_ms_(busy_timeout_ms) {}
  sqlite3* db_;
  int busy_timeout_ms_;
  // Keyed by the SQL text's address: every statement is a string constant of storage/sqlite.
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// One use of a cached statement: bind, step, read columns; reset and unbound on destruction.
// Text is bound without copying: bound strings must outlive the last Step().
class Query {
 public:
  Query(Db& db, const char* sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int index, std::int64_t value);
  Query& Bind(int index, std::string_view value);
  Query& Bind(int index, std::optional<std::int64_t> value);
  Query& BindNull(int index);
  // NaN binds as NULL (SQLite's own rule, stated here because readers rely on it).
  Query& BindDouble(int index, double value);

  // true when a row is available, false when done.
  Result<bool> Step();
  // Steps to the end, ignoring rows.
  Status Run();

  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // NULL reads as NaN.
  double Double(int col) const {
    return IsNull(col) ? std::numeric_limits<double>::quiet_NaN()
                       : sqlite3_column_double(stmt_, col);
  }
  std::string Text(int col) const;
  std::string_view TextView(int col) const;

 private:
  Db& db_;
  const char* sql_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

}  // namespace clv::storage::sqlite
