// A fresh, private database per test for the storage contract suite: a SQLite file in a temp
// directory, a SQLite in-memory database, or a PostgreSQL database created (and dropped) on
// the server named by CLV_TEST_POSTGRES_URL, so tests can run in parallel.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::testing {

enum class Backend { kSqliteFile, kSqliteMemory, kPostgres };
std::string BackendName(Backend backend);

class TestDatabase {
 public:
  // Creates the database. For PostgreSQL without CLV_TEST_POSTGRES_URL: *skip_reason is set (the
  // test should GTEST_SKIP) unless CLV_TEST_REQUIRE_POSTGRES=1, in which case an error returns.
  static Result<std::unique_ptr<TestDatabase>> Create(Backend backend, std::string* skip_reason);
  ~TestDatabase();

  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }
  bool can_reopen() const { return backend_ != Backend::kSqliteMemory; }

  // Runs SQL directly on the database, bypassing the Store (file and PostgreSQL only).
  Status ExecRaw(const std::string& sql);
  // Returns the first column of the first row of `sql` as an integer (file and PostgreSQL).
  Result<long long> QueryInt(const std::string& sql);

 private:
  TestDatabase() = default;
  Backend backend_ = Backend::kSqliteFile;
  std::string url_;
  std::string dir_;         // SQLite: temp dir to remove
  std::string admin_url_;   // PostgreSQL: where to drop the database
  std::string db_name_;
};

}  // namespace clv::storage::testing
