#include "storage/test_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <random>

namespace clv::storage::testing {
namespace {

std::string RandomSuffix() {
  std::random_device rd;  // names only; no test outcome depends on it
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i) s.push_back(kHex[rd() % 16]);
  return s;
}

// Replaces the database name (the URI path) of a postgresql:// URI.
std::string WithDatabase(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  std::string head = url.substr(0, slash == std::string::npos ? (query == std::string::npos
                                                                      ? url.size()
                                                                      : query)
                                                              : slash);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  return head + "/" + db + tail;
}

Status PgExec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return Unavailable("test postgres: " + msg);
  }
  PGresult* r = PQexec(c, sql.c_str());
  Status s;
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
    s = Internal("test postgres: " + std::string(PQerrorMessage(c)));
  PQclear(r);
  PQfinish(c);
  return s;
}

}  // namespace

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
      const char* admin = std::getenv("CLV_TEST_POSTGRES_URL");
      if (!admin || !*admin) {
        const char* require = std::getenv("CLV_TEST_REQUIRE_POSTGRES");
        if (require && std::string(require) == "1") {
          return FailedPrecondition(
              "CLV_TEST_REQUIRE_POSTGRES=1 but CLV_TEST_POSTGRES_URL is not set; start the "
              "services with `eval \"$(scripts/services.sh start)\"`");
        }
        *skip_reason = "CLV_TEST_POSTGRES_URL is not set (scripts/services.sh start sets it)";
        return std::unique_ptr<TestDatabase>();
      }
      db->admin_url_ = admin;
      db->db_name_ = "clv_t_" + RandomSuffix();
      CLV_RETURN_IF_ERROR(PgExec(db->admin_url_, "CREATE DATABASE " + db->db_name_));
      db->url_ = WithDatabase(db->admin_url_, db->db_name_);
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
  if (!db_name_.empty()) {
    (void)PgExec(admin_url_, "DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
  }
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
