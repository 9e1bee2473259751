// A PostgreSQL re-import that stages only the rows it cannot prove unchanged (pg_store.cc's
// PgImporter uses it for a tenant that has orders already).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "storage/postgres/pg.h"
#include "storage/postgres/pg_import.h"

namespace clv::storage::postgres {

// The staged merge (pg_store.cc Merge) applied to every row of an import decides, per row,
// created / updated / unchanged in SQL, which costs ≈ 13 µs of server CPU per row even when
// nothing changes. The client parses every row anyway: this class holds the tenant's stored
// orders and customers (read once by COPY), decides exactly which rows are unchanged, and stages
// only the others (plus the few unchanged rows the merge still needs, below) into clv_stage,
// whose COPY the caller keeps open. Staging any superset of the rows that are not unchanged
// gives the merge's result, provided what the merge would have derived from the rows left out
// is supplied here:
//  - "unchanged": same key, same customer external id, placed_at, currency, total, status,
//    kind and refund target key as stored — exactly the columns the merge's UPDATE compares
//    (a refund target resolves to the same id because ids never change);
//  - counts: a row left out is unchanged, so the caller passes the total row count to Merge
//    (unchanged = rows − created − updated);
//  - emails: the merge gives an existing customer the last non-empty (lower-cased) email among
//    its staged rows. A customer's last email row that is left out is staged at Finish
//    (EndStaging) unless nothing would change (no staged row of that customer carries an email
//    and the email equals the stored one);
//  - duplicates across batches: for keys already stored, tracked here exactly (first and last
//    index per key, FirstDuplicate); keys not stored have all their rows staged, so the merge's
//    GROUP BY finds them;
//  - refunds left out: their target must be a stored order or an earlier non-refund row of the
//    import (kFindBadRefund's rule); the first failing one is FirstBadRefund.
// Rows staged before the switch (Load after some batches) are read back from clv_stage and
// decided like the others.
// Contract: the caller's transaction holds the tenant's order-write lock from before Load until
// COMMIT, and clv_stage has only this import's rows. Memory ≈ 75 bytes per stored order plus
// ≈ 60 per customer; Load refuses (false) above kMaxOrders stored orders.
class ReImport {
 public:
  static constexpr std::int64_t kMaxOrders = 1'500'000;
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  explicit ReImport(TenantId tenant) : tenant_(tenant) {}

  // Reads the tenant's orders and customers, then the `staged` rows already in clv_stage
  // (import indexes 0..staged-1; the stage COPY must be ended): it empties clv_stage and appends
  // to `restage` those to stage again, which the caller sends once it has resumed the COPY.
  // False (nothing kept, clv_stage untouched) when the tenant has more than kMaxOrders orders.
  Result<bool> Load(PgConn& conn, std::int64_t staged, std::string& restage);

  // Decides each row of `batch` (validated; import indexes from first_seq) and appends the rows
  // to stage to `out` in clv_stage COPY text.
  void Add(std::span<const OrderInput> batch, std::int64_t first_seq, std::string& out);

  // Appends the unstaged last-email rows the merge needs (see above). Call once, after Add.
  void EndStaging(std::string& out);

  // The earliest cross-batch duplicate among stored keys, as the merge orders them (smallest
  // last index), or nullopt.
  struct Duplicate {
    std::int64_t first = 0, last = 0;
    OrderInput order;  // source and external_id
  };
  std::optional<Duplicate> FirstDuplicate() const;
  // The first unstaged refund whose target is neither a stored order nor an earlier non-refund
  // row (index, order with source and refund_of), or nullopt.
  std::optional<std::pair<std::int64_t, OrderInput>> FirstBadRefund() const;
  // Whether (source, external_id) is a stored order of the tenant.
  bool IsStored(std::string_view source, std::string_view external_id) const;

  std::int64_t stored_orders() const { return static_cast<std::int64_t>(orders_.size()); }
  std::int64_t left_out() const { return left_out_; }

 private:
  struct Order {
    std::uint32_t key_off = 0, key_len = 0;  // arena_: source \0 external_id
    std::uint32_t customer = kNone;          // index into customers_
    std::uint32_t refund_target = kNone;     // index into orders_ (refunds)
    std::int64_t placed_at = 0, total_minor = 0;
    std::int64_t first_seq = -1;             // first import row with this key
    char currency[3] = {};
    std::uint8_t status = 0;
    bool refund = false;
    bool seen_order_row = false;  // an import row with this key and no refund_of came already
  };
  struct Customer {
    std::uint32_t key_off = 0, key_len = 0;      // arena_: source \0 external_id
    std::uint32_t email_off = 0, email_len = 0;  // arena_: stored email
    std::uint32_t carrier = kNone;  // unstaged order whose row carries the last email so far
    std::int64_t carrier_seq = -1;
    bool carrier_email_is_stored = false;  // else the email is in changed_email_
    bool staged_email = false;              // some staged row of this customer has an email
  };

  std::string_view Key(std::uint32_t off, std::uint32_t len) const {
    return std::string_view(arena_).substr(off, len);
  }
  std::uint32_t Append(std::string_view s);
  std::uint32_t FindOrder(std::string_view source, std::string_view id) const;
  std::uint32_t FindCustomer(std::string_view source, std::string_view id) const;
  bool Unchanged(const Order& e, const OrderInput& o) const;
  void NoteEmail(std::uint32_t customer, std::uint32_t carrier, std::int64_t seq,
                 std::string_view email);
  OrderInput Rebuild(std::uint32_t index) const;  // a stored order as an import row

  const TenantId tenant_;
  std::string arena_;
  std::vector<Order> orders_;
  std::vector<Customer> customers_;
  ProbeTable<std::uint32_t, kNone> order_index_, customer_index_;  // record indexes by key
  std::unordered_map<std::uint32_t, std::int64_t> last_dup_;  // order -> last repeated index
  std::unordered_map<std::uint32_t, std::string> changed_email_;  // customer -> email
  std::int64_t first_bad_refund_ = -1;
  std::uint32_t bad_refund_order_ = kNone;
  std::int64_t left_out_ = 0;
  std::string key_;  // scratch
};

}  // namespace clv::storage::postgres
