// The SQLite implementation of Store (see storage/store.h for the contract).
// One writer connection behind an in-process lock (plus BEGIN IMMEDIATE against other
// processes), a pool of read connections for files (WAL lets them read while the writer
// writes); an in-memory database uses its single connection for everything.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::sqlite {

// `path` is a file path (parent directories are created) or ":memory:".
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options);

}  // namespace clv::storage::sqlite
