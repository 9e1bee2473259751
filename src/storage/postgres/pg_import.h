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

// Open addressing with linear probing over a power-of-two array of entries (1,024 at least),
// at most half full (it doubles as it fills): the hash index of the import paths, which hold
// a million keys at 2–4 slots per entry (8–16 bytes for 32-bit entries) where
// std::unordered_map would take ≈ 40 bytes plus the key. An entry is whatever the caller stores
// — a record's index (ReImport) or a key's fingerprint (DirectImport) —; `kEmpty` marks a free
// slot and is never stored. The table keeps no hashes: the caller gives each entry's hash when
// adding or seeking it, says which probed entry is the one sought (`match`), and gives a
// stored entry's hash again when the table grows (`rehash`). Entries are never removed.
template <typename Entry, Entry kEmpty>
class ProbeTable {
 public:
  // Room for `n` entries without growing.
  template <typename Rehash>
  void Reserve(std::size_t n, Rehash&& rehash) {
    std::size_t want = kMinSlots;
    while (want < 2 * n) want *= 2;
    if (want > slots_.size()) Resize(want, rehash);
  }

  // The entry added under `hash` for which `match(entry)` holds, or kEmpty.
  template <typename Match>
  Entry Find(std::uint64_t hash, Match&& match) const {
    if (slots_.empty()) return kEmpty;
    for (std::size_t i = Slot(hash);; i = (i + 1) & (slots_.size() - 1)) {
      const Entry e = slots_[i];
      if (e == kEmpty || match(e)) return e;
    }
  }

  // Adds `entry` (not kEmpty) under `hash` unless an entry for which `match` holds is there
  // already: returns that entry, or kEmpty when `entry` was added.
  template <typename Match, typename Rehash>
  Entry Insert(std::uint64_t hash, Entry entry, Match&& match, Rehash&& rehash) {
    if ((size_ + 1) * 2 > slots_.size())
      Resize(slots_.empty() ? kMinSlots : 2 * slots_.size(), rehash);
    for (std::size_t i = Slot(hash);; i = (i + 1) & (slots_.size() - 1)) {
      const Entry e = slots_[i];
      if (e == kEmpty) {
        slots_[i] = entry;
        ++size_;
        return kEmpty;
      }
      if (match(e)) return e;
    }
  }

  std::size_t size() const { return size_; }
  std::size_t slots() const { return slots_.size(); }

 private:
  static constexpr std::size_t kMinSlots = 1024;

  // Fibonacci hashing: the top bits of hash × 2^64/φ, so that a hash whose low bits vary little
  // still spreads over the table.
  std::size_t Slot(std::uint64_t hash) const {
    return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  template <typename Rehash>
  void Resize(std::size_t n, Rehash& rehash) {
    std::vector<Entry> old(n, kEmpty);
    old.swap(slots_);
    shift_ = 64;
    for (std::size_t s = n; s > 1; s /= 2) --shift_;
    for (const Entry e : old) {
      if (e == kEmpty) continue;
      std::size_t i = Slot(rehash(e));
      while (slots_[i] != kEmpty) i = (i + 1) & (n - 1);
      slots_[i] = e;
    }
  }

  std::vector<Entry> slots_;
  std::size_t size_ = 0;
  int shift_ = 64;  // 64 − log2(slots_.size())
};

// A tenant's FIRST import (it has no customer, hence no order), written straight into `orders`
// and `customers` by COPY instead of staged and merged: with nothing in the tables every row
// is new, so the client, which parses every row anyway, decides everything the merge would:
//  - customers: numbered from the customers identity sequence the first time they appear (in
//    blocks reserved with nextval between two COPY commands, from kFirstIdBlock ids doubling
//    to kMaxIdBlock, so that a large import pauses its COPY a few times, not dozens), with
//    aggregates and last non-empty email kept in memory and written by one COPY at Finish, in
//    key order;
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

  // The tenant's customers: those written by Finish, or seen so far before it.
  std::int64_t customers() const { return customer_count_; }

 private:
  static constexpr std::int64_t kFirstIdBlock = 8192;
  static constexpr std::int64_t kMaxIdBlock = 65536;
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
  // Adds fingerprint `fp` to seen_: false when it was there already.
  bool See(std::uint64_t fp);
  bool Seen(std::uint64_t fp) const;
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
  // The fingerprint of every (source, external_id) written (0, the free slot, is kept as 1).
  ProbeTable<std::uint64_t, 0> seen_;
  std::unordered_map<std::string, std::uint32_t> customer_index_;  // source\0external_id
  std::vector<CustomerRow> customers_;
  std::vector<std::int64_t> free_ids_;  // reserved customer ids, descending: next at the back
  std::int64_t id_block_ = kFirstIdBlock;  // size of the next reservation
  std::unordered_set<std::uint64_t> collided_;  // fingerprints shared by two keys
  std::vector<Refund> refunds_;  // in import order
  std::int64_t first_bad_refund_ = -1;  // import index of the first refund without target
  std::int64_t orders_ = 0;  // non-refund rows written
  std::int64_t customer_count_ = 0;  // customers_.size() until Finish releases customers_
};

}  // namespace clv::storage::postgres
