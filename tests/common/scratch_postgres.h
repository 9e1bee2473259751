// Scratch PostgreSQL databases for tests (storage's TestDatabase, the API tests' TestDb): the
// server is the one CLV_TEST_POSTGRES_URL names (scripts/services.sh start sets it); each test
// creates a database of its own there, so tests run in parallel, and drops it afterwards.
// Header-only; needs libpq, which every layer from storage up links.
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/status.h"

namespace clv::testcommon {

// The server's URL from CLV_TEST_POSTGRES_URL. Unset: nullopt with *skip_reason set (the test
// should GTEST_SKIP), or FailedPrecondition when CLV_TEST_REQUIRE_POSTGRES=1 (CI, where a skip
// would hide that the PostgreSQL tests did not run).
inline Result<std::optional<std::string>> TestPostgresUrl(std::string* skip_reason) {
  const char* url = std::getenv("CLV_TEST_POSTGRES_URL");
  if (url != nullptr && *url != '\0') return std::optional<std::string>(url);
  const char* require = std::getenv("CLV_TEST_REQUIRE_POSTGRES");
  if (require != nullptr && std::string_view(require) == "1") {
    return FailedPrecondition(
        "CLV_TEST_REQUIRE_POSTGRES=1 but CLV_TEST_POSTGRES_URL is not set; start the services "
        "with `eval \"$(scripts/services.sh start)\"`");
  }
  *skip_reason = "CLV_TEST_POSTGRES_URL is not set (scripts/services.sh start sets it)";
  return std::optional<std::string>();
}

// `prefix` and 12 random hex digits: a database name no concurrent test picks. (Names only; no
// test outcome depends on the randomness.)
inline std::string ScratchDatabaseName(std::string_view prefix) {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(prefix);
  for (int i = 0; i < 12; ++i) s.push_back(kHex[rd() % 16]);
  return s;
}

// `url` (a postgresql:// URI) with its database name, the URI path, replaced by `db`; a query
// string is kept.
inline std::string WithDatabase(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  const auto head_end =
      slash != std::string::npos ? slash : (query != std::string::npos ? query : url.size());
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, head_end) + "/" + db + tail;
}

// Runs `sql` on a connection of its own: Unavailable if the server cannot be reached, Internal
// with the server's message if the statement fails.
inline Status PgExec(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) {
    return Unavailable("test postgres: " + std::string(PQerrorMessage(c.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Internal("test postgres: " + std::string(PQerrorMessage(c.get())));
  }
  return Status::Ok();
}

// Creates database `name` on the server `admin_url` names; returns its URL.
inline Result<std::string> CreateScratchDatabase(const std::string& admin_url,
                                                 const std::string& name) {
  CLV_RETURN_IF_ERROR(PgExec(admin_url, "CREATE DATABASE " + name));
  return WithDatabase(admin_url, name);
}

// Drops database `name` (sessions still on it are ended); errors are ignored, as in a
// destructor there is nothing left to do about them.
inline void DropScratchDatabase(const std::string& admin_url, const std::string& name) {
  (void)PgExec(admin_url, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

}  // namespace clv::testcommon
