// PgAnalyticsStore::StreamOrdersForAnalysis: the tenant-wide read of a CLV calculation.
//
// One COPY (binary) of a sequential scan — two in parallel for a large table, see
// ReadAnalysisRows — sorted in memory (storage/analysis_rows.h). The
// previous cursor with ORDER BY customer_id, placed_at, id walked the orders_customer index with
// one random heap fetch per row (the heap is in import order, i.e. time order) and fetched text
// rows 10,000 at a time: 88 s for 5 M orders on the benchmark machine.
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "storage/analysis_rows.h"
#include "storage/postgres/pg_analysis_read.h"
#include "storage/postgres/pg_analytics.h"

namespace clv::storage::postgres {
namespace {

// PostgreSQL's binary COPY stream (docs: "COPY ... Binary Format"): an 11-byte signature, flags
// and header-extension length (int32 each), then per tuple an int16 field count and per field an
// int32 length (-1 = NULL) and the value in network byte order; an int16 -1 ends the stream.
class BinaryRowParser {
 public:
  explicit BinaryRowParser(internal::AnalysisRowSorter& rows) : rows_(rows) {}

  Status Feed(std::string_view data) {
    // CopyData messages carry whole rows in practice, but nothing in the protocol promises it:
    // bytes are buffered until a tuple is complete.
    if (pending_.empty()) {
      std::size_t used = 0;
      CLV_RETURN_IF_ERROR(Parse(data, used));
      pending_.assign(data.substr(used));
      return Status::Ok();
    }
    pending_.append(data);
    std::size_t used = 0;
    CLV_RETURN_IF_ERROR(Parse(pending_, used));
    pending_.erase(0, used);
    return Status::Ok();
  }

  Status Finish() const {
    if (!ended_ || !pending_.empty()) return Internal("analysis read: truncated COPY stream");
    return Status::Ok();
  }

 private:
  static std::int64_t Be64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return static_cast<std::int64_t>(__builtin_bswap64(v));
  }
  static std::int32_t Be32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<std::int32_t>(__builtin_bswap32(v));
  }
  static std::int16_t Be16(const char* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return static_cast<std::int16_t>(__builtin_bswap16(v));
  }

  // Consumes complete pieces from `in`, setting `used` to the bytes consumed.
  Status Parse(std::string_view in, std::size_t& used) {
    const char* p = in.data();
    const char* end = p + in.size();
    if (!header_done_) {
      static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // + the terminating '\0'
      if (end - p < 19) return Status::Ok();
      if (std::memcmp(p, kSignature, 11) != 0)
        return Internal("analysis read: not a binary COPY stream");
      const std::int32_t ext = Be32(p + 15);
      if (ext < 0 || end - p < 19 + ext) return Status::Ok();
      p += 19 + ext;
      header_done_ = true;
    }
    while (p < end && !ended_) {
      if (end - p < 2) break;
      const std::int16_t fields = Be16(p);
      if (fields == -1) {
        p += 2;
        ended_ = true;
        break;
      }
      if (fields != 5) return Internal("analysis read: unexpected COPY row shape");
      // Five fields: four int8 (length 8) and the currency text.
      const char* q = p + 2;
      std::int64_t v[4];
      bool complete = true;
      for (int f = 0; f < 4; ++f) {
        if (end - q < 12) {
          complete = false;
          break;
        }
        if (Be32(q) != 8) return Internal("analysis read: unexpected COPY field");
        v[f] = Be64(q + 4);
        q += 12;
      }
      if (!complete || end - q < 4) break;
      const std::int32_t len = Be32(q);
      if (len < 0) return Internal("analysis read: NULL currency");
      if (end - q - 4 < len) break;
      rows_.Add(v[0], v[1], v[2], v[3], std::string_view(q + 4, static_cast<std::size_t>(len)));
      p = q + 4 + len;
    }
    used = static_cast<std::size_t>(p - in.data());
    return Status::Ok();
  }

  internal::AnalysisRowSorter& rows_;
  std::string pending_;
  bool header_done_ = false;
  bool ended_ = false;
};

// The read's cost is the server's: scanning the orders and encoding them for COPY (3.7 s of
// server CPU for 5 M orders, against ~0.5 s to parse them here). One COPY runs on one backend,
// i.e. one core; a large table is therefore read as two COPYs of complementary page ranges
// (ctid < split, ctid >= split: PostgreSQL 14+ scans a ctid range directly) on two connections
// that share one exported snapshot, each parsed by its own thread. Small tables, or no second
// connection free in the pool, read as one COPY.

std::string AnalysisCopySql(TenantId tenant, std::string_view range) {
  // COPY takes no parameters; the tenant id and the page number are integers formatted here.
  // The columns' types are fixed (bigint x4, text): the parser checks lengths.
  return "COPY (SELECT customer_id, placed_at, id, "
         "CASE WHEN kind = 'refund' THEN -total_minor ELSE total_minor END, currency "
         "FROM orders WHERE tenant_id = " +
         std::to_string(tenant.value) + " AND status <> 'cancelled'" + std::string(range) +
         ") TO STDOUT (FORMAT binary)";
}

Status CopyInto(PgConn& c, const std::string& sql, internal::AnalysisRowSorter& rows) {
  BinaryRowParser parser(rows);
  CLV_RETURN_IF_ERROR(
      c.CopyOut(sql.c_str(), [&](std::string_view data) { return parser.Feed(data); }));
  return parser.Finish();
}

// A second pooled connection if the pool reports one free now: a busy pool means serving
// requests matters more than a faster read. (A race lost to another caller waits the pool's
// usual timeout; the read then runs on one connection.)
std::optional<PgPool::Lease> SpareConnection(PgPool& pool) {
  const PoolStats stats = pool.Stats();
  if (stats.capacity - stats.in_use < 1) return std::nullopt;
  Result<PgPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return std::nullopt;
  return std::move(lease).value();
}

// The two-connection read of a heap of `pages` pages; `first` and `second` are idle. Both
// transactions are ended here. `pages` was read before the snapshot: it only places the split
// (the two ranges cover every page whatever it is), so a table that grew or shrank since is
// still read whole, merely less evenly.
Status SplitRead(PgConn& first, PgConn& second, TenantId tenant, std::int64_t pages,
                 internal::AnalysisRowSorter& rows) {
  auto read = [&]() -> Status {
    CLV_RETURN_IF_ERROR(first.Command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    // The snapshot is taken by this first statement.
    CLV_ASSIGN_OR_RETURN(PgResult r, first.Exec("SELECT pg_export_snapshot()"));
    const std::string snapshot = r.Text(0, 0);
    const std::int64_t split = pages / 2;
    // SET TRANSACTION SNAPSHOT takes no parameters; the id is the server's own (hex digits and
    // dashes), checked before it is spliced in.
    if (snapshot.empty() || snapshot.find_first_not_of("0123456789ABCDEFabcdef-") !=
                                std::string::npos) {
      return Internal("analysis read: unexpected snapshot id '" + snapshot + "'");
    }
    CLV_RETURN_IF_ERROR(second.Command(("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                                        "SET TRANSACTION SNAPSHOT '" + snapshot + "'")
                                           .c_str()));
    const std::string page = "'(" + std::to_string(split) + ",0)'";
    const std::string low = AnalysisCopySql(tenant, " AND ctid < " + page);
    const std::string high = AnalysisCopySql(tenant, " AND ctid >= " + page);
    internal::AnalysisRowSorter high_rows;
    Status high_status;
    std::thread helper;
    try {
      helper = std::thread([&] { high_status = CopyInto(second, high, high_rows); });
    } catch (const std::system_error&) {
      high_status = CopyInto(second, high, high_rows);  // no thread to be had: one after the other
    }
    Status low_status = CopyInto(first, low, rows);
    if (helper.joinable()) helper.join();
    CLV_RETURN_IF_ERROR(low_status);
    CLV_RETURN_IF_ERROR(high_status);
    rows.Append(std::move(high_rows));
    return Status::Ok();
  };
  Status s = read();
  // Read-only: ending either way is the same; the pool rolls back what is left open.
  (void)first.Command("ROLLBACK");
  (void)second.Command("ROLLBACK");
  return s;
}

}  // namespace

Status ReadAnalysisRows(PgPool& pool, TenantId tenant, std::int64_t split_min_pages,
                        internal::AnalysisRowSorter& rows, bool* split) {
  if (split != nullptr) *split = false;
  CLV_ASSIGN_OR_RETURN(PgPool::Lease c, pool.Acquire());
  CLV_ASSIGN_OR_RETURN(
      PgResult size,
      c->Exec("SELECT pg_relation_size('orders') / current_setting('block_size')::bigint"));
  const std::int64_t pages = size.Int(0, 0);
  const bool large = pages >= split_min_pages;
  std::optional<PgPool::Lease> spare = large ? SpareConnection(pool) : std::nullopt;
  // One line per read: whether a large read got its second connection is otherwise invisible
  // (the pool is shared with the request path), and it halves the read's wall time.
  spdlog::info("analysis read: tenant {}, orders heap of {} pages, {}", tenant.value, pages,
               spare   ? "split over 2 connections"
               : large ? "1 connection (no spare one in the pool for a split)"
                       : "1 connection");
  if (!spare) return CopyInto(*c, AnalysisCopySql(tenant, ""), rows);  // one statement, one snapshot
  if (split != nullptr) *split = true;
  return SplitRead(*c, **spare, tenant, pages, rows);
}

Status PgAnalyticsStore::StreamOrdersForAnalysis(
    TenantId tenant, const std::function<Status(const AnalysisRow&)>& sink) {
  internal::AnalysisRowSorter rows;
  // The connections go back to the pool before the sink runs.
  CLV_RETURN_IF_ERROR(ReadAnalysisRows(analytics_pool(), tenant, kSplitMinPages, rows, nullptr));
  return rows.Emit(sink);
}

}  // namespace clv::storage::postgres
