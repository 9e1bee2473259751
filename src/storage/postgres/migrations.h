// The PostgreSQL schema, as versioned migrations (see storage/migration.h).
#pragma once

#include <span>

#include "storage/migration.h"

namespace clv::storage::postgres {
std::span<const Migration> Migrations();
}  // namespace clv::storage::postgres
