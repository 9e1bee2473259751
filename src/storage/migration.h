// One schema migration of a backend. Migrations are numbered 1, 2, 3… without gaps, the same
// numbers in both backends (a version means the same tables everywhere), and never edited once
// released: a change is a new migration. Adding one: append an entry to
// sqlite/migrations.cc and postgres/migrations.cc, and raise kSchemaVersion (store.h).
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace clv::storage {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // one or more statements, run in one transaction
};

// The sort indexes of customer_scores, one per list sort: created by migration 2 in both
// backends and again by PostgreSQL's migration 3 on the partitioned table, from this one text.
// Part of released migrations: never edit (a change is a new migration).
inline constexpr char kScoreSortIndexesSql[] = R"sql(CREATE INDEX customer_scores_predicted_clv
  ON customer_scores (tenant_id, predicted_clv_minor, customer_id);
CREATE INDEX customer_scores_historical_clv
  ON customer_scores (tenant_id, historical_clv_minor, customer_id);
CREATE INDEX customer_scores_p_alive ON customer_scores (tenant_id, p_alive, customer_id);
CREATE INDEX customer_scores_expected_purchases_365d
  ON customer_scores (tenant_id, expected_purchases_365d, customer_id);
CREATE INDEX customer_scores_value_at_risk
  ON customer_scores (tenant_id, value_at_risk_minor, customer_id);
CREATE INDEX customer_scores_last_order
  ON customer_scores (tenant_id, last_order_day, customer_id);
)sql";

// The string literals `parts` joined at compile time, NUL-terminated: a migration's text made of
// parts it shares with other migrations. Held by a constexpr variable it has static storage, so
// .data() can be a Migration's sql.
template <std::size_t... N>
constexpr std::array<char, (N + ...) - sizeof...(N) + 1> JoinSql(const char (&... parts)[N]) {
  std::array<char, (N + ...) - sizeof...(N) + 1> out{};
  std::size_t at = 0;
  auto append = [&](const char* part, std::size_t size) {
    for (std::size_t i = 0; i + 1 < size; ++i) out[at++] = part[i];  // without its NUL
  };
  (append(parts, N), ...);
  out[at] = '\0';
  return out;
}

}  // namespace clv::storage
