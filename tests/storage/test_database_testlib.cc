#include "storage/test_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "common/scratch_postgres.h"

namespace clv::storage::testing {

using testcommon::PgExec;

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kSqliteFile: return "SqliteFile";
    case Backend::kSqliteMemory: return "SqliteMemory";
    case Backend::kPostgres: return "Postgres";
  }
  return "unknown";
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend,
                                                           std::string* skip_reason) {
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  db->backend_ = backend;
  switch (backend) {
    case Backend::kSqliteMemory:
      db->url_ = "sqlite::memory:";
      break;
    case Backend::kSqliteFile: {
      std::string templ =
          (std::filesystem::temp_directory_path() / "clv-store-test.XXXXXX").string();
      if (!mkdtemp(templ.data())) return Internal("mkdtemp failed");
      db->dir_ = templ;
      // A subdirectory that does not exist yet: OpenStore must create it.
      db->url_ = "sqlite:" + templ + "/data/clv.db";
      break;
    }
    case Backend::kPostgres: {
      CLV_ASSIGN_OR_RETURN(std::optional<std::string> admin,
                           testcommon::TestPostgresUrl(skip_reason));
      if (!admin) return std::unique_ptr<TestDatabase>();
      db->admin_url_ = *admin;
      db->db_name_ = testcommon::ScratchDatabaseName("clv_t_");
      CLV_ASSIGN_OR_RETURN(db->url_,
                           testcommon::CreateScratchDatabase(db->admin_url_, db->db_name_));
      break;
    }
  }
  return db;
}

TestDatabase::~TestDatabase() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (!db_name_.empty()) testcommon::DropScratchDatabase(admin_url_, db_name_);
}

Status TestDatabase::ExecRaw(const std::string& sql) {
  if (backend_ == Backend::kPostgres) return PgExec(url_, sql);
  if (backend_ == Backend::kSqliteMemory) return FailedPrecondition("no raw access to :memory:");
  sqlite3* db = nullptr;
  std::string path = url_.substr(std::string("sqlite:").size());
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Internal("open failed");
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  Status s;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK)
    s = Internal(std::string("sqlite: ") + (err ? err : "?"));
  sqlite3_free(err);
  sqlite3_close(db);
  return s;
}

Result<long long> TestDatabase::QueryInt(const std::string& sql) {
  if (backend_ == Backend::kPostgres) {
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    Result<long long> out = Internal("test postgres: " + std::string(PQerrorMessage(c)));
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
      out = std::atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return out;
  }
  if (backend_ == Backend::kSqliteMemory) return FailedPrecondition("no raw access to :memory:");
  sqlite3* db = nullptr;
  std::string path = url_.substr(std::string("sqlite:").size());
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  Result<long long> out = Internal("sqlite query failed");
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    out = static_cast<long long>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace clv::storage::testing
