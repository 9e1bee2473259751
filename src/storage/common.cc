#include "storage/common.h"

#include <charconv>
#include <unordered_map>

#include "storage/store.h"

namespace clv::storage::internal {

std::string EncodeCursor(std::int64_t last_id) { return "v1." + std::to_string(last_id); }

Result<std::int64_t> DecodeCursor(std::string_view cursor) {
  if (cursor.empty()) return std::int64_t{0};
  constexpr std::string_view kPrefix = "v1.";
  const auto bad = [] { return InvalidArgument("malformed cursor; pass next_cursor unchanged"); };
  if (cursor.size() > 24 || cursor.substr(0, kPrefix.size()) != kPrefix) return bad();
  std::string_view digits = cursor.substr(kPrefix.size());
  if (digits.empty() || digits[0] == '0') return bad();
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || id <= 0) return bad();
  return id;
}

Result<int> ResolveLimit(int limit) {
  if (limit == 0) return kDefaultPageLimit;
  if (limit < 0 || limit > kMaxPageLimit)
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxPageLimit));
  return limit;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {
std::string Where(std::int64_t index) { return "orders[" + std::to_string(index) + "]: "; }
}  // namespace

Status ValidateOrder(const OrderInput& o, std::int64_t index) {
  if (o.source.empty()) return InvalidArgument(Where(index) + "source is empty");
  if (o.external_id.empty()) return InvalidArgument(Where(index) + "id is empty");
  if (o.customer_external_id.empty())
    return InvalidArgument(Where(index) + "customer_id is empty");
  if (o.total_minor < 0) return InvalidArgument(Where(index) + "total is negative");
  if (o.currency.size() != 3 ||
      !(o.currency[0] >= 'A' && o.currency[0] <= 'Z' && o.currency[1] >= 'A' &&
        o.currency[1] <= 'Z' && o.currency[2] >= 'A' && o.currency[2] <= 'Z'))
    return InvalidArgument(Where(index) + "currency must be an ISO 4217 code (3 upper-case letters)");
  if (!o.refund_of.empty() && o.refund_of == o.external_id)
    return InvalidArgument(Where(index) + "a refund cannot refund itself");
  return Status::Ok();
}

Status ValidateBatch(std::span<const OrderInput> orders, std::int64_t offset) {
  std::unordered_map<std::string, std::int64_t> seen;
  seen.reserve(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const OrderInput& o = orders[i];
    const std::int64_t index = offset + static_cast<std::int64_t>(i);
    CLV_RETURN_IF_ERROR(ValidateOrder(o, index));
    // source and external_id joined with a byte that ingest never lets through (NUL).
    std::string key = o.source;
    key.push_back('\0');
    key += o.external_id;
    auto [it, inserted] = seen.emplace(std::move(key), index);
    if (!inserted) return DuplicateError(it->second, index, o);
  }
  return Status::Ok();
}

Status NewerSchemaError(int database_version, int binary_version) {
  return FailedPrecondition("database schema version " + std::to_string(database_version) +
                            " is newer than this clv (" + std::to_string(binary_version) +
                            "); upgrade clv");
}

Status RefundTargetError(std::int64_t index, const OrderInput& o) {
  return InvalidArgument(Where(index) + "refund_of '" + o.refund_of +
                         "' is not an earlier or existing order of source '" + o.source + "'");
}

Status DuplicateError(std::int64_t first, std::int64_t second, const OrderInput& o) {
  return InvalidArgument("orders[" + std::to_string(first) + "] and orders[" +
                         std::to_string(second) + "] have the same source and id ('" + o.source +
                         "', '" + o.external_id + "')");
}

}  // namespace clv::storage::internal
