// One schema migration of a backend. Migrations are numbered 1, 2, 3… without gaps, the same
// numbers in both backends (a version means the same tables everywhere), and never edited once
// released: a change is a new migration. Adding one: append an entry to
// sqlite/migrations.cc and postgres/migrations.cc, and raise kSchemaVersion (store.h).
#pragma once

#include <span>

namespace clv::storage {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // one or more statements, run in one transaction
};

}  // namespace clv::storage
