// The PostgreSQL implementation of Store (see storage/store.h for the contract).
// A pool of libpq connections, parameterised statements only, COPY into a per-connection
// temporary staging table for order writes (UpsertOrders and imports share one set-based merge),
// and a per-tenant advisory lock around order merges so customer aggregates stay exact.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::postgres {

// `url` is a postgresql:// or postgres:// URI. Connects once to check reachability and the
// schema version; further connections open lazily up to options.pool_size.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options);

}  // namespace clv::storage::postgres
