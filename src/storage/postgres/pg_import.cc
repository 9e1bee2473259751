#include "storage/postgres/pg_import.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <tuple>

#include "storage/common.h"

namespace clv::storage::postgres {
namespace {

using internal::LowerAscii;

constexpr const char* kCopyOrders =
    "COPY orders (tenant_id, source, external_id, customer_id, placed_at, currency, "
    "total_minor, status, refund_of_order_id, kind, created_at, updated_at) FROM STDIN";
constexpr const char* kCopyCustomers =
    "COPY customers (tenant_id, id, source, external_id, email, first_order_at, last_order_at, "
    "order_count, created_at) FROM STDIN";
// Customer ids come from the table's own identity sequence, so ids handed out here never clash
// with those of concurrent writers of other tenants (nextval is not transactional: a rolled
// back import leaves a gap, as any rolled back insert does, and so does the unused rest of the
// last block an import reserved).
// The sequence is resolved once per import (kCustomerIdSequence): nextval(text) per row
// looked the name up again for every id (55 ms per 8,192 ids, against 6 ms now).
constexpr const char* kCustomerIdSequence =
    "SELECT pg_get_serial_sequence('customers', 'id')::regclass::oid";
constexpr const char* kReserveCustomerIds =
    "SELECT nextval($1::oid::regclass) FROM generate_series(1, $2)";
// The earlier order with the same key, if any, and its rank among the import's orders (the
// tenant's orders are exactly this import's non-refund rows, numbered in stream order).
constexpr const char* kEarlierOrder = R"sql(
SELECT (SELECT count(*) FROM orders e WHERE e.tenant_id = $1 AND e.id < d.id)
FROM orders d WHERE d.tenant_id = $1 AND d.source = $2 AND d.external_id = $3
)sql";
constexpr const char* kOrderExists =
    "SELECT 1 FROM orders WHERE tenant_id = $1 AND source = $2 AND external_id = $3";
// The staged refunds, after every order: their targets are orders of this import (the client
// made sure they came earlier), resolved by key.
constexpr const char* kInsertRefunds = R"sql(
INSERT INTO orders (tenant_id, source, external_id, customer_id, placed_at, currency,
                    total_minor, status, refund_of_order_id, kind, created_at, updated_at)
SELECT $1, s.source, s.external_id, c.id, s.placed_at, s.currency, s.total_minor, s.status,
       r.id, 'refund', $2, $2
FROM clv_stage s
JOIN customers c ON c.tenant_id = $1 AND c.source = s.source
                AND c.external_id = s.customer_external_id
JOIN orders r ON r.tenant_id = $1 AND r.source = s.source AND r.external_id = s.refund_of
             AND r.kind = 'order'
ORDER BY s.seq
)sql";
// The first staged refund whose target is not an order (missing, or a refund).
constexpr const char* kFirstRefundWithoutTarget = R"sql(
SELECT min(s.seq) FROM clv_stage s
WHERE NOT EXISTS (SELECT 1 FROM orders r WHERE r.tenant_id = $1 AND r.source = s.source
                  AND r.external_id = s.refund_of AND r.kind = 'order')
)sql";

// Bytes per CopyData message, about. Small enough that the server gets work soon after a COPY
// starts: a first import ends and restarts its COPY for every block of customer ids, and after
// each restart the server waited, idle, while the client parsed its first message. With 1 MiB
// messages (and 24 restarts) the import's wall exceeded the server's CPU by 0.46-0.57 s, with
// 128 KiB by 0.17-0.27 s (8 alternated pairs; docs/benchmarks.md "Session 11"). The server reads
// COPY data through a 64 KiB buffer, so it does not care about the size.
constexpr std::size_t kCopyMessage = 1 << 17;

void AppendInt(std::string& out, std::int64_t v) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
  out.append(tmp, end);
}

// source \0 external_id: ingest never lets a NUL through, so the join is unambiguous.
void MakeKey(std::string& key, std::string_view source, std::string_view id) {
  key.assign(source);
  key.push_back('\0');
  key.append(id);
}

bool Counts(const OrderInput& o) {  // the customer aggregates' rule (store.h UpsertOrders)
  return o.refund_of.empty() && o.status != OrderStatus::kCancelled;
}

}  // namespace

void AppendCopyRow(std::string& out, std::int64_t seq, const OrderInput& o) {
  CopyRowWriter(out)
      .Int(seq)
      .Text(o.source)
      .Text(o.external_id)
      .Text(o.customer_external_id)
      .Text(LowerAscii(o.email))
      .Int(o.placed_at_us)
      .Text(o.currency)
      .Int(o.total_minor)
      .Raw(OrderStatusName(o.status))
      .Text(o.refund_of)
      .End();
}

bool DirectImport::See(std::uint64_t fp) {
  if (fp == 0) fp = 1;
  // A fingerprint is its own hash, and equal fingerprints are the same entry.
  return seen_.Insert(fp, fp, [fp](std::uint64_t e) { return e == fp; },
                      [](std::uint64_t e) { return e; }) == 0;
}

bool DirectImport::Seen(std::uint64_t fp) const {
  if (fp == 0) fp = 1;
  return seen_.Find(fp, [fp](std::uint64_t e) { return e == fp; }) != 0;
}

Status DirectImport::Start(PgConn& conn) {
  tenant_text_.clear();
  AppendInt(tenant_text_, tenant_.value);
  now_text_.clear();
  AppendInt(now_text_, now_);
  buf_.reserve(kCopyMessage + 4096);
  CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kCustomerIdSequence));
  id_sequence_ = r.Text(0, 0);
  return conn.CopyBegin(kCopyOrders);
}

Status DirectImport::Flush(PgConn& conn) {
  if (buf_.empty()) return Status::Ok();
  Status s = conn.CopyPut(buf_);
  buf_.clear();
  return s;
}

Status DirectImport::Pause(PgConn& conn) {
  CLV_RETURN_IF_ERROR(Flush(conn));
  return conn.CopyEnd();
}

Status DirectImport::Resume(PgConn& conn) { return conn.CopyBegin(kCopyOrders); }

Result<std::int64_t> DirectImport::NewCustomerId(PgConn& conn) {
  if (free_ids_.empty()) {
    CLV_RETURN_IF_ERROR(Pause(conn));
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kReserveCustomerIds, {id_sequence_, P(id_block_)}));
    id_block_ = std::min(2 * id_block_, kMaxIdBlock);
    for (int i = 0; i < r.rows(); ++i) free_ids_.push_back(r.Int(i, 0));
    // Handed out from the back: descending order here gives ascending ids in order of first
    // appearance.
    std::sort(free_ids_.begin(), free_ids_.end(), std::greater<>());
    CLV_RETURN_IF_ERROR(Resume(conn));
    if (free_ids_.empty()) return Internal("postgres: no customer ids reserved");
  }
  const std::int64_t id = free_ids_.back();
  free_ids_.pop_back();
  return id;
}

// A fingerprint seen before: a duplicate, or (about once in 10^13 pairs) two keys with one
// hash. The earlier row is a refund (in memory) or an order (in the table, written so far).
Status DirectImport::CheckRepeat(PgConn& conn, std::uint64_t fp, std::int64_t seq,
                                 const OrderInput& o) {
  for (const Refund& r : refunds_)
    if (r.row.source == o.source && r.row.external_id == o.external_id)
      return internal::DuplicateError(r.seq, seq, o);
  CLV_RETURN_IF_ERROR(Pause(conn));
  CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kEarlierOrder, {P(tenant_.value), P(o.source),
                                                             P(o.external_id)}));
  if (r.rows() > 0) {
    // Rank among orders -> import index: step over the refunds that came before it.
    std::int64_t first = r.Int(0, 0);
    for (const Refund& f : refunds_) {
      if (f.seq > first) break;
      ++first;
    }
    return internal::DuplicateError(first, seq, o);
  }
  // A collision: `o`'s key is new. Refunds seen so far that name it named a later order.
  collided_.insert(fp);
  for (const Refund& f : refunds_)
    if (f.row.source == o.source && f.row.refund_of == o.external_id) NoteBadRefund(f.seq);
  return Resume(conn);
}

// A refund whose target's fingerprint was never seen names no earlier row; one whose
// fingerprint collided before is looked up exactly (among the orders written so far, all
// earlier). Otherwise the fingerprint belongs to one key only, so the target, if it exists as
// an order at all (checked at Finish), is that earlier row.
Status DirectImport::CheckRefund(PgConn& conn, std::uint64_t target_fp, std::int64_t seq,
                                 const OrderInput& o) {
  if (!Seen(target_fp)) {
    NoteBadRefund(seq);
  } else if (collided_.count(target_fp) > 0) {
    CLV_RETURN_IF_ERROR(Pause(conn));
    CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kOrderExists, {P(tenant_.value), P(o.source),
                                                              P(o.refund_of)}));
    if (r.rows() == 0) NoteBadRefund(seq);
    CLV_RETURN_IF_ERROR(Resume(conn));
  }
  return Status::Ok();
}

Status DirectImport::Add(PgConn& conn, std::span<const OrderInput> batch,
                         std::int64_t first_seq) {
  const std::hash<std::string_view> hash;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const OrderInput& o = batch[i];
    const std::int64_t seq = first_seq + static_cast<std::int64_t>(i);
    CLV_RETURN_IF_ERROR(internal::ValidateOrder(o, seq));
    if (!o.refund_of.empty()) {  // before its own key goes in: a refund cannot name itself
      MakeKey(key_, o.source, o.refund_of);
      CLV_RETURN_IF_ERROR(CheckRefund(conn, hash(key_), seq, o));
    }
    MakeKey(key_, o.source, o.external_id);
    const std::uint64_t fp = hash(key_);
    if (!See(fp)) CLV_RETURN_IF_ERROR(CheckRepeat(conn, fp, seq, o));

    MakeKey(key_, o.source, o.customer_external_id);
    auto [it, inserted] =
        customer_index_.try_emplace(key_, static_cast<std::uint32_t>(customers_.size()));
    if (inserted) {
      CustomerRow c;
      CLV_ASSIGN_OR_RETURN(c.id, NewCustomerId(conn));
      c.source = o.source;
      c.external_id = o.customer_external_id;
      customers_.push_back(std::move(c));
      ++customer_count_;
    }
    CustomerRow& c = customers_[it->second];
    if (!o.email.empty()) c.email = LowerAscii(o.email);  // the last non-empty email wins
    if (Counts(o)) {
      c.first_at = c.count == 0 ? o.placed_at_us : std::min(c.first_at, o.placed_at_us);
      c.last_at = c.count == 0 ? o.placed_at_us : std::max(c.last_at, o.placed_at_us);
      ++c.count;
    }
    if (!o.refund_of.empty()) {  // written at Finish, after every order
      refunds_.push_back(Refund{seq, o});
      continue;
    }

    CopyRowWriter(buf_)
        .Raw(tenant_text_)
        .Text(o.source)
        .Text(o.external_id)
        .Int(c.id)
        .Int(o.placed_at_us)
        .Text(o.currency)
        .Int(o.total_minor)
        .Raw(OrderStatusName(o.status))
        .Null()  // refund_of_order_id: refunds are written at Finish
        .Raw("order")
        .Raw(now_text_)
        .Raw(now_text_)
        .End();
    ++orders_;
    if (buf_.size() >= kCopyMessage) CLV_RETURN_IF_ERROR(Flush(conn));
  }
  return Status::Ok();
}

void DirectImport::NoteBadRefund(std::int64_t seq) {
  if (first_bad_refund_ < 0 || seq < first_bad_refund_) first_bad_refund_ = seq;
}

Result<UpsertResult> DirectImport::Finish(PgConn& conn) {
  // The last orders go out first and the COPY ends after the sort: the server works through
  // the rows still in flight while the customers are sorted here, instead of waiting idle for
  // the sort (94 ms for the benchmark's 193,079 customers).
  CLV_RETURN_IF_ERROR(Flush(conn));

  // In key order (customers_external_key: external_id, then source), so the key takes appends
  // instead of 200,000 inserts at random places (the rows' own ids then arrive out of order,
  // but the primary key is the smaller index).
  std::vector<const CustomerRow*> by_key;
  by_key.reserve(customers_.size());
  for (const CustomerRow& c : customers_) by_key.push_back(&c);
  std::sort(by_key.begin(), by_key.end(), [](const CustomerRow* a, const CustomerRow* b) {
    return std::tie(a->external_id, a->source) < std::tie(b->external_id, b->source);
  });
  // What only Add needed goes now, while the server is still busy, and so do the customers
  // once their rows are out (below): freed at the end instead, in the importer's destructor,
  // the 193,079 customers' map nodes and strings kept the client busy for ~50 ms after the
  // server had finished.
  customer_index_ = {};
  seen_ = {};
  collided_ = {};
  CLV_RETURN_IF_ERROR(conn.CopyEnd());
  CLV_RETURN_IF_ERROR(conn.CopyBegin(kCopyCustomers));
  for (const CustomerRow* row : by_key) {
    const CustomerRow& c = *row;
    CopyRowWriter row_out(buf_);
    row_out.Raw(tenant_text_).Int(c.id).Text(c.source).Text(c.external_id).Text(c.email);
    if (c.count == 0) {
      row_out.Null().Null().Int(0);  // no counted order: no first/last time
    } else {
      row_out.Int(c.first_at).Int(c.last_at).Int(c.count);
    }
    row_out.Raw(now_text_).End();
    if (buf_.size() >= kCopyMessage) CLV_RETURN_IF_ERROR(Flush(conn));
  }
  CLV_RETURN_IF_ERROR(Flush(conn));
  UpsertResult out;
  out.affected_customers.reserve(customers_.size());
  for (const CustomerRow& c : customers_) out.affected_customers.push_back(CustomerId{c.id});
  std::sort(out.affected_customers.begin(), out.affected_customers.end(),
            [](CustomerId a, CustomerId b) { return a.value < b.value; });
  by_key = {};
  customers_ = {};
  CLV_RETURN_IF_ERROR(conn.CopyEnd());

  if (!refunds_.empty()) {
    CLV_RETURN_IF_ERROR(conn.CopyBegin(kCopyStage));
    for (const Refund& r : refunds_) {
      AppendCopyRow(buf_, r.seq, r.row);
      if (buf_.size() >= kCopyMessage) CLV_RETURN_IF_ERROR(Flush(conn));
    }
    CLV_RETURN_IF_ERROR(Pause(conn));
    CLV_RETURN_IF_ERROR(conn.Command("ANALYZE clv_stage"));
    const std::vector<Param> tenant_now = {P(tenant_.value), P(now_)};
    std::int64_t inserted = 0;
    if (first_bad_refund_ < 0) {
      CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kInsertRefunds, tenant_now));
      inserted = std::strtoll(PQcmdTuples(r.raw()), nullptr, 10);
    }
    if (inserted != static_cast<std::int64_t>(refunds_.size())) {
      // Some refund has no target: the first one by index, of those the client found and
      // those whose target is missing or a refund.
      CLV_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFirstRefundWithoutTarget, {P(tenant_.value)}));
      if (!r.IsNull(0, 0)) NoteBadRefund(r.Int(0, 0));
      auto it = std::lower_bound(refunds_.begin(), refunds_.end(), first_bad_refund_,
                                 [](const Refund& f, std::int64_t s) { return f.seq < s; });
      if (first_bad_refund_ < 0 || it == refunds_.end() || it->seq != first_bad_refund_)
        return Internal("postgres: refunds written do not match the refunds imported");
      return internal::RefundTargetError(it->seq, it->row);
    }
  }

  out.created = orders_ + static_cast<std::int64_t>(refunds_.size());
  return out;
}

}  // namespace clv::storage::postgres
