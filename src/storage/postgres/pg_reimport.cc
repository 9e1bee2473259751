#include "storage/postgres/pg_reimport.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>

#include "storage/common.h"

namespace clv::storage::postgres {
namespace {

using internal::LowerAscii;

// COPY ... TO STDOUT (text format) of `sql`, each row decoded and passed to `on_row(const
// CopyTextReader::Row&)`.
template <typename OnRow>
Status ReadCopy(PgConn& conn, const std::string& sql, OnRow&& on_row) {
  CopyTextReader reader;
  CLV_RETURN_IF_ERROR(conn.CopyOut(
      sql.c_str(), [&](std::string_view data) { return reader.Feed(data, on_row); }));
  return reader.Finish();
}

bool ToInt(std::string_view s, std::int64_t& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

std::size_t HashKey(std::string_view source, std::string_view id) {
  // The hash of "source \0 id", without building the string.
  std::size_t h = std::hash<std::string_view>{}(source);
  return (h * 0x9E3779B97F4A7C15ull) ^ std::hash<std::string_view>{}(id);
}

bool KeyIs(std::string_view key, std::string_view source, std::string_view id) {
  return key.size() == source.size() + 1 + id.size() && key[source.size()] == '\0' &&
         key.compare(0, source.size(), source) == 0 &&
         key.compare(source.size() + 1, id.size(), id) == 0;
}

std::pair<std::string_view, std::string_view> SplitKey(std::string_view key) {
  const std::size_t nul = key.find('\0');
  return {key.substr(0, nul), key.substr(nul + 1)};
}

}  // namespace

std::uint32_t ReImport::Append(std::string_view s) {
  const auto off = static_cast<std::uint32_t>(arena_.size());
  arena_.append(s);
  return off;
}

namespace {
// The index of the record of `records` (indexed by `index`) whose key is (source, id), or kNone.
template <typename Index, typename Record>
std::uint32_t FindKey(const Index& index, const std::vector<Record>& records,
                      std::string_view arena, std::string_view source, std::string_view id) {
  return index.Find(HashKey(source, id), [&](std::uint32_t i) {
    return KeyIs(arena.substr(records[i].key_off, records[i].key_len), source, id);
  });
}

// Indexes every record of `records` by its key (keys are unique: the tables' unique indexes).
template <typename Index, typename Record>
void IndexKeys(Index& index, const std::vector<Record>& records, std::string_view arena) {
  auto hash = [&](std::uint32_t i) {
    const auto [source, id] = SplitKey(arena.substr(records[i].key_off, records[i].key_len));
    return HashKey(source, id);
  };
  index.Reserve(records.size(), hash);
  for (std::uint32_t i = 0; i < records.size(); ++i)
    index.Insert(hash(i), i, [](std::uint32_t) { return false; }, hash);
}
}  // namespace

std::uint32_t ReImport::FindOrder(std::string_view source, std::string_view id) const {
  return FindKey(order_index_, orders_, arena_, source, id);
}

std::uint32_t ReImport::FindCustomer(std::string_view source, std::string_view id) const {
  return FindKey(customer_index_, customers_, arena_, source, id);
}

Result<bool> ReImport::Load(PgConn& conn, std::int64_t staged, std::string& restage) {
  const std::string tenant = std::to_string(tenant_.value);
  // COPY takes no parameters: the tenant id is an integer formatted here.
  std::vector<std::pair<std::int64_t, std::uint32_t>> customer_ids;
  CLV_RETURN_IF_ERROR(ReadCopy(
      conn,
      "COPY (SELECT id, source, external_id, email FROM customers WHERE tenant_id = " + tenant +
          ") TO STDOUT",
      [&](const CopyTextReader::Row& f) -> Status {
        if (f.size() != 4) return Internal("postgres: unexpected customers COPY row");
        Customer c;
        std::int64_t id = 0;
        if (!ToInt(f[0], id)) return Internal("postgres: bad customer id in COPY row");
        c.key_off = Append(f[1]);
        arena_.push_back('\0');
        Append(f[2]);
        c.key_len = static_cast<std::uint32_t>(arena_.size() - c.key_off);
        c.email_off = Append(f[3]);
        c.email_len = static_cast<std::uint32_t>(f[3].size());
        customer_ids.emplace_back(id, static_cast<std::uint32_t>(customers_.size()));
        customers_.push_back(c);
        return Status::Ok();
      }));
  std::sort(customer_ids.begin(), customer_ids.end());

  // Order ids only while loading: refunds name their target by id.
  std::vector<std::pair<std::int64_t, std::uint32_t>> order_ids;
  std::vector<std::pair<std::uint32_t, std::int64_t>> refund_targets;
  bool too_many = false;
  CLV_RETURN_IF_ERROR(ReadCopy(
      conn,
      "COPY (SELECT id, source, external_id, customer_id, placed_at, currency, total_minor, "
      "status, kind, refund_of_order_id FROM orders WHERE tenant_id = " + tenant + ") TO STDOUT",
      [&](const CopyTextReader::Row& f) -> Status {
        if (too_many) return Status::Ok();  // the rest is read and dropped
        if (f.size() != 10) return Internal("postgres: unexpected orders COPY row");
        if (static_cast<std::int64_t>(orders_.size()) >= kMaxOrders) {
          too_many = true;
          return Status::Ok();
        }
        Order o;
        std::int64_t id = 0, customer_id = 0;
        if (!ToInt(f[0], id) || !ToInt(f[3], customer_id) || !ToInt(f[4], o.placed_at) ||
            !ToInt(f[6], o.total_minor))
          return Internal("postgres: bad number in orders COPY row");
        o.key_off = Append(f[1]);
        arena_.push_back('\0');
        Append(f[2]);
        o.key_len = static_cast<std::uint32_t>(arena_.size() - o.key_off);
        auto c = std::lower_bound(customer_ids.begin(), customer_ids.end(),
                                  std::pair{customer_id, std::uint32_t{0}});
        if (c != customer_ids.end() && c->first == customer_id) o.customer = c->second;
        // A currency or status no import row can have (never "unchanged"): all zero bytes,
        // status 0xFF.
        if (f[5].size() == 3) std::copy_n(f[5].data(), 3, o.currency);
        const auto status = ParseOrderStatus(f[7]);
        o.status = status ? static_cast<std::uint8_t>(*status) : 0xFF;
        o.refund = f[8] == "refund";
        const auto index = static_cast<std::uint32_t>(orders_.size());
        order_ids.emplace_back(id, index);
        std::int64_t target = 0;
        if (o.refund && !f.IsNull(9) && ToInt(f[9], target))
          refund_targets.emplace_back(index, target);
        orders_.push_back(o);
        return Status::Ok();
      }));
  if (too_many || arena_.size() >= std::numeric_limits<std::uint32_t>::max() ||
      customers_.size() >= kNone) {
    arena_ = {};
    orders_ = {};
    customers_ = {};
    return false;
  }
  std::sort(order_ids.begin(), order_ids.end());
  for (const auto& [index, target] : refund_targets) {
    auto t = std::lower_bound(order_ids.begin(), order_ids.end(),
                              std::pair{target, std::uint32_t{0}});
    if (t != order_ids.end() && t->first == target) orders_[index].refund_target = t->second;
  }
  order_ids = {};
  refund_targets = {};
  customer_ids = {};

  IndexKeys(order_index_, orders_, arena_);
  IndexKeys(customer_index_, customers_, arena_);

  if (staged > 0) {
    // The rows staged before the switch are read back, decided like any other, and only those
    // that are not unchanged staged again (the merge of 125,000 unchanged rows staged before a
    // 1M-row re-import switched cost ~2 s of server CPU; reading them back ~0.1 s).
    std::vector<OrderInput> chunk;
    std::int64_t chunk_first = 0;
    auto decide = [&] {
      Add(chunk, chunk_first, restage);
      chunk_first += static_cast<std::int64_t>(chunk.size());
      chunk.clear();
    };
    CLV_RETURN_IF_ERROR(ReadCopy(
        conn,
        "COPY (SELECT seq, source, external_id, customer_external_id, email, placed_at, "
        "currency, total_minor, status, refund_of FROM clv_stage ORDER BY seq) TO STDOUT",
        [&](const CopyTextReader::Row& f) -> Status {
          std::int64_t seq = 0;
          OrderInput o;
          const auto status = f.size() == 10 ? ParseOrderStatus(f[8]) : std::nullopt;
          if (!status || !ToInt(f[0], seq) || !ToInt(f[5], o.placed_at_us) ||
              !ToInt(f[7], o.total_minor) ||
              seq != chunk_first + static_cast<std::int64_t>(chunk.size()))
            return Internal("postgres: unexpected clv_stage row");
          o.source = f[1];
          o.external_id = f[2];
          o.customer_external_id = f[3];
          o.email = f[4];
          o.currency = f[6];
          o.status = *status;
          o.refund_of = f[9];
          chunk.push_back(std::move(o));
          if (chunk.size() == 4096) decide();
          return Status::Ok();
        }));
    if (!chunk.empty()) decide();
    if (chunk_first != staged) return Internal("postgres: clv_stage does not hold the rows staged");
    CLV_RETURN_IF_ERROR(conn.Command("TRUNCATE clv_stage"));
  }
  return true;
}

bool ReImport::Unchanged(const Order& e, const OrderInput& o) const {
  if (e.placed_at != o.placed_at_us || e.total_minor != o.total_minor ||
      e.status != static_cast<std::uint8_t>(o.status) || e.refund != !o.refund_of.empty() ||
      o.currency.size() != 3 || std::string_view(e.currency, 3) != o.currency ||
      e.customer == kNone)
    return false;
  const Customer& c = customers_[e.customer];
  if (!KeyIs(Key(c.key_off, c.key_len), o.source, o.customer_external_id)) return false;
  if (!e.refund) return true;
  if (e.refund_target == kNone) return false;
  const Order& t = orders_[e.refund_target];
  return KeyIs(Key(t.key_off, t.key_len), o.source, o.refund_of);
}

void ReImport::NoteEmail(std::uint32_t customer, std::uint32_t carrier, std::int64_t seq,
                         std::string_view email) {
  Customer& c = customers_[customer];
  c.carrier = carrier;
  c.carrier_seq = seq;
  c.carrier_email_is_stored = email == Key(c.email_off, c.email_len);
  if (!c.carrier_email_is_stored) changed_email_[customer] = std::string(email);
}

void ReImport::Add(std::span<const OrderInput> batch, std::int64_t first_seq, std::string& out) {
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const OrderInput& o = batch[k];
    const std::int64_t seq = first_seq + static_cast<std::int64_t>(k);
    const std::uint32_t i = FindOrder(o.source, o.external_id);
    bool stage = true;
    if (i != kNone) {
      Order& e = orders_[i];
      if (e.first_seq < 0) e.first_seq = seq;
      else last_dup_[i] = seq;
      stage = !Unchanged(e, o);
    }
    if (stage) {
      AppendCopyRow(out, seq, o);
      if (!o.email.empty()) {
        const std::uint32_t c = FindCustomer(o.source, o.customer_external_id);
        if (c != kNone) {
          customers_[c].staged_email = true;
          customers_[c].carrier = kNone;
        }
      }
    } else {
      ++left_out_;
      const Order& e = orders_[i];
      // kFindBadRefund's rule for a refund the merge will not see: its target is an order in
      // the table, or an earlier row of the import without refund_of.
      if (e.refund && first_bad_refund_ < 0) {
        const Order& t = orders_[e.refund_target];
        if (t.refund && !t.seen_order_row) {
          first_bad_refund_ = seq;
          bad_refund_order_ = i;
        }
      }
      if (!o.email.empty()) NoteEmail(e.customer, i, seq, LowerAscii(o.email));
    }
    if (i != kNone && o.refund_of.empty()) orders_[i].seen_order_row = true;
  }
}

OrderInput ReImport::Rebuild(std::uint32_t index) const {
  const Order& e = orders_[index];
  OrderInput o;
  const auto [source, id] = SplitKey(Key(e.key_off, e.key_len));
  o.source = std::string(source);
  o.external_id = std::string(id);
  const Customer& c = customers_[e.customer];
  o.customer_external_id = std::string(SplitKey(Key(c.key_off, c.key_len)).second);
  o.placed_at_us = e.placed_at;
  o.currency.assign(e.currency, 3);
  o.total_minor = e.total_minor;
  o.status = static_cast<OrderStatus>(e.status);
  if (e.refund) {
    const Order& t = orders_[e.refund_target];
    o.refund_of = std::string(SplitKey(Key(t.key_off, t.key_len)).second);
  }
  return o;
}

void ReImport::EndStaging(std::string& out) {
  for (std::uint32_t i = 0; i < customers_.size(); ++i) {
    const Customer& c = customers_[i];
    if (c.carrier == kNone || (!c.staged_email && c.carrier_email_is_stored)) continue;
    OrderInput o = Rebuild(c.carrier);
    o.email = c.carrier_email_is_stored ? std::string(Key(c.email_off, c.email_len))
                                        : changed_email_.at(i);
    AppendCopyRow(out, c.carrier_seq, o);
  }
}

std::optional<ReImport::Duplicate> ReImport::FirstDuplicate() const {
  std::optional<Duplicate> best;
  for (const auto& [i, last] : last_dup_) {
    if (best && best->last <= last) continue;
    best = Duplicate{orders_[i].first_seq, last, {}};
    const auto [source, id] = SplitKey(Key(orders_[i].key_off, orders_[i].key_len));
    best->order.source = std::string(source);
    best->order.external_id = std::string(id);
  }
  return best;
}

std::optional<std::pair<std::int64_t, OrderInput>> ReImport::FirstBadRefund() const {
  if (first_bad_refund_ < 0) return std::nullopt;
  return std::pair{first_bad_refund_, Rebuild(bad_refund_order_)};
}

bool ReImport::IsStored(std::string_view source, std::string_view external_id) const {
  return FindOrder(source, external_id) != kNone;
}

}  // namespace clv::storage::postgres
