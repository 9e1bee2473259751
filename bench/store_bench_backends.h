// Shared by the store benches (fit_write_bench, store_import_bench): the process's peak RSS, and
// running one bench against a fresh database of each backend asked for. Header-only: every
// bench/*_bench.cc is its own binary (bench/CMakeLists.txt), this header is no target.
#pragma once

#include <libpq-fe.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

namespace clv::bench {

inline long PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

// One statement on a fresh connection to `url` (CREATE/DROP DATABASE); 0 on success.
inline int PgAdmin(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  const int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : 1;
  if (rc) std::fprintf(stderr, "postgres: %s", PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return rc;
}

// Runs `bench(url, backend_name)` on a fresh SQLite file in a temporary directory and/or on a
// fresh PostgreSQL database "<tag>_<pid>" on the server of CLV_TEST_POSTGRES_URL, as `which`
// says ("sqlite", "postgres" or "all"); removes both afterwards. PostgreSQL is skipped, with a
// line saying so, when the variable is not set. Returns 0 when every run returned 0.
inline int ForEachBackend(const std::string& which, const std::string& tag,
                          const std::function<int(const std::string&, const char*)>& bench) {
  int rc = 0;
  if (which == "all" || which == "sqlite") {
    std::string dir = (std::filesystem::temp_directory_path() / (tag + ".XXXXXX")).string();
    if (!mkdtemp(dir.data())) return 1;
    rc |= bench("sqlite:" + dir + "/bench.db", "sqlite");
    std::filesystem::remove_all(dir);
  }
  if (which == "all" || which == "postgres") {
    const char* admin = std::getenv("CLV_TEST_POSTGRES_URL");
    if (!admin || !*admin) {
      std::printf("postgres   skipped: CLV_TEST_POSTGRES_URL is not set\n");
    } else {
      const std::string name = tag + "_" + std::to_string(getpid());
      if (PgAdmin(admin, "CREATE DATABASE " + name) != 0) return 1;
      std::string url = admin;
      url = url.substr(0, url.rfind('/')) + "/" + name;
      rc |= bench(url, "postgres");
      PgAdmin(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
  return rc;
}

}  // namespace clv::bench
