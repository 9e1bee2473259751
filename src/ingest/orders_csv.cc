#include "ingest/orders_csv.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "core/money.h"

namespace clv::ingest {
namespace {

constexpr std::string_view kNames[] = {"id",       "customer_id", "placed_at", "total",
                                       "currency", "status",      "email",     "refund_of"};
constexpr int kRequiredColumns = 5;  // the first five of kNames
constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

std::string LowerTrimmed(std::string_view s) {
  s = TrimBlanks(s);
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

// The ids seen so far and the line of each. A flat open-addressing table (linear probing,
// load <= 1/2) of 8-byte slots over an arena holding each id's line and bytes: one
// allocation-free insert per row instead of a node allocation per row in
// std::unordered_map, which dominated the parse time of a million-row import. The probe into
// a table of millions of slots is a cache and TLB miss; the caller prefetches the slot early
// (Prefetch) and the table asks for transparent huge pages to cut the TLB misses.
//
// Memory is what bounds `clv import`'s peak (issue 2: < 200 MB at a million rows), so: a slot
// packs a 24-bit hash tag with a 40-bit arena offset (8 bytes, was 16), and the arena grows in
// 1 MiB blocks instead of one doubling string (whose reallocation held the old and the new
// copy at once: 16 + 32 MB at a million ids). A million 10-byte ids: 16 MB of slots + 19 MB of
// arena, peaking at 24 MB of slots while the table doubles.
class OrdersCsvParser::IdIndex {
 public:
  ~IdIndex() { std::free(slots_); }

  static std::uint64_t Hash(std::string_view id) { return std::hash<std::string_view>()(id); }

  // Starts loading the slot where `hash` lands, so the miss overlaps with parsing the rest of
  // the row.
  void Prefetch(std::uint64_t hash) const {
    if (capacity_ != 0) __builtin_prefetch(&slots_[hash & (capacity_ - 1)]);
  }

  // Records `id` (whose Hash is `hash`) at `line` and returns 0, or returns the line where
  // `id` was first recorded.
  std::int64_t InsertOrFind(std::string_view id, std::uint64_t hash, std::int64_t line) {
    if ((size_ + 1) * 2 > capacity_) Grow();
    const std::size_t mask = capacity_ - 1;
    const std::uint64_t tag = Tag(hash);
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) {
        slots_[i] = (tag << kOffsetBits) | Append(id, line);
        ++size_;
        return 0;
      }
      if ((slot >> kOffsetBits) != tag) continue;
      const char* entry = Entry(slot & kOffsetMask);
      const auto length = static_cast<unsigned char>(entry[sizeof(std::int64_t)]);
      if (std::string_view(entry + sizeof(std::int64_t) + 1, length) == id) {
        std::int64_t first;
        std::memcpy(&first, entry, sizeof first);
        return first;
      }
    }
  }

 private:
  // Slot: tag (high 24 bits, never 0, so 0 marks an empty slot) | arena offset (low 40 bits:
  // 1 TiB of ids, far beyond any input the CSV limits let through in one stream).
  static constexpr int kOffsetBits = 40;
  static constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kOffsetBits) - 1;
  // The table index uses the hash's low bits; the tag takes the high ones (independent of
  // the index for any table below 2^40 slots).
  static std::uint64_t Tag(std::uint64_t hash) { return (hash >> kOffsetBits) | 1; }

  static constexpr int kBlockBits = 20;  // 1 MiB arena blocks
  static constexpr std::size_t kBlockBytes = std::size_t{1} << kBlockBits;
  static constexpr std::size_t kEntryMax = sizeof(std::int64_t) + 1 + 255;
  static_assert(kMaxIdBytes <= 255);

  const char* Entry(std::uint64_t offset) const {
    return blocks_[offset >> kBlockBits].get() + (offset & (kBlockBytes - 1));
  }

  // Stores line (8 bytes), length (1 byte), id bytes; an entry never straddles two blocks.
  std::uint64_t Append(std::string_view id, std::int64_t line) {
    const std::size_t need = sizeof line + 1 + id.size();
    if (blocks_.empty() || used_ + need > kBlockBytes) {
      blocks_.emplace_back(new char[kBlockBytes]);
      used_ = 0;
    }
    const std::uint64_t offset =
        (static_cast<std::uint64_t>(blocks_.size() - 1) << kBlockBits) | used_;
    if (offset > kOffsetMask) throw std::length_error("id index over 1 TiB");
    char* p = blocks_.back().get() + used_;
    std::memcpy(p, &line, sizeof line);
    p[sizeof line] = static_cast<char>(id.size());  // ids are at most 255 bytes
    std::memcpy(p + sizeof line + 1, id.data(), id.size());
    used_ += need;
    return offset;
  }

  void Grow() {
    const std::size_t capacity = std::max<std::size_t>(1024, capacity_ * 2);
    constexpr std::size_t kHugePage = 2 << 20;
    const std::size_t bytes = capacity * sizeof(std::uint64_t);
    std::uint64_t* slots = nullptr;
    if (bytes >= kHugePage) {
      slots = static_cast<std::uint64_t*>(std::aligned_alloc(kHugePage, bytes));  // bytes: 2^k
#ifdef MADV_HUGEPAGE
      if (slots != nullptr) madvise(slots, bytes, MADV_HUGEPAGE);  // a hint; failure is fine
#endif
    } else {
      slots = static_cast<std::uint64_t*>(std::malloc(bytes));
    }
    if (slots == nullptr) throw std::bad_alloc();
    std::memset(slots, 0, bytes);
    const std::size_t mask = capacity - 1;
    for (std::size_t j = 0; j < capacity_; ++j) {
      const std::uint64_t s = slots_[j];
      if (s == 0) continue;
      // The full hash is not kept: recompute it from the id (a rehash happens log2(n) times).
      const char* entry = Entry(s & kOffsetMask);
      const auto length = static_cast<unsigned char>(entry[sizeof(std::int64_t)]);
      std::size_t i = Hash(std::string_view(entry + sizeof(std::int64_t) + 1, length)) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    std::free(slots_);
    slots_ = slots;
    capacity_ = capacity;
  }

  std::uint64_t* slots_ = nullptr;  // capacity_ slots, capacity_ 0 or a power of two
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;  // the arena
  std::size_t used_ = 0;                         // bytes used in blocks_.back()
  static_assert(kEntryMax <= kBlockBytes);
};

OrdersCsvParser::~OrdersCsvParser() = default;

std::string RowError::ToString() const {
  std::string out = "line " + std::to_string(line);
  if (column > 0) {
    out += ", column " + std::to_string(column);
    if (!column_name.empty()) out += " (" + column_name + ")";
  }
  out += ": ";
  out += message;
  return out;
}

OrdersCsvParser::OrdersCsvParser(OrdersCsvOptions options)
    : options_(std::move(options)), reader_(options_.csv), first_line_(new IdIndex) {
  for (auto& i : index_) i = kAbsent;
  on_record_ = [this](const CsvRecord& record) { return OnRecord(record); };
}

void OrdersCsvParser::AddError(std::int64_t line, std::size_t column, std::string_view name,
                               std::string message) {
  ++error_count_;
  if (errors_reported_ >= static_cast<std::int64_t>(options_.max_errors)) return;
  ++errors_reported_;
  errors_->push_back(RowError{line, column, std::string(name), std::move(message)});
}

void OrdersCsvParser::AddFieldError(const CsvRecord& record, Column c, const Status& status) {
  AddError(record.field_line(index_[c]), index_[c] + 1, kNames[c], status.message());
}

Status OrdersCsvParser::OnHeader(const CsvRecord& record) {
  have_header_ = true;
  header_width_ = record.size();
  for (std::size_t i = 0; i < record.size(); ++i) {
    const std::string name = LowerTrimmed(record.field(i));
    for (int c = 0; c < kColumnCount; ++c) {
      if (name != kNames[c]) continue;
      if (index_[c] != kAbsent)
        return InvalidArgument("line " + std::to_string(record.line()) + ": column '" + name +
                               "' appears twice (columns " + std::to_string(index_[c] + 1) +
                               " and " + std::to_string(i + 1) + ")");
      index_[c] = i;
    }
  }
  std::string missing;
  int missing_count = 0;
  for (int c = 0; c < kRequiredColumns; ++c) {
    if (index_[c] != kAbsent) continue;
    if (!missing.empty()) missing += ", ";
    missing += '\'';
    missing += kNames[c];
    missing += '\'';
    ++missing_count;
  }
  if (missing_count > 0) {
    std::string have;
    for (std::size_t i = 0; i < record.size() && i < 20; ++i) {
      if (i > 0) have += ", ";
      have += QuoteForError(record.field(i));
    }
    return InvalidArgument("line " + std::to_string(record.line()) + ": missing required column" +
                           (missing_count > 1 ? "s " : " ") + missing + " (the header has: " +
                           have + ")");
  }
  return Status::Ok();
}

void OrdersCsvParser::OnRow(const CsvRecord& record) {
  ++data_rows_;
  if (record.size() != header_width_) {
    AddError(record.line(), 0, "",
             "has " + std::to_string(record.size()) + " fields but the header has " +
                 std::to_string(header_width_) +
                 " (a value containing the delimiter must be quoted)");
    return;
  }
  auto field = [&](Column c) { return record.field(index_[c]); };
  OrderInput order;
  order.source = options_.source;
  bool bad = false;
  auto check = [&](Column c, const Status& s) {
    if (s.ok()) return;
    AddFieldError(record, c, s);
    bad = true;
  };

  check(kId, NormalizeId(field(kId), &order.external_id));
  const std::uint64_t id_hash = IdIndex::Hash(order.external_id);
  first_line_->Prefetch(id_hash);
  check(kCustomerId, NormalizeId(field(kCustomerId), &order.customer_external_id));
  check(kPlacedAt, ParsePlacedAt(field(kPlacedAt), options_.rules, &order.placed_at_us));
  const CurrencyInfo* currency = nullptr;
  Status currency_status = ParseCurrencyField(field(kCurrency), &currency);
  check(kCurrency, currency_status);
  if (currency != nullptr) {
    order.currency.assign(currency->code);
    check(kTotal, ParseTotalText(field(kTotal), *currency, &order.total_minor));
  } else {
    // Unknown currency: still check the amount's syntax (with the widest exponent), so both
    // mistakes are reported at once.
    Result<std::int64_t> minor = ParseDecimalToMinor(field(kTotal), kMaxCurrencyExponent);
    check(kTotal, minor.ok() ? CheckNonNegative(*minor, TrimBlanks(field(kTotal)))
                             : minor.status());
  }
  if (index_[kStatus] != kAbsent) check(kStatus, ParseStatusField(field(kStatus), &order.status));
  if (index_[kEmail] != kAbsent) check(kEmail, NormalizeEmail(field(kEmail), &order.email));
  if (index_[kRefundOf] != kAbsent && !TrimBlanks(field(kRefundOf)).empty()) {
    Status s = NormalizeId(field(kRefundOf), &order.refund_of);
    if (s.ok() && order.refund_of == order.external_id)
      s = InvalidArgument("must differ from the order's own id");
    check(kRefundOf, s);
  }
  if (!order.external_id.empty()) {
    const std::int64_t line = record.field_line(index_[kId]);
    if (const std::int64_t first = first_line_->InsertOrFind(order.external_id, id_hash, line))
      check(kId, InvalidArgument("duplicate id " + QuoteForError(order.external_id) +
                                 " (first on line " + std::to_string(first) + ")"));
  }
  if (!bad) out_->push_back(std::move(order));
}

Status OrdersCsvParser::OnRecord(const CsvRecord& record) {
  if (!have_header_) return OnHeader(record);
  OnRow(record);
  return Status::Ok();
}

Status OrdersCsvParser::Feed(std::string_view chunk, std::vector<OrderInput>& out,
                             std::vector<RowError>& errors) {
  out_ = &out;
  errors_ = &errors;
  return reader_.Feed(chunk, on_record_);
}

Status OrdersCsvParser::Finish(std::vector<OrderInput>& out, std::vector<RowError>& errors) {
  out_ = &out;
  errors_ = &errors;
  CLV_RETURN_IF_ERROR(reader_.Finish(on_record_));
  if (!have_header_)
    return InvalidArgument(
        "empty input; expected a header row such as id,customer_id,placed_at,total,currency");
  if (data_rows_ == 0) return InvalidArgument("no orders: the header has no data rows after it");
  return Status::Ok();
}

Result<std::vector<OrderInput>> ParseOrdersCsv(std::string_view text,
                                               const OrdersCsvOptions& options) {
  OrdersCsvParser parser(options);
  std::vector<OrderInput> orders;
  std::vector<RowError> errors;
  CLV_RETURN_IF_ERROR(parser.Feed(text, orders, errors));
  CLV_RETURN_IF_ERROR(parser.Finish(orders, errors));
  if (errors.empty()) return orders;
  if (parser.error_count() == 1) return InvalidArgument(errors.front().ToString());
  std::string message = std::to_string(parser.error_count()) + " errors: ";
  for (std::size_t i = 0; i < errors.size() && i < 10; ++i) {
    if (i > 0) message += "; ";
    message += errors[i].ToString();
  }
  if (parser.error_count() > 10)
    message += "; and " + std::to_string(parser.error_count() - 10) + " more";
  return InvalidArgument(message);
}

}  // namespace clv::ingest
