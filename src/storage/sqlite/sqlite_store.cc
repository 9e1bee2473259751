#include "storage/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>
#include <unordered_map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "storage/common.h"
#include "storage/sqlite/db.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_analytics.h"

namespace clv::storage::sqlite {
namespace {

using internal::DecodeCursor;
using internal::EncodeCursor;
using internal::LowerAscii;
using internal::ResolveLimit;

// The single-writer lock. Not a std::mutex: an importer takes it in BeginImport and may release
// it from another thread in Commit, and waiting must give up after the busy timeout.
class WriteLock {
 public:
  Status Acquire(int timeout_ms) {
    std::unique_lock lock(mu_);
    if (held_) {
      // Counted for the pool gauges (GetPoolStats): writes queueing behind a write or import.
      const auto started = std::chrono::steady_clock::now();
      const bool got =
          cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !held_; });
      ++waits_;
      wait_seconds_ +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!got) {
        ++wait_timeouts_;
        return Unavailable("SQLite database is busy with another write (waited " +
                           std::to_string(timeout_ms) + " ms); retry later");
      }
    }
    held_ = true;
    return Status::Ok();
  }
  // Adds the writer connection to `stats` (one connection, in use while the lock is held).
  void AddStats(PoolStats& stats) const {
    std::lock_guard lock(mu_);
    stats.capacity += 1;
    stats.open += 1;
    stats.in_use += held_ ? 1 : 0;
    stats.idle += held_ ? 0 : 1;
    stats.waits += waits_;
    stats.wait_timeouts += wait_timeouts_;
    stats.wait_seconds += wait_seconds_;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_one();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  std::uint64_t waits_ = 0, wait_timeouts_ = 0;
  double wait_seconds_ = 0;
};

// ---- SQL ------------------------------------------------------------------------------------
// Every statement is a constant (Db caches prepared statements by address) and every value is a
// bound parameter.

constexpr const char* kFindUserByEmail =
    "SELECT tenant_id, id, email, password_hash, role, created_at FROM users "
    "WHERE lower(email) = ?1";
constexpr const char* kGetUser =
    "SELECT tenant_id, id, email, password_hash, role, created_at FROM users "
    "WHERE tenant_id = ?1 AND id = ?2";
constexpr const char* kListUsers =
    "SELECT tenant_id, id, email, password_hash, role, created_at FROM users "
    "WHERE tenant_id = ?1 ORDER BY id";

#define CLV_CUSTOMER_SELECT                                                          \
  "SELECT tenant_id, id, source, external_id, email, first_order_at, last_order_at, " \
  "order_count, created_at FROM customers "
constexpr const char* kGetCustomer = CLV_CUSTOMER_SELECT "WHERE tenant_id = ?1 AND id = ?2";
constexpr const char* kListCustomers = CLV_CUSTOMER_SELECT
    "WHERE tenant_id = ?1 AND id > ?2 AND (?4 IS NULL OR source = ?4) "
    "ORDER BY id LIMIT ?3";
// INDEXED BY: with the cursor bound as a parameter the planner prefers walking the primary key
// (id > ?2 in id order, no sort) and scans every customer of the tenant to find the one or two
// rows (1.5 s at 1M customers, the dashboard's "find by shop id"); the lookup index finds them
// directly and sorting them is free.
constexpr const char* kListCustomersByExternalId = CLV_CUSTOMER_SELECT
    "INDEXED BY customers_external_id "
    "WHERE tenant_id = ?1 AND external_id = ?5 AND id > ?2 AND (?4 IS NULL OR source = ?4) "
    "AND (?6 IS NULL OR email = ?6) ORDER BY id LIMIT ?3";
constexpr const char* kListCustomersByEmail = CLV_CUSTOMER_SELECT
    "INDEXED BY customers_email "
    "WHERE tenant_id = ?1 AND email = ?6 AND id > ?2 AND (?4 IS NULL OR source = ?4) "
    "ORDER BY id LIMIT ?3";
#undef CLV_CUSTOMER_SELECT

#define CLV_ORDER_SELECT_FROM(orders_o)                                                        \
  "SELECT o.tenant_id, o.id, o.customer_id, o.source, o.external_id, c.external_id, c.email, " \
  "o.placed_at, o.currency, o.total_minor, o.status, r.external_id, o.created_at, "            \
  "o.updated_at FROM " orders_o " "                                                            \
  "JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id "                    \
  "LEFT JOIN orders r ON r.tenant_id = o.tenant_id AND r.id = o.refund_of_order_id "
#define CLV_ORDER_SELECT CLV_ORDER_SELECT_FROM("orders o")
constexpr const char* kGetOrder = CLV_ORDER_SELECT "WHERE o.tenant_id = ?1 AND o.id = ?2";
constexpr const char* kListOrders =
    CLV_ORDER_SELECT "WHERE o.tenant_id = ?1 AND o.id > ?2 ORDER BY o.id LIMIT ?3";
// INDEXED BY: as for customers by external id, the planner would otherwise walk the primary key
// (every order of the tenant: seconds at 5M orders for a one-order customer) instead of the
// customer's few index entries (the customer page's order timeline).
constexpr const char* kListOrdersByCustomer =
    CLV_ORDER_SELECT_FROM("orders o INDEXED BY orders_customer")
    "WHERE o.tenant_id = ?1 AND o.customer_id = ?4 AND o.id > ?2 ORDER BY o.id LIMIT ?3";
#undef CLV_ORDER_SELECT
#undef CLV_ORDER_SELECT_FROM

// Order writes.
constexpr const char* kFindOrder =
    "SELECT id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind "
    "FROM orders WHERE tenant_id = ?1 AND source = ?2 AND external_id = ?3";
// The stored orders from id ?2 on, in id order, with the columns of kFindOrder and then the
// order's key: the look-up-first mode's prediction (OrderWriter::FlushKnown).
constexpr const char* kScanOrdersFrom =
    "SELECT id, customer_id, placed_at, currency, total_minor, status, refund_of_order_id, kind, "
    "source, external_id FROM orders WHERE tenant_id = ?1 AND id >= ?2 ORDER BY id LIMIT ?3";
constexpr const char* kFindRefundTarget =
    "SELECT id FROM orders WHERE tenant_id = ?1 AND source = ?2 AND external_id = ?3 "
    "AND kind = 'order'";
constexpr const char* kFindCustomer =
    "SELECT id FROM customers WHERE tenant_id = ?1 AND source = ?2 AND external_id = ?3";
constexpr const char* kInsertCustomer =
    "INSERT INTO customers (tenant_id, id, source, external_id, email, order_count, created_at) "
    "VALUES (?1, ?2, ?3, ?4, '', 0, ?5) "
    "ON CONFLICT (tenant_id, source, external_id) DO NOTHING";
// Folds the pending changes of one customer in: ?3 more counted orders placed between ?4 and ?5
// (NULL when none), and the email ?6 when not empty.
constexpr const char* kApplyCustomerDelta =
    "UPDATE customers SET order_count = order_count + ?3, "
    "first_order_at = min(coalesce(first_order_at, ?4), coalesce(?4, first_order_at)), "
    "last_order_at = max(coalesce(last_order_at, ?5), coalesce(?5, last_order_at)), "
    "email = CASE WHEN ?6 <> '' THEN ?6 ELSE email END "
    "WHERE tenant_id = ?1 AND id = ?2";
constexpr const char* kSetCustomerEmail =
    "UPDATE customers SET email = ?3 WHERE tenant_id = ?1 AND id = ?2 AND email <> ?3";
// A customer created by an import, written once with its final aggregates (Flush).
constexpr const char* kInsertCustomerWithAggregates =
    "INSERT INTO customers (tenant_id, id, source, external_id, email, first_order_at, "
    "last_order_at, order_count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Exact aggregates of one customer from the orders written so far (a customer whose row is
// not written yet).
constexpr const char* kCustomerAggregates =
    "SELECT count(*), min(placed_at), max(placed_at) FROM orders "
    "WHERE tenant_id = ?1 AND customer_id = ?2 AND kind = 'order' AND status <> 'cancelled'";
constexpr const char* kCountCustomers = "SELECT count(*) FROM customers WHERE tenant_id = ?1";
constexpr const char* kCustomerKeys =
    "SELECT source, external_id, id FROM customers WHERE tenant_id = ?1";
constexpr const char* kTenantHasCustomers =
    "SELECT EXISTS (SELECT 1 FROM customers WHERE tenant_id = ?1)";
// Exact aggregates of one customer, after an order moved away or changed.
constexpr const char* kRecomputeCustomer =
    "UPDATE customers SET (order_count, first_order_at, last_order_at) = "
    "(SELECT count(*), min(placed_at), max(placed_at) FROM orders "
    " WHERE tenant_id = ?1 AND customer_id = ?2 AND kind = 'order' AND status <> 'cancelled') "
    "WHERE tenant_id = ?1 AND id = ?2";
constexpr const char* kInsertOrder =
    "INSERT INTO orders (tenant_id, id, source, external_id, customer_id, placed_at, currency, "
    "total_minor, status, refund_of_order_id, kind, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) "
    "ON CONFLICT (tenant_id, source, external_id) DO NOTHING";
constexpr const char* kUpdateOrder =
    "UPDATE orders SET customer_id = ?3, placed_at = ?4, currency = ?5, total_minor = ?6, "
    "status = ?7, refund_of_order_id = ?8, kind = ?9, updated_at = ?10 "
    "WHERE tenant_id = ?1 AND id = ?2";
// Multi-row forms of kInsertOrder and kInsertCustomerWithAggregates: kInsertChunk rows per
// statement. Per statement SQLite pays a fixed start/finish (transaction and statement
// journal bookkeeping, VDBE setup and reset) that the last profile put at about a third of
// the single-row order INSERT; one statement per kInsertChunk rows amortises it. ?1 is the
// tenant and ?2 the time of the write, shared by every row; row r's own values follow from
// ?(3 + r * width). Built once; the function-local statics give the text the static storage
// that Db's statement cache (keyed by address) needs.
constexpr std::size_t kInsertChunk = 64;
constexpr int kOrderChunkWidth = 10;
constexpr int kCustomerChunkWidth = 7;

std::string ChunkValues(int width, const char* row_template) {
  // row_template: the VALUES tuple with @k for the row's k-th own parameter (k = 0..width-1)
  // and the shared ?1 / ?2 written as is.
  std::string out;
  for (std::size_t r = 0; r < kInsertChunk; ++r) {
    if (r > 0) out += ", ";
    for (const char* c = row_template; *c != '\0'; ++c) {
      if (*c == '@') {
        ++c;
        out += '?';
        out += std::to_string(3 + static_cast<int>(r) * width + (*c - '0'));
      } else {
        out += *c;
      }
    }
  }
  return out;
}

const char* InsertOrderChunkSql() {
  static const std::string sql =
      "INSERT INTO orders (tenant_id, id, source, external_id, customer_id, placed_at, currency, "
      "total_minor, status, refund_of_order_id, kind, created_at, updated_at) VALUES " +
      ChunkValues(kOrderChunkWidth, "(?1, @0, @1, @2, @3, @4, @5, @6, @7, @8, @9, ?2, ?2)") +
      " ON CONFLICT (tenant_id, source, external_id) DO NOTHING";
  return sql.c_str();
}

const char* InsertCustomerChunkSql() {
  static const std::string sql =
      "INSERT INTO customers (tenant_id, id, source, external_id, email, first_order_at, "
      "last_order_at, order_count, created_at) VALUES " +
      ChunkValues(kCustomerChunkWidth, "(?1, @0, @1, @2, @3, @4, @5, @6, ?2)");
  return sql.c_str();
}

// Undoes a chunk insert that did not insert every row (its ids are this write's, unused by
// any other row).
constexpr const char* kDeleteOrderIdRange =
    "DELETE FROM orders WHERE tenant_id = ?1 AND id >= ?2 AND id < ?3";
// The secondary indexes a load into an empty table builds once at Commit instead of row by
// row (SqliteImporter::DeferIndexes): each with the test of its table's emptiness, the query
// of its CREATE statement and its DROP.
struct DeferrableIndex {
  const char* table_is_empty;
  const char* create_sql;
  const char* drop;
};
constexpr DeferrableIndex kDeferrableIndexes[] = {
    {"SELECT NOT EXISTS (SELECT 1 FROM orders)",
     "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'orders_customer' "
     "AND tbl_name = 'orders'",
     "DROP INDEX orders_customer"},
    {"SELECT NOT EXISTS (SELECT 1 FROM customers)",
     "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'customers_email' "
     "AND tbl_name = 'customers'",
     "DROP INDEX customers_email"},
    {"SELECT NOT EXISTS (SELECT 1 FROM customers)",
     "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'customers_external_id' "
     "AND tbl_name = 'customers'",
     "DROP INDEX customers_external_id"},
};
constexpr const char* kCacheSize = "PRAGMA cache_size";
constexpr const char* kBulkLoadCacheSize = "PRAGMA cache_size = -8192";
constexpr const char* kIndexBuildSettings = "PRAGMA threads = 1";
constexpr const char* kNoHelperThreads = "PRAGMA threads = 0";
constexpr const char* kTenantExists = "SELECT 1 FROM tenants WHERE id = ?1";
constexpr const char* kNextCustomerId =
    "SELECT coalesce(max(id), 0) + 1 FROM customers WHERE tenant_id = ?1";
constexpr const char* kNextOrderId =
    "SELECT coalesce(max(id), 0) + 1 FROM orders WHERE tenant_id = ?1";
constexpr const char* kNextUserId =
    "SELECT coalesce(max(id), 0) + 1 FROM users WHERE tenant_id = ?1";
constexpr const char* kNextTokenId =
    "SELECT coalesce(max(id), 0) + 1 FROM refresh_tokens WHERE tenant_id = ?1";
constexpr const char* kNextAuditId =
    "SELECT coalesce(max(id), 0) + 1 FROM audit_log WHERE tenant_id = ?1";

Result<std::int64_t> QueryInt(Db& db, const char* sql, std::int64_t tenant) {
  Query q(db, sql);
  q.Bind(1, tenant);
  CLV_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Internal("sqlite: query returned no row");
  return q.Int(0);
}

Result<User> ReadUser(const Query& q) {
  User u;
  u.tenant.value = q.Int(0);
  u.id.value = q.Int(1);
  u.email = q.Text(2);
  u.password_hash = q.Text(3);
  auto role = ParseRole(q.TextView(4));
  if (!role) return Internal("sqlite: unknown role in users row");
  u.role = *role;
  u.created_at_us = q.Int(5);
  return u;
}

Customer ReadCustomer(const Query& q) {
  Customer c;
  c.tenant.value = q.Int(0);
  c.id.value = q.Int(1);
  c.source = q.Text(2);
  c.external_id = q.Text(3);
  c.email = q.Text(4);
  c.first_order_at_us = q.IsNull(5) ? 0 : q.Int(5);
  c.last_order_at_us = q.IsNull(6) ? 0 : q.Int(6);
  c.order_count = q.Int(7);
  c.created_at_us = q.Int(8);
  return c;
}

Result<Order> ReadOrder(const Query& q) {
  Order o;
  o.tenant.value = q.Int(0);
  o.id.value = q.Int(1);
  o.customer.value = q.Int(2);
  o.data.source = q.Text(3);
  o.data.external_id = q.Text(4);
  o.data.customer_external_id = q.Text(5);
  o.data.email = q.Text(6);
  o.data.placed_at_us = q.Int(7);
  o.data.currency = q.Text(8);
  o.data.total_minor = q.Int(9);
  auto status = ParseOrderStatus(q.TextView(10));
  if (!status) return Internal("sqlite: unknown status in orders row");
  o.data.status = *status;
  o.data.refund_of = q.Text(11);
  o.created_at_us = q.Int(12);
  o.updated_at_us = q.Int(13);
  return o;
}

// The writer's customer cache: key (source \0 external id) -> customer id. Open addressing
// over flat 32-byte slots with the keys in one arena string: a probe reads one slot and
// compares one key, where std::unordered_map chased a bucket and a node per lookup (11 % of
// the import writer thread's CPU in the round 5 profile, 193,080 customers).
class CustomerKeyTable {
 public:
  std::size_t size() const { return size_; }
  // The id of `key`, or -1.
  std::int64_t Find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const std::uint64_t h = Hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.hash == h && KeyOf(s) == key) return s.id;
    }
  }
  // Adds `key` (not present) with `id` (>= 0).
  void Insert(std::string_view key, std::int64_t id) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    Place(Slot{Hash(key), keys_.size(), static_cast<std::uint32_t>(key.size()), id});
    keys_.append(key);
    ++size_;
  }
  void Clear() {
    std::vector<Slot>().swap(slots_);
    std::string().swap(keys_);
    mask_ = 0;
    size_ = 0;
  }
  // Calls f(key, id) for every entry; the views stay valid until the next Insert or Clear.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.id >= 0) f(KeyOf(s), s.id);
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = 0;  // of the key in keys_
    std::uint32_t length = 0;
    std::int64_t id = -1;      // -1: empty
  };
  static std::uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  std::string_view KeyOf(const Slot& s) const {
    return std::string_view(keys_).substr(s.offset, s.length);
  }
  void Place(const Slot& slot) {
    std::size_t i = slot.hash & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(1024, old.size() * 2), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id >= 0) Place(s);
    }
  }

  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::string keys_;
};

// Applies orders one by one inside the caller's write transaction; shared by UpsertOrders and
// the importer so both have exactly the same semantics.
// Speed (the import target is 200,000 orders/s): customers are resolved through a bounded
// in-memory cache, and the aggregates of new orders (count, first, last) and email changes
// are accumulated per customer and written once per customer in Flush(), instead of one
// customer UPDATE per order. When an order changes or moves, the customer's aggregates are
// recomputed exactly from the orders table (which always holds every order written so far),
// and its pending aggregate delta is dropped.
// Bulk mode (the importer, which runs with foreign-key checks off): customers new to the
// database get their id at once but their row only in Flush(), written once with its final
// aggregates (one b-tree insert instead of an insert plus an update); and while the tenant had
// no customers before the write and the cache was never emptied, a cache miss is known to be a
// new customer, so no lookup is made. Bulk mode also tracks known orders seen in this write, to
// catch duplicates across batches (UpsertOrders rules them out before writing).
class OrderWriter {
 public:
  OrderWriter(Db& db, TenantId tenant, UnixMicros now, bool bulk)
      : db_(db), tenant_(tenant.value), now_(now), bulk_(bulk) {}

  Status Begin() {
    {
      Query q(db_, kTenantExists);
      q.Bind(1, tenant_);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return NotFound("tenant " + std::to_string(tenant_) + " does not exist");
    }
    CLV_ASSIGN_OR_RETURN(next_customer_id_, QueryInt(db_, kNextCustomerId, tenant_));
    first_new_customer_id_ = next_customer_id_;
    initial_next_customer_id_ = next_customer_id_;
    CLV_ASSIGN_OR_RETURN(next_order_id_, QueryInt(db_, kNextOrderId, tenant_));
    first_new_order_id_ = next_order_id_;
    if (bulk_) {
      CLV_ASSIGN_OR_RETURN(std::int64_t has_customers,
                           QueryInt(db_, kTenantHasCustomers, tenant_));
      cache_is_complete_ = has_customers == 0;
    }
    return Status::Ok();
  }

  // Writes one order. Orders are buffered and written kInsertChunk at a time (below), so an
  // order's effects (and its errors) may show only at a later Write or at FlushOrders/Flush;
  // `o` must stay alive and unchanged until then.
  Status Write(const OrderInput& o, std::int64_t index) {
    std::optional<std::int64_t> refund_target;
    if (!o.refund_of.empty()) {
      // The target may be a buffered order, not in the table yet.
      if (BufferHolds(o.source, o.refund_of)) CLV_RETURN_IF_ERROR(FlushOrders());
      Query q(db_, kFindRefundTarget);
      q.Bind(1, tenant_).Bind(2, o.source).Bind(3, o.refund_of);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) {
        // A buffered order's error comes first, as it would unbuffered.
        CLV_RETURN_IF_ERROR(FlushOrders());
        return internal::RefundTargetError(index, o);
      }
      refund_target = q.Int(0);
    }
    CLV_ASSIGN_OR_RETURN(std::int64_t customer, ResolveCustomer(o));
    if (!o.email.empty()) Pending(customer).email = internal::LowerAscii(o.email);
    // Insert-first mode (the order is most likely new) or look-up-first mode (most likely
    // known), after the previous order; only a flush changes the mode, so a buffer holds one
    // mode's orders. Nothing written before the chunk is written depends on its orders (refund
    // lookups flush first, above; customers do not read orders).
    if (buffered_.empty()) buffer_known_ = last_was_known_;
    buffered_.push_back({&o, index, customer, refund_target});
    return buffered_.size() == kInsertChunk ? FlushOrders() : Status::Ok();
  }

  // Writes the buffered orders. Look-up-first orders: FlushKnown. Insert-first orders: one
  // multi-row INSERT for a full chunk when every row is new (the common case of a fresh
  // import); otherwise (a partial chunk, or any row already present or refused) row by row
  // through WriteOne, which gives the exact outcome and error of each row as if it had never
  // been buffered.
  Status FlushOrders() {
    if (buffered_.empty()) return Status::Ok();
    if (buffer_known_) {
      Status s = FlushKnown();
      buffered_.clear();
      return s;
    }
    bool inserted = false;
    Status s;
    if (buffered_.size() == kInsertChunk) {
      Result<bool> r = InsertChunk();
      if (r.ok()) inserted = *r; else s = r.status();
    }
    if (s.ok() && inserted) {
      for (const BufferedOrder& b : buffered_) NoteInserted(*b.order, b.index, b.customer);
    } else if (s.ok()) {
      for (const BufferedOrder& b : buffered_) {
        s = WriteOne(*b.order, b.index, b.customer, b.refund_target);
        if (!s.ok()) break;
      }
    }
    buffered_.clear();
    return s;
  }

 private:
  // An order as stored, as far as WriteOne compares it with an incoming one.
  struct StoredOrder {
    std::int64_t id = 0;
    std::int64_t customer = 0;
    UnixMicros placed_at = 0;
    std::string currency;
    std::int64_t total_minor = 0;
    std::string status;
    std::optional<std::int64_t> refund_of;
    std::string kind;
  };
  // Reads the columns of kFindOrder (and the first eight of kScanOrdersFrom).
  static void ReadStored(const Query& q, StoredOrder& s) {
    s.id = q.Int(0);
    s.customer = q.Int(1);
    s.placed_at = q.Int(2);
    s.currency.assign(q.TextView(3));
    s.total_minor = q.Int(4);
    s.status.assign(q.TextView(5));
    s.refund_of = q.IsNull(6) ? std::optional<std::int64_t>() : q.Int(6);
    s.kind.assign(q.TextView(7));
  }

  // Writes the buffered orders of look-up-first mode. One lookup per order (an index seek for
  // the key, another for the row) was the whole cost of a re-import; instead this predicts
  // that the buffered orders are the stored orders that follow the last known one, in id order
  // (a re-import of the same file, or of an export that overlaps the last one: ids follow
  // the order in which orders were first written), and reads them with one range scan of the
  // primary key. The longest prefix of the buffer that matches the rows read, key for key, is
  // written from them; the rest, from the first mismatch on, row by row with its own lookup.
  // The rows are read before any of the chunk is written, and writing an order changes only
  // its own row (and customers): a row read can be out of date only when an earlier order of
  // the chunk has the same key, which is a duplicate, reported as row-by-row writing does.
  Status FlushKnown() {
    std::size_t matched = 0;
    {
      Query q(db_, kScanOrdersFrom);
      q.Bind(1, tenant_).Bind(2, next_known_id_);
      q.Bind(3, static_cast<std::int64_t>(buffered_.size()));
      while (matched < buffered_.size()) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        const OrderInput& o = *buffered_[matched].order;
        if (!row || q.TextView(8) != o.source || q.TextView(9) != o.external_id) break;
        ReadStored(q, stored_[matched]);
        ++matched;
      }
    }
    for (std::size_t i = 0; i < buffered_.size(); ++i) {
      const BufferedOrder& b = buffered_[i];
      CLV_RETURN_IF_ERROR(WriteOne(*b.order, b.index, b.customer, b.refund_target,
                                   i < matched ? &stored_[i] : nullptr));
    }
    return Status::Ok();
  }

  struct BufferedOrder {
    const OrderInput* order;
    std::int64_t index;
    std::int64_t customer;
    std::optional<std::int64_t> refund_target;
  };

  bool BufferHolds(std::string_view source, std::string_view external_id) const {
    for (const BufferedOrder& b : buffered_) {
      if (b.order->external_id == external_id && b.order->source == source) return true;
    }
    return false;
  }

  // Inserts the kInsertChunk buffered orders with consecutive new ids. true when every row
  // went in; false (nothing of the chunk left in the table) when some row already existed or
  // the statement was refused, for FlushOrders to redo row by row.
  Result<bool> InsertChunk() {
    const std::int64_t first_id = next_order_id_;
    Status s;
    {
      Query q(db_, InsertOrderChunkSql());
      q.Bind(1, tenant_).Bind(2, now_);
      int p = 3;
      for (const BufferedOrder& b : buffered_) {
        const OrderInput& o = *b.order;
        q.Bind(p, first_id + (p - 3) / kOrderChunkWidth).Bind(p + 1, o.source);
        q.Bind(p + 2, o.external_id).Bind(p + 3, b.customer).Bind(p + 4, o.placed_at_us);
        q.Bind(p + 5, o.currency).Bind(p + 6, o.total_minor);
        q.Bind(p + 7, OrderStatusName(o.status)).Bind(p + 8, b.refund_target);
        q.Bind(p + 9, internal::KindOf(o));
        p += kOrderChunkWidth;
      }
      s = q.Run();
    }
    // A refused statement (e.g. a CHECK) left nothing behind: SQLite rolls the statement back.
    if (!s.ok()) return false;
    const int changes = sqlite3_changes(db_.raw());
    if (changes == static_cast<int>(buffered_.size())) return true;
    if (changes > 0) {
      Query del(db_, kDeleteOrderIdRange);
      del.Bind(1, tenant_).Bind(2, first_id);
      del.Bind(3, first_id + static_cast<std::int64_t>(buffered_.size()));
      CLV_RETURN_IF_ERROR(del.Run());
    }
    return false;
  }

  // The bookkeeping of an order just inserted with id next_order_id_.
  void NoteInserted(const OrderInput& o, std::int64_t index, std::int64_t customer) {
    ++next_order_id_;
    NoteCreated(index);
    if (internal::KindOf(o) == "order" && o.status != OrderStatus::kCancelled) {
      PendingCustomer& p = Pending(customer);
      ++p.count;
      p.first = std::min(p.first, o.placed_at_us);
      p.last = std::max(p.last, o.placed_at_us);
    }
    // A customer created by this write is affected by definition (Finish adds them all).
    if (!IsNew(customer)) affected_.insert(customer);
    ++result_.created;
  }

  // Writes one order whose refund target and customer are resolved; `known`: its stored row,
  // already read (FlushKnown), or null to find out here.
  Status WriteOne(const OrderInput& o, std::int64_t index, std::int64_t customer,
                  std::optional<std::int64_t> refund_target, const StoredOrder* known = nullptr) {
    if (known) {
      last_was_known_ = true;
      return WriteKnown(o, index, customer, refund_target, *known);
    }
    const std::string_view kind = internal::KindOf(o);
    const std::string_view status = OrderStatusName(o.status);

    // Two ways to tell a new order from a known one, each a single statement in its common
    // case: insert-or-ignore first (new orders: a fresh import), or look up first (known
    // orders: a re-import). The writer follows whichever the previous row needed.
    auto insert_new = [&]() -> Result<bool> {
      Query ins(db_, kInsertOrder);
      ins.Bind(1, tenant_).Bind(2, next_order_id_).Bind(3, o.source).Bind(4, o.external_id);
      ins.Bind(5, customer).Bind(6, o.placed_at_us).Bind(7, o.currency).Bind(8, o.total_minor);
      ins.Bind(9, status).Bind(10, refund_target).Bind(11, kind).Bind(12, now_);
      CLV_RETURN_IF_ERROR(ins.Run());
      return sqlite3_changes(db_.raw()) == 1;
    };
    Query find(db_, kFindOrder);
    bool inserted = false;
    if (!last_was_known_) {
      CLV_ASSIGN_OR_RETURN(inserted, insert_new());
    }
    if (!inserted) {
      find.Bind(1, tenant_).Bind(2, o.source).Bind(3, o.external_id);
      CLV_ASSIGN_OR_RETURN(bool exists, find.Step());
      if (!exists) {
        CLV_ASSIGN_OR_RETURN(inserted, insert_new());
        if (!inserted) return Internal("sqlite: order insert changed nothing");
      }
    }
    last_was_known_ = !inserted;
    if (inserted) {
      NoteInserted(o, index, customer);
      return Status::Ok();
    }
    ReadStored(find, found_);
    return WriteKnown(o, index, customer, refund_target, found_);
  }

  // Writes one order whose stored row is `stored`: nothing when unchanged, else an update and
  // the exact aggregates of its old and new customers.
  Status WriteKnown(const OrderInput& o, std::int64_t index, std::int64_t customer,
                    std::optional<std::int64_t> refund_target, const StoredOrder& stored) {
    const std::string_view kind = internal::KindOf(o);
    const std::string_view status = OrderStatusName(o.status);
    const std::int64_t id = stored.id;
    const std::int64_t old_customer = stored.customer;
    // A second occurrence of the same order within this write.
    if (id >= first_new_order_id_) {
      return internal::DuplicateError(
          CreatedIndex(id - first_new_order_id_), index, o);
    }
    if (bulk_) CLV_RETURN_IF_ERROR(MarkSeen(o, id, index));
    next_known_id_ = id + 1;

    const bool same = old_customer == customer && stored.placed_at == o.placed_at_us &&
                      stored.currency == o.currency && stored.total_minor == o.total_minor &&
                      stored.status == status && stored.refund_of == refund_target &&
                      stored.kind == kind;
    if (same) {
      ++result_.unchanged;
      return Status::Ok();
    }
    {
      Query q(db_, kUpdateOrder);
      q.Bind(1, tenant_).Bind(2, id).Bind(3, customer).Bind(4, o.placed_at_us);
      q.Bind(5, o.currency).Bind(6, o.total_minor).Bind(7, status).Bind(8, refund_target);
      q.Bind(9, kind).Bind(10, now_);
      CLV_RETURN_IF_ERROR(q.Run());
    }
    CLV_RETURN_IF_ERROR(Recompute(customer));
    affected_.insert(customer);
    if (old_customer != customer) {
      CLV_RETURN_IF_ERROR(Recompute(old_customer));
      affected_.insert(old_customer);
    }
    ++result_.updated;
    return Status::Ok();
  }

 public:
  // Writes the buffered orders and the pending customer changes; call before committing.
  Status Flush() {
    CLV_RETURN_IF_ERROR(FlushOrders());
    // In id order (existing customers' ids are below new ones'): new customers are appended to
    // the customers b-tree instead of inserted at random.
    std::vector<std::int64_t> order;
    order.reserve(pending_.size());
    for (const auto& [id, p] : pending_) order.push_back(id);
    std::sort(order.begin(), order.end());
    for (std::int64_t id : order) {
      const PendingCustomer& p = pending_.find(id)->second;
      if (p.count == 0 && p.email.empty()) continue;
      if (p.count == 0) {
        // Only the email: a re-import sees every customer's email again, mostly unchanged,
        // and the condition spares the row's rewrite then.
        Query q(db_, kSetCustomerEmail);
        q.Bind(1, tenant_).Bind(2, id).Bind(3, std::string_view(p.email));
        CLV_RETURN_IF_ERROR(q.Run());
        continue;
      }
      Query q(db_, kApplyCustomerDelta);
      q.Bind(1, tenant_).Bind(2, id).Bind(3, p.count);
      if (p.count > 0) q.Bind(4, p.first).Bind(5, p.last);
      q.Bind(6, std::string_view(p.email));
      CLV_RETURN_IF_ERROR(q.Run());
    }
    pending_.clear();
    if (!new_customers_.empty()) {
      // Every customer created since the last Flush is in the cache (it is emptied only right
      // after a Flush); their keys are read from there rather than stored twice.
      std::vector<std::optional<std::string_view>> keys(new_customers_.size());
      customer_ids_.ForEach([&](std::string_view key, std::int64_t id) {
        if (id >= first_new_customer_id_) keys[static_cast<std::size_t>(id - first_new_customer_id_)] = key;
      });
      for (const auto& key : keys) {
        if (!key) return Internal("sqlite: new customer missing from the cache");
      }
      // kInsertChunk customers per statement (their ids and keys are new: nothing can
      // conflict), the remainder one by one.
      const std::size_t n = new_customers_.size();
      std::size_t i = 0;
      for (; i + kInsertChunk <= n; i += kInsertChunk) {
        Query q(db_, InsertCustomerChunkSql());
        q.Bind(1, tenant_).Bind(2, now_);
        for (std::size_t r = 0; r < kInsertChunk; ++r) {
          BindNewCustomer(q, 3 + static_cast<int>(r) * kCustomerChunkWidth, i + r, *keys[i + r]);
        }
        CLV_RETURN_IF_ERROR(q.Run());
      }
      for (; i < n; ++i) {
        Query q(db_, kInsertCustomerWithAggregates);
        q.Bind(1, tenant_);
        BindNewCustomer(q, 2, i, *keys[i]);
        q.Bind(9, now_);
        CLV_RETURN_IF_ERROR(q.Run());
      }
      new_customers_.clear();
    }
    first_new_customer_id_ = next_customer_id_;
    return Status::Ok();
  }

  UpsertResult Finish() {
    std::vector<std::int64_t> ids(affected_.begin(), affected_.end());
    // Bulk mode: every customer created by this write (ids from the first one assigned on) has
    // an order of it.
    if (bulk_) {
      for (std::int64_t id = initial_next_customer_id_; id < next_customer_id_; ++id) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    result_.affected_customers.reserve(ids.size());
    for (std::int64_t id : ids) result_.affected_customers.push_back(CustomerId{id});
    return std::move(result_);
  }

 private:
  // Binds new customer i (id first_new_customer_id_ + i, cache key `key`) to the seven
  // parameters from `p` on: id, source, external id, email, first and last order, count.
  void BindNewCustomer(Query& q, int p, std::size_t i, std::string_view key) const {
    const std::size_t nul = key.find('\0');
    const PendingCustomer& c = new_customers_[i];
    q.Bind(p, first_new_customer_id_ + static_cast<std::int64_t>(i));
    q.Bind(p + 1, key.substr(0, nul)).Bind(p + 2, key.substr(nul + 1));
    q.Bind(p + 3, std::string_view(c.email));
    if (c.count > 0) {
      q.Bind(p + 4, c.first).Bind(p + 5, c.last);
    } else {
      q.BindNull(p + 4).BindNull(p + 5);
    }
    q.Bind(p + 6, c.count);
  }

  // A customer's changes not yet written. For a customer whose row exists (pending_) they are
  // a delta over the row; for one created by this write (bulk mode, new_customers_) they are
  // the whole row but its key, which is in customer_ids_.
  struct PendingCustomer {
    std::int64_t count = 0;  // counted orders created in this write, not yet in the row
    UnixMicros first = std::numeric_limits<UnixMicros>::max();
    UnixMicros last = std::numeric_limits<UnixMicros>::min();
    std::string email;  // lower-cased; empty = leave as is
  };
  // Bounds on memory: past this many cached customers the caches are flushed and emptied.
  static constexpr std::size_t kMaxCachedCustomers = 250'000;
  static constexpr std::int64_t kLoadCustomersAfter = 4096;  // LoadCustomerKeys

  bool IsNew(std::int64_t customer) const {
    return bulk_ && customer >= first_new_customer_id_;
  }
  PendingCustomer& Pending(std::int64_t customer) {
    if (IsNew(customer)) return new_customers_[static_cast<std::size_t>(customer - first_new_customer_id_)];
    return pending_[customer];
  }

  Result<std::int64_t> ResolveCustomer(const OrderInput& o) {
    key_.assign(o.source);
    key_.push_back('\0');
    key_.append(o.customer_external_id);
    if (const std::int64_t id = customer_ids_.Find(key_); id >= 0) return id;
    if (customer_ids_.size() >= kMaxCachedCustomers) {
      CLV_RETURN_IF_ERROR(Flush());
      customer_ids_.Clear();
      cache_is_complete_ = false;
    }
    if (bulk_) {
      if (!cache_is_complete_) {
        Query find(db_, kFindCustomer);
        find.Bind(1, tenant_).Bind(2, o.source).Bind(3, o.customer_external_id);
        CLV_ASSIGN_OR_RETURN(bool row, find.Step());
        if (row) {
          const std::int64_t id = find.Int(0);
          customer_ids_.Insert(key_, id);
          if (++customers_found_ == kLoadCustomersAfter) CLV_RETURN_IF_ERROR(LoadCustomerKeys());
          return id;
        }
      }
      const std::int64_t id = next_customer_id_++;
      new_customers_.emplace_back();
      customer_ids_.Insert(key_, id);
      return id;
    }
    // As for orders: insert-or-ignore first while customers keep being new (a fresh import),
    // look up first while they keep being known; each is one statement in its common case.
    auto insert_new = [&]() -> Result<bool> {
      Query ins(db_, kInsertCustomer);
      ins.Bind(1, tenant_).Bind(2, next_customer_id_).Bind(3, o.source);
      ins.Bind(4, o.customer_external_id).Bind(5, now_);
      CLV_RETURN_IF_ERROR(ins.Run());
      return sqlite3_changes(db_.raw()) == 1;
    };
    std::int64_t id = 0;
    bool inserted = false;
    if (!last_customer_was_known_) {
      CLV_ASSIGN_OR_RETURN(inserted, insert_new());
    }
    if (!inserted) {
      Query find(db_, kFindCustomer);
      find.Bind(1, tenant_).Bind(2, o.source).Bind(3, o.customer_external_id);
      CLV_ASSIGN_OR_RETURN(bool row, find.Step());
      if (row) {
        id = find.Int(0);
      } else {
        CLV_ASSIGN_OR_RETURN(inserted, insert_new());
        if (!inserted) return Internal("sqlite: customer insert changed nothing");
      }
    }
    last_customer_was_known_ = !inserted;
    if (inserted) id = next_customer_id_++;
    customer_ids_.Insert(key_, id);
    return id;
  }

  // Bulk mode, once kLoadCustomersAfter lookups have found a stored customer (a re-import, or
  // an import into a shop that knows most of its customers): the tenant's whole key set in one
  // scan, when it fits the cache, after which a cache miss is a new customer without a lookup.
  // One sequential scan costs about what a few thousand lookups (two index seeks each) cost;
  // a small import never gets here.
  Status LoadCustomerKeys() {
    CLV_ASSIGN_OR_RETURN(std::int64_t stored, QueryInt(db_, kCountCustomers, tenant_));
    if (static_cast<std::size_t>(stored) + customer_ids_.size() > kMaxCachedCustomers) {
      return Status::Ok();
    }
    Query q(db_, kCustomerKeys);
    q.Bind(1, tenant_);
    std::string key;
    while (true) {
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      key.assign(q.TextView(0));
      key.push_back('\0');
      key.append(q.TextView(1));
      if (customer_ids_.Find(key) < 0) customer_ids_.Insert(key, q.Int(2));
    }
    // Customers created by this write so far have no row yet, and are in the cache already.
    cache_is_complete_ = true;
    return Status::Ok();
  }

  Status Recompute(std::int64_t customer) {
    if (IsNew(customer)) {  // no row to update yet: the pending state becomes the exact aggregates
      PendingCustomer& p = Pending(customer);
      p.count = 0;
      p.first = std::numeric_limits<UnixMicros>::max();
      p.last = std::numeric_limits<UnixMicros>::min();
      Query q(db_, kCustomerAggregates);
      q.Bind(1, tenant_).Bind(2, customer);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Internal("sqlite: aggregate query returned no row");
      p.count = q.Int(0);
      if (p.count > 0) {
        p.first = q.Int(1);
        p.last = q.Int(2);
      }
      return Status::Ok();
    }
    if (auto it = pending_.find(customer); it != pending_.end()) {
      PendingCustomer& p = it->second;
      p.count = 0;
      p.first = std::numeric_limits<UnixMicros>::max();
      p.last = std::numeric_limits<UnixMicros>::min();
    }
    Query q(db_, kRecomputeCustomer);
    q.Bind(1, tenant_).Bind(2, customer);
    return q.Run();
  }

  void NoteCreated(std::int64_t index) {
    const std::int64_t offset = created_count_++;
    if (created_runs_.empty() ||
        created_runs_.back().first_index + (offset - created_runs_.back().first_offset) != index) {
      created_runs_.push_back({offset, index});
    }
  }
  // Index of the created order at `offset` (0 <= offset < created_count_).
  std::int64_t CreatedIndex(std::int64_t offset) const {
    auto it = std::upper_bound(
        created_runs_.begin(), created_runs_.end(), offset,
        [](std::int64_t o, const CreatedRun& r) { return o < r.first_offset; });
    --it;  // created_runs_[0].first_offset == 0 <= offset
    return it->first_index + (offset - it->first_offset);
  }

  // Known orders met in this write, by id: the index of their first occurrence, so that a
  // second occurrence is a duplicate naming both. Paged: memory follows the ids touched
  // (8 bytes per id of a touched 4096-id page), not the tenant's size.
  Status MarkSeen(const OrderInput& o, std::int64_t id, std::int64_t index) {
    constexpr std::int64_t kPage = 4096;
    std::unique_ptr<std::int64_t[]>& page = seen_pages_[id / kPage];
    if (!page) {
      page = std::make_unique<std::int64_t[]>(kPage);
      std::fill_n(page.get(), kPage, std::int64_t{-1});
    }
    std::int64_t& slot = page[id % kPage];
    if (slot >= 0) return internal::DuplicateError(slot, index, o);
    slot = index;
    return Status::Ok();
  }

  Db& db_;
  const std::int64_t tenant_;
  const UnixMicros now_;
  const bool bulk_;
  std::int64_t next_customer_id_ = 0;
  std::int64_t next_order_id_ = 0;
  std::int64_t first_new_order_id_ = 0;
  bool last_was_known_ = false;
  bool last_customer_was_known_ = false;
  // Bulk mode: every customer of the tenant is in customer_ids_ (the tenant had none before
  // this write and the cache was never emptied), so a miss means a new customer.
  bool cache_is_complete_ = false;
  std::int64_t customers_found_ = 0;  // bulk-mode lookups that found a stored customer
  // Index (in the whole write) of each order created, by id - first_new_order_id_, to name
  // both items of a duplicate; as runs of consecutive indexes (a fresh import is one run), not
  // 8 bytes per created order.
  struct CreatedRun {
    std::int64_t first_offset;  // id - first_new_order_id_ of the run's first order
    std::int64_t first_index;   // its index in the write
  };
  std::vector<CreatedRun> created_runs_;
  std::int64_t created_count_ = 0;
  std::string key_;                                              // scratch
  CustomerKeyTable customer_ids_;  // source\0external_id -> id
  std::unordered_map<std::int64_t, PendingCustomer> pending_;  // customers with a row
  // Bulk mode: customers created since the last Flush, by id - first_new_customer_id_ (their
  // ids are consecutive). A deque: no reallocation peak, no per-entry node.
  std::deque<PendingCustomer> new_customers_;
  std::int64_t first_new_customer_id_ = 0;
  std::int64_t initial_next_customer_id_ = 0;  // the first id this write assigns
  std::unordered_set<std::int64_t> affected_;
  std::unordered_map<std::int64_t, std::unique_ptr<std::int64_t[]>> seen_pages_;
  // Orders not written yet, all of one mode (at most kInsertChunk; FlushOrders).
  std::vector<BufferedOrder> buffered_;
  bool buffer_known_ = false;  // buffered_ holds look-up-first orders (FlushKnown)
  // Look-up-first mode: the id predicted for the next known order (the last one's + 1), and
  // the rows FlushKnown read, one per buffered order (reused: their strings keep capacity).
  std::int64_t next_known_id_ = 0;
  std::vector<StoredOrder> stored_ = std::vector<StoredOrder>(kInsertChunk);
  StoredOrder found_;  // WriteOne's scratch
  UpsertResult result_;
};

class SqliteStore;

// The writes run on a thread of the importer's own, so that the caller's parsing of the next
// batches overlaps them (two cores: parse on one, write on the other). Add() copies the batch
// into a bounded queue and returns; an error
// met by the writer thread (validation, refund target, duplicate, SQLite) is returned by the
// next Add() or by Commit(), as the OrderImporter contract allows. Batches are written in the
// order added, so the error reported is the one sequential writing would report first. The
// connection is used by one thread at a time: the caller's in Begin, the writer thread's from
// its start to its join, the caller's again in Commit/Abort.
class SqliteImporter final : public OrderImporter {
 public:
  SqliteImporter(SqliteStore* store, Db& db, TenantId tenant, UnixMicros now)
      : store_(store), db_(db), writer_(db, tenant, now, /*bulk=*/true) {}
  ~SqliteImporter() override { Abort(); }

  Status Begin();
  Status Add(std::span<const OrderInput> batch) override;
  Result<UpsertResult> Commit() override;
  void Abort() override;

 private:
  // Memory bound: Add() cuts a batch into slices of at most kSlice orders and the queue holds at
  // most kMaxQueued slices, so the copies alive at once (queued, being written, spare) are a few
  // MB whatever the caller's batch size. (The queue held whole batches before; `clv import`
  // hands over one batch per 4 MiB read chunk, ~60,000 orders, and four or five copies of that
  // put a 1M-order import 80 MB over its peak-RSS budget.) A slice is still ~0.1 s of writing,
  // so the lock and wake-ups cost nothing measurable, and the caller parses while the writer
  // works through the last kMaxQueued slices.
  static constexpr std::size_t kSlice = 4096;
  static constexpr std::size_t kMaxQueued = 2;

  Status Fail(Status s) {
    Abort();
    return s;
  }
  void RunWriter();
  Status DeferIndexes();
  void RestoreCacheSize();
  // Stops the writer thread after the batches queued (drain) or at once (!drain), joins it and
  // returns its first error.
  Status StopWriter(bool drain);

  SqliteStore* store_;
  Db& db_;
  OrderWriter writer_;
  std::int64_t next_index_ = 0;  // writer thread only
  std::int64_t added_ = 0;       // orders passed to Add() so far; caller's thread only
  bool open_ = false;
  bool finished_ = false;
  // The indexes Begin dropped (DeferIndexes) with their CREATE statements, which Commit runs
  // before COMMIT.
  std::vector<std::pair<const DeferrableIndex*, std::string>> deferred_indexes_;
  // The connection's cache_size while DeferIndexes has lowered it for the load.
  std::optional<std::int64_t> saved_cache_size_;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;  // queue or state changed; both sides wait on it
  std::deque<std::vector<OrderInput>> queue_;
  std::vector<std::vector<OrderInput>> spare_;  // written batches, reused (keeps string buffers)
  bool closing_ = false;  // no more batches: the writer thread ends when the queue is empty
  bool cancel_ = false;   // end now, dropping the queue
  bool writer_done_ = false;
  Status writer_error_;
};

// The analytics calls live in sqlite_analytics.cc (SqliteAnalyticsStore), on the hooks below.
class SqliteStore final : public SqliteAnalyticsStore {
 public:
  SqliteStore(std::string path, StoreOptions options, std::unique_ptr<Db> writer)
      : path_(std::move(path)), options_(options), writer_(std::move(writer)) {}

  Status WriteTxn(const std::function<Status(Db&)>& body) override { return Write(body); }
  Status ReadConn(const std::function<Status(Db&)>& body) override { return Read(body); }
  Result<Db*> AcquireWriter() override {
    CLV_RETURN_IF_ERROR(write_lock_.Acquire(options_.busy_timeout_ms));
    return writer_.get();
  }
  void ReleaseWriter() override { write_lock_.Release(); }

  std::string_view Backend() const override { return "sqlite"; }

  bool in_memory() const { return path_ == ":memory:"; }
  WriteLock& write_lock() { return write_lock_; }
  int busy_timeout_ms() const { return options_.busy_timeout_ms; }

  // Runs `body` in a write transaction on the writer connection; commits when it returns OK.
  template <typename Body>
  Status Write(Body&& body) {
    CLV_RETURN_IF_ERROR(write_lock_.Acquire(options_.busy_timeout_ms));
    Status s = writer_->Exec("BEGIN IMMEDIATE");
    if (s.ok()) {
      s = body(*writer_);
      if (s.ok()) s = writer_->Exec("COMMIT");
      if (!s.ok()) (void)writer_->Exec("ROLLBACK");
    }
    write_lock_.Release();
    return s;
  }

  // Runs `body` with a connection for reading: a pooled reader for files, the (locked) writer
  // for an in-memory database.
  template <typename Body>
  Status Read(Body&& body) {
    if (in_memory()) {
      CLV_RETURN_IF_ERROR(write_lock_.Acquire(options_.busy_timeout_ms));
      Status s = body(*writer_);
      write_lock_.Release();
      return s;
    }
    std::unique_ptr<Db> db;
    {
      std::unique_lock lock(readers_mu_);
      if (idle_readers_.empty() && open_readers_ >= options_.pool_size) {
        const auto started = std::chrono::steady_clock::now();
        const bool got =
            readers_cv_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms), [&] {
              return !idle_readers_.empty() || open_readers_ < options_.pool_size;
            });
        ++reader_waits_;
        reader_wait_seconds_ +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!got) {
          ++reader_wait_timeouts_;
          return Unavailable("all SQLite read connections are busy; retry later");
        }
      }
      if (!idle_readers_.empty()) {
        db = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      } else {
        ++open_readers_;
      }
    }
    if (!db) {
      auto opened = Db::Open(path_, /*create=*/false, /*read_only=*/false,
                             options_.busy_timeout_ms);
      Status s = opened.ok() ? (*opened)->Exec("PRAGMA query_only = ON") : opened.status();
      if (!s.ok()) {
        {
          std::lock_guard lock(readers_mu_);
          --open_readers_;
        }
        readers_cv_.notify_one();
        return s;
      }
      db = std::move(opened).value();
    }
    Status s = body(*db);
    {
      std::lock_guard lock(readers_mu_);
      idle_readers_.push_back(std::move(db));
    }
    readers_cv_.notify_one();
    return s;
  }

  // The writer plus the read connections (none for an in-memory database, whose reads use
  // the writer).
  PoolStats GetPoolStats() override {
    PoolStats stats;
    write_lock_.AddStats(stats);
    if (in_memory()) return stats;
    std::lock_guard lock(readers_mu_);
    const int idle = static_cast<int>(idle_readers_.size());
    stats.capacity += options_.pool_size;
    stats.open += open_readers_;
    stats.idle += idle;
    stats.in_use += open_readers_ - idle;
    stats.waits += reader_waits_;
    stats.wait_timeouts += reader_wait_timeouts_;
    stats.wait_seconds += reader_wait_seconds_;
    return stats;
  }

  Status Ping() override {
    return Read([](Db& db) {
      Query q(db, "SELECT 1");
      return q.Run();
    });
  }

  Result<int> ReadVersion(Db& db) {
    Query exists(db,
                 "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    CLV_ASSIGN_OR_RETURN(bool has_table, exists.Step());
    if (!has_table) return 0;
    Query q(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? static_cast<int>(q.Int(0)) : 0;
  }

  Result<int> SchemaVersion() override {
    int version = 0;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) {
      CLV_ASSIGN_OR_RETURN(version, ReadVersion(db));
      return Status::Ok();
    }));
    return version;
  }

  Status Migrate() override {
    for (const Migration& m : Migrations()) {
      // One transaction per migration; the version is re-read under the write lock so that
      // concurrent migrators (other processes) apply each migration exactly once.
      CLV_RETURN_IF_ERROR(Write([&](Db& db) -> Status {
        CLV_RETURN_IF_ERROR(db.Exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
        CLV_ASSIGN_OR_RETURN(int current, ReadVersion(db));
        if (current > kSchemaVersion) return internal::NewerSchemaError(current, kSchemaVersion);
        if (current >= m.version) return Status::Ok();
        Status s = db.Exec(m.sql);
        if (!s.ok()) return s.WithContext("migration " + std::to_string(m.version));
        Query q(db,
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER) * 1000000)");
        q.Bind(1, std::int64_t{m.version}).Bind(2, std::string_view(m.name));
        return q.Run();
      }));
    }
    // Also refuses a newer database when there was nothing to apply.
    CLV_ASSIGN_OR_RETURN(int version, SchemaVersion());
    if (version > kSchemaVersion) return internal::NewerSchemaError(version, kSchemaVersion);
    return Status::Ok();
  }

  // ---- Tenants and users ----

  Result<TenantWithOwner> CreateTenantWithOwner(std::string_view name, std::string_view email,
                                                std::string_view password_hash,
                                                UnixMicros now) override {
    if (name.empty()) return InvalidArgument("organization name is empty");
    if (email.empty()) return InvalidArgument("email is empty");
    TenantWithOwner out;
    const std::string lower = LowerAscii(email);
    CLV_RETURN_IF_ERROR(Write([&](Db& db) -> Status {
      CLV_RETURN_IF_ERROR(CheckEmailFree(db, lower));
      Query t(db, "INSERT INTO tenants (name, created_at) VALUES (?1, ?2) RETURNING id");
      t.Bind(1, name).Bind(2, now);
      CLV_ASSIGN_OR_RETURN(bool row, t.Step());
      if (!row) return Internal("sqlite: tenant insert returned no id");
      out.tenant = Tenant{TenantId{t.Int(0)}, std::string(name), now};
      CLV_ASSIGN_OR_RETURN(out.owner,
                           InsertUser(db, out.tenant.id, lower, password_hash, Role::kOwner, now));
      return Status::Ok();
    }));
    return out;
  }

  Result<Tenant> GetTenant(TenantId tenant) override {
    std::optional<Tenant> out;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, "SELECT id, name, created_at FROM tenants WHERE id = ?1");
      q.Bind(1, tenant.value);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) out = Tenant{TenantId{q.Int(0)}, q.Text(1), q.Int(2)};
      return Status::Ok();
    }));
    if (!out) return NotFound("tenant not found");
    return *out;
  }

  Result<User> FindUserByEmail(std::string_view email) override {
    const std::string lower = LowerAscii(email);
    return ReadOneUser(kFindUserByEmail, [&](Query& q) { q.Bind(1, std::string_view(lower)); });
  }

  Result<User> GetUser(TenantId tenant, UserId user) override {
    return ReadOneUser(kGetUser, [&](Query& q) { q.Bind(1, tenant.value).Bind(2, user.value); });
  }

  Result<std::vector<User>> ListUsers(TenantId tenant) override {
    std::vector<User> out;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, kListUsers);
      q.Bind(1, tenant.value);
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return Status::Ok();
        CLV_ASSIGN_OR_RETURN(User u, ReadUser(q));
        out.push_back(std::move(u));
      }
    }));
    return out;
  }

  Result<User> CreateUser(TenantId tenant, std::string_view email, std::string_view password_hash,
                          Role role, UnixMicros now) override {
    if (email.empty()) return InvalidArgument("email is empty");
    const std::string lower = LowerAscii(email);
    User out;
    CLV_RETURN_IF_ERROR(Write([&](Db& db) -> Status {
      CLV_RETURN_IF_ERROR(CheckTenant(db, tenant));
      CLV_RETURN_IF_ERROR(CheckEmailFree(db, lower));
      CLV_ASSIGN_OR_RETURN(out, InsertUser(db, tenant, lower, password_hash, role, now));
      return Status::Ok();
    }));
    return out;
  }

  Status UpdateUserRole(TenantId tenant, UserId user, Role role) override {
    return WriteOneRow("UPDATE users SET role = ?3 WHERE tenant_id = ?1 AND id = ?2", tenant,
                       user.value, RoleName(role), "user not found");
  }

  Status UpdatePasswordHash(TenantId tenant, UserId user, std::string_view hash) override {
    return WriteOneRow("UPDATE users SET password_hash = ?3 WHERE tenant_id = ?1 AND id = ?2",
                       tenant, user.value, hash, "user not found");
  }

  Status DeleteUser(TenantId tenant, UserId user) override {
    return Write([&](Db& db) -> Status {
      // refresh_tokens go with the user (ON DELETE CASCADE).
      Query q(db, "DELETE FROM users WHERE tenant_id = ?1 AND id = ?2");
      q.Bind(1, tenant.value).Bind(2, user.value);
      CLV_RETURN_IF_ERROR(q.Run());
      return sqlite3_changes(db.raw()) == 0 ? NotFound("user not found") : Status::Ok();
    });
  }

  // ---- Refresh tokens ----

  Status InsertRefreshToken(TenantId tenant, UserId user, std::string_view token_hash,
                            std::string_view family_id, UnixMicros expires_at,
                            UnixMicros now) override {
    return Write([&](Db& db) -> Status {
      {
        Query q(db, "SELECT 1 FROM users WHERE tenant_id = ?1 AND id = ?2");
        q.Bind(1, tenant.value).Bind(2, user.value);
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return NotFound("user not found");
      }
      return InsertToken(db, tenant.value, user.value, token_hash, family_id, expires_at, now);
    });
  }

  Result<RefreshTokenOwner> RotateRefreshToken(std::string_view old_hash,
                                               std::string_view new_hash, UnixMicros now,
                                               UnixMicros new_expires_at) override {
    RefreshTokenOwner owner;
    bool reused = false;
    CLV_RETURN_IF_ERROR(Write([&](Db& db) -> Status {
      Query q(db,
              "SELECT tenant_id, id, user_id, family_id, expires_at, rotated_at, revoked_at "
              "FROM refresh_tokens WHERE token_hash = ?1");
      q.Bind(1, old_hash);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Unauthenticated("refresh token is not known");
      const std::int64_t tenant = q.Int(0), id = q.Int(1), user = q.Int(2);
      const std::string family = q.Text(3);
      if (!q.IsNull(5)) {
        // Reuse of a rotated token: someone holds a stolen copy. Revoke the family and commit.
        Query r(db,
                "UPDATE refresh_tokens SET revoked_at = ?3 WHERE tenant_id = ?1 AND "
                "family_id = ?2 AND revoked_at IS NULL");
        r.Bind(1, tenant).Bind(2, std::string_view(family)).Bind(3, now);
        CLV_RETURN_IF_ERROR(r.Run());
        reused = true;
        return Status::Ok();
      }
      if (!q.IsNull(6)) return Unauthenticated("refresh token was revoked");
      if (q.Int(4) <= now) return Unauthenticated("refresh token has expired");
      {
        Query u(db, "UPDATE refresh_tokens SET rotated_at = ?3 WHERE tenant_id = ?1 AND id = ?2");
        u.Bind(1, tenant).Bind(2, id).Bind(3, now);
        CLV_RETURN_IF_ERROR(u.Run());
      }
      CLV_RETURN_IF_ERROR(InsertToken(db, tenant, user, new_hash, family, new_expires_at, now));
      owner = RefreshTokenOwner{TenantId{tenant}, UserId{user}, family};
      return Status::Ok();
    }));
    if (reused) {
      return Unauthenticated(
          "refresh token was already used; every session of its family has been revoked");
    }
    return owner;
  }

  Status RevokeRefreshToken(std::string_view token_hash, UnixMicros now) override {
    return Write([&](Db& db) {
      Query q(db,
              "UPDATE refresh_tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND "
              "revoked_at IS NULL");
      q.Bind(1, token_hash).Bind(2, now);
      return q.Run();
    });
  }

  Status RevokeAllForUser(TenantId tenant, UserId user, UnixMicros now) override {
    return Write([&](Db& db) {
      Query q(db,
              "UPDATE refresh_tokens SET revoked_at = ?3 WHERE tenant_id = ?1 AND user_id = ?2 "
              "AND revoked_at IS NULL");
      q.Bind(1, tenant.value).Bind(2, user.value).Bind(3, now);
      return q.Run();
    });
  }

  // ---- Orders ----

  Result<UpsertResult> UpsertOrders(TenantId tenant, std::span<const OrderInput> orders,
                                    UnixMicros now) override {
    CLV_RETURN_IF_ERROR(internal::ValidateBatch(orders, 0));
    UpsertResult out;
    CLV_RETURN_IF_ERROR(Write([&](Db& db) -> Status {
      // Duplicates were ruled out above, so the importer's cross-batch bookkeeping is off.
      OrderWriter writer(db, tenant, now, /*bulk=*/false);
      CLV_RETURN_IF_ERROR(writer.Begin());
      for (std::size_t i = 0; i < orders.size(); ++i)
        CLV_RETURN_IF_ERROR(writer.Write(orders[i], static_cast<std::int64_t>(i)));
      CLV_RETURN_IF_ERROR(writer.Flush());
      out = writer.Finish();
      return Status::Ok();
    }));
    return out;
  }

  Result<std::unique_ptr<OrderImporter>> BeginImport(TenantId tenant, UnixMicros now) override {
    auto importer = std::make_unique<SqliteImporter>(this, *writer_, tenant, now);
    CLV_RETURN_IF_ERROR(importer->Begin());
    return std::unique_ptr<OrderImporter>(std::move(importer));
  }

  Result<Page<Customer>> ListCustomers(TenantId tenant,
                                       const ListCustomersOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    std::optional<std::string> email;
    if (options.email) email = LowerAscii(*options.email);
    const char* sql = options.external_id ? kListCustomersByExternalId
                      : email             ? kListCustomersByEmail
                                          : kListCustomers;
    Page<Customer> page;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, sql);
      q.Bind(1, tenant.value).Bind(2, after).Bind(3, std::int64_t{limit} + 1);
      if (options.source) q.Bind(4, std::string_view(*options.source));
      if (options.external_id) q.Bind(5, std::string_view(*options.external_id));
      if (email) q.Bind(6, std::string_view(*email));
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return Status::Ok();
        page.items.push_back(ReadCustomer(q));
      }
    }));
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id.value);
    }
    return page;
  }

  Result<Customer> GetCustomer(TenantId tenant, CustomerId id) override {
    std::optional<Customer> out;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, kGetCustomer);
      q.Bind(1, tenant.value).Bind(2, id.value);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) out = ReadCustomer(q);
      return Status::Ok();
    }));
    if (!out) return NotFound("customer not found");
    return *out;
  }

  Result<Page<Order>> ListOrders(TenantId tenant, const ListOrdersOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    Page<Order> page;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, options.customer ? kListOrdersByCustomer : kListOrders);
      q.Bind(1, tenant.value).Bind(2, after).Bind(3, std::int64_t{limit} + 1);
      if (options.customer) q.Bind(4, options.customer->value);
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return Status::Ok();
        CLV_ASSIGN_OR_RETURN(Order o, ReadOrder(q));
        page.items.push_back(std::move(o));
      }
    }));
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id.value);
    }
    return page;
  }

  Result<Order> GetOrder(TenantId tenant, OrderId id) override {
    std::optional<Order> out;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, kGetOrder);
      q.Bind(1, tenant.value).Bind(2, id.value);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) {
        CLV_ASSIGN_OR_RETURN(out, ReadOrder(q));
      }
      return Status::Ok();
    }));
    if (!out) return NotFound("order not found");
    return *out;
  }

  Result<std::int64_t> CountOrders(TenantId tenant) override {
    return Count("SELECT count(*) FROM orders WHERE tenant_id = ?1", tenant);
  }
  Result<std::int64_t> CountCustomers(TenantId tenant) override {
    return Count("SELECT count(*) FROM customers WHERE tenant_id = ?1", tenant);
  }

  Status AppendAudit(TenantId tenant, std::optional<UserId> actor, std::string_view action,
                     std::string_view detail_json, UnixMicros now) override {
    return Write([&](Db& db) -> Status {
      CLV_RETURN_IF_ERROR(CheckTenant(db, tenant));
      CLV_ASSIGN_OR_RETURN(std::int64_t id, QueryInt(db, kNextAuditId, tenant.value));
      Query q(db,
              "INSERT INTO audit_log (tenant_id, id, at, actor_user_id, action, detail) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      q.Bind(1, tenant.value).Bind(2, id).Bind(3, now);
      q.Bind(4, actor ? std::optional(actor->value) : std::nullopt);
      q.Bind(5, action).Bind(6, detail_json);
      return q.Run();
    });
  }

  Result<Page<AuditEntry>> ListAudit(TenantId tenant, const ListAuditOptions& options) override {
    CLV_ASSIGN_OR_RETURN(int limit, ResolveLimit(options.limit));
    CLV_ASSIGN_OR_RETURN(std::int64_t after, DecodeCursor(options.cursor));
    Page<AuditEntry> page;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db,
              "SELECT tenant_id, id, at, actor_user_id, action, detail FROM audit_log "
              "WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
      q.Bind(1, tenant.value).Bind(2, after).Bind(3, std::int64_t{limit} + 1);
      while (true) {
        CLV_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return Status::Ok();
        AuditEntry e;
        e.tenant.value = q.Int(0);
        e.id = q.Int(1);
        e.at_us = q.Int(2);
        if (!q.IsNull(3)) e.actor = UserId{q.Int(3)};
        e.action = q.Text(4);
        e.detail_json = q.Text(5);
        page.items.push_back(std::move(e));
      }
    }));
    if (page.items.size() > static_cast<std::size_t>(limit)) {
      page.items.pop_back();
      page.next_cursor = EncodeCursor(page.items.back().id);
    }
    return page;
  }

  Status CheckNotNewer() {
    CLV_ASSIGN_OR_RETURN(int version, SchemaVersion());
    if (version > kSchemaVersion) return internal::NewerSchemaError(version, kSchemaVersion);
    return Status::Ok();
  }

 private:
  template <typename BindFn>
  Result<User> ReadOneUser(const char* sql, BindFn&& bind) {
    std::optional<User> out;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      Query q(db, sql);
      bind(q);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) {
        CLV_ASSIGN_OR_RETURN(out, ReadUser(q));
      }
      return Status::Ok();
    }));
    if (!out) return NotFound("user not found");
    return *out;
  }

  Status WriteOneRow(const char* sql, TenantId tenant, std::int64_t id, std::string_view value,
                     const char* not_found) {
    return Write([&](Db& db) -> Status {
      Query q(db, sql);
      q.Bind(1, tenant.value).Bind(2, id).Bind(3, value);
      CLV_RETURN_IF_ERROR(q.Run());
      if (sqlite3_changes(db.raw()) == 0) return NotFound(not_found);
      return Status::Ok();
    });
  }

  Result<std::int64_t> Count(const char* sql, TenantId tenant) {
    std::int64_t n = 0;
    CLV_RETURN_IF_ERROR(Read([&](Db& db) -> Status {
      CLV_ASSIGN_OR_RETURN(n, QueryInt(db, sql, tenant.value));
      return Status::Ok();
    }));
    return n;
  }

  static Status CheckTenant(Db& db, TenantId tenant) {
    Query q(db, kTenantExists);
    q.Bind(1, tenant.value);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? Status::Ok() : NotFound("tenant not found");
  }

  static Status CheckEmailFree(Db& db, const std::string& lower_email) {
    Query q(db, "SELECT 1 FROM users WHERE lower(email) = ?1");
    q.Bind(1, std::string_view(lower_email));
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? AlreadyExists("email is already registered") : Status::Ok();
  }

  static Result<User> InsertUser(Db& db, TenantId tenant, const std::string& lower_email,
                                 std::string_view password_hash, Role role, UnixMicros now) {
    CLV_ASSIGN_OR_RETURN(std::int64_t id, QueryInt(db, kNextUserId, tenant.value));
    Query q(db,
            "INSERT INTO users (tenant_id, id, email, password_hash, role, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    q.Bind(1, tenant.value).Bind(2, id).Bind(3, std::string_view(lower_email));
    q.Bind(4, password_hash).Bind(5, RoleName(role)).Bind(6, now);
    Status s = q.Run();
    if (s.code() == StatusCode::kAlreadyExists) return AlreadyExists("email is already registered");
    CLV_RETURN_IF_ERROR(s);
    return User{tenant, UserId{id}, lower_email, std::string(password_hash), role, now};
  }

  static Status InsertToken(Db& db, std::int64_t tenant, std::int64_t user,
                            std::string_view token_hash, std::string_view family_id,
                            UnixMicros expires_at, UnixMicros now) {
    CLV_ASSIGN_OR_RETURN(std::int64_t id, QueryInt(db, kNextTokenId, tenant));
    Query q(db,
            "INSERT INTO refresh_tokens (tenant_id, id, user_id, token_hash, family_id, "
            "expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    q.Bind(1, tenant).Bind(2, id).Bind(3, user).Bind(4, token_hash).Bind(5, family_id);
    q.Bind(6, expires_at).Bind(7, now);
    Status s = q.Run();
    if (s.code() == StatusCode::kAlreadyExists)
      return AlreadyExists("refresh token hash is already stored");
    return s;
  }

  const std::string path_;
  const StoreOptions options_;
  WriteLock write_lock_;
  std::unique_ptr<Db> writer_;  // used only while write_lock_ is held

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
  int open_readers_ = 0;
  std::uint64_t reader_waits_ = 0, reader_wait_timeouts_ = 0;  // under readers_mu_
  double reader_wait_seconds_ = 0;
};

Status SqliteImporter::Begin() {
  CLV_RETURN_IF_ERROR(store_->write_lock().Acquire(store_->busy_timeout_ms()));
  open_ = true;
  // Foreign-key checks cost a parent lookup per order (customer and refund target). The writer
  // only ever stores customer ids it resolved or assigned (rows of new customers are written by
  // the Flush in Commit) and refund ids it looked up in this transaction, so the checks are
  // redundant here; they are back on for every other write. (The pragma is a
  // no-op inside a transaction, hence before BEGIN.)
  Status s = db_.Exec("PRAGMA foreign_keys = OFF");
  if (s.ok()) s = db_.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) {
    (void)db_.Exec("PRAGMA foreign_keys = ON");
    store_->write_lock().Release();
    open_ = false;
    finished_ = true;
    return s;
  }
  s = writer_.Begin();
  if (!s.ok()) return Fail(s);
  s = DeferIndexes();
  if (!s.ok()) return Fail(s);
  thread_ = std::thread([this] { RunWriter(); });
  return Status::Ok();
}

void SqliteImporter::RunWriter() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return cancel_ || closing_ || !queue_.empty(); });
    if (cancel_ || queue_.empty()) break;
    std::vector<OrderInput> batch = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();  // room in the queue
    lock.unlock();
    Status s;  // validated by Add()
    for (std::size_t i = 0; s.ok() && i < batch.size(); ++i) s = writer_.Write(batch[i], next_index_++);
    // The writer buffers orders by address: they must be written before the slice is reused.
    if (s.ok()) s = writer_.FlushOrders();
    lock.lock();
    if (!s.ok()) {
      writer_error_ = std::move(s);
      queue_.clear();
      break;
    }
    spare_.push_back(std::move(batch));
  }
  writer_done_ = true;
  cv_.notify_all();
}

// Each new order costs an insert into orders_customer at a random position (it is ordered by
// customer), and each new customer (inserted in id order at Commit) one into customers_email
// and one into customers_external_id at random positions. Into an empty table it is cheaper to
// load without such an index and build it once at Commit (one sort): measured on the 1M-order
// file (193,080 customers), the customer Flush went from 3.3 to 1.3 s of CPU and the two
// builds cost 0.5 s. (The customers' unique key cannot be dropped: it is the table's.) The
// indexes are shared by every tenant (one schema), so this is done only when the whole table
// is empty: a rebuild then covers this import's rows alone, never another tenant's. Dropping
// and re-creating them inside the import's transaction keeps it invisible: readers (WAL
// snapshots) see the indexes throughout, an Abort or a crash rolls the drops back, and the
// statements re-created are the ones read from the schema. Nothing the writer runs during a
// fresh load needs them (aggregate recomputes happen only when a known order changes, and an
// empty table has none; customers are looked up by their unique key, and only once the cache
// overflows), and foreign-key checks, which could, are off for the import.
Status SqliteImporter::DeferIndexes() {
  for (const DeferrableIndex& index : kDeferrableIndexes) {
    {
      Query q(db_, index.table_is_empty);
      CLV_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row || q.Int(0) == 0) continue;
    }
    Query q(db_, index.create_sql);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row || q.IsNull(0)) continue;
    deferred_indexes_.push_back({&index, q.Text(0)});
  }
  if (deferred_indexes_.empty()) return Status::Ok();
  // Without orders_customer the load appends to the orders b-trees (ids and, in practice,
  // external ids ascend) and inserts at random only into the customers' key index, which is
  // small; an 8 MiB page cache serves it. A CREATE INDEX at Commit sorts in memory up to the
  // page cache's size (then merges runs from a temporary file), so the smaller cache also
  // bounds the sort: together they keep `clv import` of 1M orders under its peak-RSS budget.
  // The connection's own size is restored when the import ends.
  {
    Query q(db_, kCacheSize);
    CLV_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) saved_cache_size_ = q.Int(0);
  }
  if (saved_cache_size_) CLV_RETURN_IF_ERROR(db_.Exec(kBulkLoadCacheSize));
  for (const auto& [index, create] : deferred_indexes_) CLV_RETURN_IF_ERROR(db_.Exec(index->drop));
  return Status::Ok();
}

void SqliteImporter::RestoreCacheSize() {
  if (!saved_cache_size_) return;
  (void)db_.Exec(kNoHelperThreads);  // as for the cache size below
  const std::string pragma = "PRAGMA cache_size = " + std::to_string(*saved_cache_size_);
  // Cannot fail short of memory exhaustion, and the import's outcome does not depend on it.
  (void)db_.Exec(pragma.c_str());
  saved_cache_size_.reset();
}

Status SqliteImporter::StopWriter(bool drain) {
  if (!thread_.joinable()) return Status::Ok();
  {
    std::lock_guard lock(mu_);
    (drain ? closing_ : cancel_) = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  return writer_error_;
}

Status SqliteImporter::Add(std::span<const OrderInput> batch) {
  if (!open_) return FailedPrecondition("the import is no longer open");
  // The whole batch is validated here, before any of it is queued, as a sequential writer
  // validates a batch before writing it; and on the caller's thread, which leaves the writer
  // thread (the bottleneck) to the writes. An invalid batch still reports an error of an
  // earlier batch first: the queued batches are written before it is reported.
  if (Status v = internal::ValidateBatch(batch, added_); !v.ok()) {
    Status w = StopWriter(/*drain=*/true);
    return Fail(w.ok() ? std::move(v) : std::move(w));
  }
  added_ += static_cast<std::int64_t>(batch.size());
  while (!batch.empty()) {
    const std::span<const OrderInput> slice = batch.first(std::min(batch.size(), kSlice));
    batch = batch.subspan(slice.size());
    std::vector<OrderInput> copy;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return writer_done_ || queue_.size() < kMaxQueued; });
      if (writer_done_) {
        Status s = writer_error_;
        lock.unlock();
        return Fail(s);
      }
      if (!spare_.empty()) {
        copy = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    // Copied outside the lock; assign() reuses the spare slice's elements and their buffers.
    copy.assign(slice.begin(), slice.end());
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(copy));
    }
    cv_.notify_all();
  }
  return Status::Ok();
}

Result<UpsertResult> SqliteImporter::Commit() {
  if (!open_) return FailedPrecondition("the import is no longer open");
  Status s = StopWriter(/*drain=*/true);
  if (s.ok()) s = writer_.Flush();
  if (s.ok() && !deferred_indexes_.empty()) {
    // The parsing thread is idle by now: one helper thread for the index builds' sorts (reset
    // when the import ends). Each sorting thread may hold a run as large as the page cache
    // (8 MiB here); a 16 MiB cache for the build put the 1M-order import at 186 MiB peak RSS,
    // too close to its 200 MB budget for a gain lost in the noise.
    s = db_.Exec(kIndexBuildSettings);
    for (const auto& [index, create] : deferred_indexes_) {
      if (s.ok()) s = db_.Exec(create.c_str());
    }
  }
  if (s.ok()) s = db_.Exec("COMMIT");
  if (!s.ok()) return Fail(s);
  open_ = false;
  finished_ = true;
  // Outside a transaction this pragma cannot fail short of memory exhaustion; the import is
  // committed either way, so its result is not turned into an error.
  (void)db_.Exec("PRAGMA foreign_keys = ON");
  RestoreCacheSize();
  store_->write_lock().Release();
  return writer_.Finish();
}

void SqliteImporter::Abort() {
  if (!open_) return;
  (void)StopWriter(/*drain=*/false);
  (void)db_.Exec("ROLLBACK");
  (void)db_.Exec("PRAGMA foreign_keys = ON");
  RestoreCacheSize();
  open_ = false;
  finished_ = true;
  store_->write_lock().Release();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("pool_size must be at least 1");
  if (options.busy_timeout_ms < 0) return InvalidArgument("busy_timeout_ms must be >= 0");
  if (path.empty()) return InvalidArgument("sqlite: URL names no file (use sqlite:PATH)");
  if (path != ":memory:") {
    std::error_code ec;
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Unavailable("cannot create directory '" + parent.string() +
                         "' for the SQLite database: " + ec.message());
    }
  }
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<Db> writer,
                       Db::Open(path, /*create=*/true, /*read_only=*/false,
                                options.busy_timeout_ms));
  // Imports touch many pages; a 40 MiB page cache keeps the customer indexes hot. (64 MiB cost
  // no measurable CPU but put `clv import` of 1M orders over its 200 MB peak-RSS budget.)
  CLV_RETURN_IF_ERROR(writer->Exec("PRAGMA cache_size = -40960"));
  auto store = std::make_unique<SqliteStore>(path, options, std::move(writer));
  CLV_RETURN_IF_ERROR(store->CheckNotNewer());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace clv::storage::sqlite
