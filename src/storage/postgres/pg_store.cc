#include "storage/postgres/pg_store.h"
namespace clv::storage::postgres {
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const StoreOptions&) {
  return Unavailable("postgres: not yet");
}
}
