// The tenant-wide analysis read of PostgreSQL (PgAnalyticsStore::StreamOrdersForAnalysis),
// exposed for its tests. Internal to storage/postgres.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "storage/analysis_rows.h"
#include "storage/postgres/pg.h"

namespace clv::storage::postgres {

// The orders heap size from which StreamOrdersForAnalysis splits its read: 128 MB.
inline constexpr std::int64_t kSplitMinPages = 16384;

// The tenant's rows for StreamOrdersForAnalysis, unsorted, added to `rows`: one COPY of the
// tenant's orders, or — when the orders heap has at least `split_min_pages` pages and `pool` has
// a connection free — two COPYs of complementary page ranges on two connections sharing one
// snapshot (the read is the server's CPU; this uses two cores). Either way every visible row
// exactly once, from one snapshot. `*split` (if not null) tells which ran; an info log line
// says so too, with the heap's size in pages.
Status ReadAnalysisRows(PgPool& pool, TenantId tenant, std::int64_t split_min_pages,
                        internal::AnalysisRowSorter& rows, bool* split);

}  // namespace clv::storage::postgres
