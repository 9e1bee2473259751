// PostgreSQL bulk-import pieces shared by the order writers of pg_store.cc: the COPY text
// encoding of staged rows, and the direct path of a tenant's first import.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "storage/postgres/pg.h"
#include "storage/store.h"

namespace clv::storage::postgres {

// COPY of staged rows into the per-connection temporary table clv_stage (pg_store.cc).
inline constexpr const char* kCopyStage =
    "COPY clv_stage (seq, source, external_id, customer_external_id, email, placed_at, "
    "currency, total_minor, status, refund_of) FROM STDIN";

// One clv_stage row (see kCopyStage in pg_store.cc) for order `o` at import index `seq`.
void AppendCopyRow(std::string& out, std::int64_t seq, const OrderInput& o);

// A set of 64-bit fingerprints (open addressing, linear probing), 16–32 bytes per element
// (2–4 slots each): the direct import's memory of every (source, external_id) it has written.
class FingerprintSet {
 public:
  // Adds `h`; false when it was present already.
  bool Insert(std::uint64_t h);
  bool Contains(std::uint64_t h) const;
  std::size_t size() const { return size_; }

 private:
  void Grow();
  std::size_t Slot(std::uint64_t h) const;
  std::vector<std::uint64_t> slots_;  // 0 = empty (a fingerprint 0 is stored as 1)
  std::size_t size_ = 0;
};

// A tenant's FIRST import (it has no customer, hence no order), written straight into `orders`
// and `customers` by COPY instead of staged and merged: with nothing in the tables every row
// is new, so the client, which parses every row anyway, decides everything the merge would:
//  - customers: numbered from the customers identity sequence (blocks of kIdBlock ids reserved
//    with nextval between two COPY commands) the first time they appear, with aggregates and
//    last non-empty email kept in memory and written by one COPY at Finish, in key order;
//  - duplicates: a fingerprint (64-bit hash) of every (source, external_id) is kept; a
//    fingerprint seen before is checked exactly (against the refunds in memory, then by one
//    indexed lookup among the orders written so far, the COPY ended for it), so a hash
//    collision never rejects a good import and a real duplicate is reported with both
//    indexes, as UpsertOrders does ("orders[i] and orders[j]");
//  - refunds: kept in memory (their OrderInput) and written at Finish, after every order, by
//    one INSERT from clv_stage that resolves their targets by key (so a refund's id is larger
//    than every order's of the import, as in the staged merge). "Earlier" is decided while
//    streaming: the target's fingerprint must be known when the refund arrives; where that
//    fingerprint is shared by two keys the target is looked up exactly, and a key that turns
//    out to share an earlier fingerprint fails the refunds that named it before it came.
//    Whether the target is an order (not a refund, not missing) is the INSERT's join. Refund
//    errors therefore come after every row error and duplicate, as with UpsertOrders.
// Contract: the caller's transaction is open, holds the tenant's order-write lock (taken
// BEFORE it saw that the tenant had no customer) until COMMIT, and clv_stage exists on `conn`.
// Memory: O(rows) — 16–32 bytes per row for the fingerprints — plus O(customers) and
// O(refunds) for their records. Any error leaves `conn` in a state the caller must roll back.
class DirectImport {
 public:
  DirectImport(TenantId tenant, UnixMicros now) : tenant_(tenant), now_(now) {}

  // Opens the COPY into orders.
  Status Start(PgConn& conn);
  // Validates and writes `batch`, whose first row has import index `first_seq`.
  Status Add(PgConn& conn, std::span<const OrderInput> batch, std::int64_t first_seq);
  // Ends the COPY, writes the customers, checks and links the refunds. The result counts every
  // row as created and lists every customer as affected (ascending ids).
  Result<UpsertResult> Finish(PgConn& conn);

  std::int64_t customers() const { return static_cast<std::int64_t>(customers_.size()); }

 private:
  static constexpr std::int64_t kIdBlock = 8192;
  struct CustomerRow {
    std::int64_t id = 0;
    std::string source, external_id, email;
    std::int64_t first_at = 0, last_at = 0, count = 0;
  };
  Status Flush(PgConn& conn);                // sends the buffered rows
  Status Pause(PgConn& conn);                // flushes and ends the COPY
  Status Resume(PgConn& conn);               // opens the COPY again
  Result<std::int64_t> NewCustomerId(PgConn& conn);
  Status CheckRepeat(PgConn& conn, std::uint64_t fp, std::int64_t seq, const OrderInput& o);
  Status CheckRefund(PgConn& conn, std::uint64_t target_fp, std::int64_t seq,
                     const OrderInput& o);
  void NoteBadRefund(std::int64_t seq);  // keeps the smallest index
  struct Refund {
    std::int64_t seq = 0;
    OrderInput row;
  };

  const TenantId tenant_;
  const UnixMicros now_;
  std::string buf_;        // COPY rows not sent yet
  std::string key_;        // scratch for map keys
  std::string tenant_text_, now_text_;
  Param id_sequence_;      // oid of the customers id sequence
  FingerprintSet seen_;    // (source, external_id) of every row written
  std::unordered_map<std::string, std::uint32_t> customer_index_;  // source\0external_id
  std::vector<CustomerRow> customers_;
  std::vector<std::int64_t> free_ids_;  // reserved customer ids, descending: next at the back
  std::unordered_set<std::uint64_t> collided_;  // fingerprints shared by two keys
  std::vector<Refund> refunds_;  // in import order
  std::int64_t first_bad_refund_ = -1;  // import index of the first refund without target
  std::int64_t orders_ = 0;  // non-refund rows written
};

}  // namespace clv::storage::postgres
