// PgConn::ExecPrepared (pg.h): named prepared statements for hot read paths. Kept out of pg.cc
// so the connection basics stay in one place and this stays optional for callers.
#include <algorithm>
#include <string>
#include <vector>

#include "storage/postgres/pg.h"

namespace clv::storage::postgres {

Result<PgResult> PgConn::ExecPrepared(const char* name, const char* sql,
                                      const std::vector<Param>& params) {
  // A handful of names per connection: a linear scan beats hashing.
  if (std::find(prepared_.begin(), prepared_.end(), name) == prepared_.end()) {
    PgResult prep(PQprepare(c_, name, sql, static_cast<int>(params.size()), nullptr));
    if (!prep.raw() || PQresultStatus(prep.raw()) != PGRES_COMMAND_OK) {
      return Error(prep.raw(), "prepare");
    }
    prepared_.emplace_back(name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResult r(PQexecPrepared(c_, name, static_cast<int>(params.size()), values.data(), nullptr,
                            nullptr, 0));
  const ExecStatusType st = r.raw() ? PQresultStatus(r.raw()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r.raw(), "query");
  return r;
}

}  // namespace clv::storage::postgres
