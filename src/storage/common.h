// Helpers shared by the SQLite and PostgreSQL stores: cursors, limits, input validation, the
// rules that define customer aggregates. Internal to storage/.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"

namespace clv::storage::internal {

// Opaque keyset cursor: "v1." + the last id of the page in decimal. Decoding rejects anything
// else (including ids <= 0) with InvalidArgument; an empty cursor decodes to 0 (first page).
std::string EncodeCursor(std::int64_t last_id);
Result<std::int64_t> DecodeCursor(std::string_view cursor);

// 0 -> kDefaultPageLimit; 1..kMaxPageLimit -> itself; anything else InvalidArgument.
Result<int> ResolveLimit(int limit);

std::string LowerAscii(std::string_view s);

// Field checks of one order; `index` names it in the message ("orders[3]: ...").
Status ValidateOrder(const OrderInput& order, std::int64_t index);
// Validates every item and rejects duplicated (source, external_id) naming both indexes
// (offset is added to the indexes, for importers).
Status ValidateBatch(std::span<const OrderInput> orders, std::int64_t offset);

// "order" or "refund".
inline std::string_view KindOf(const OrderInput& o) { return o.refund_of.empty() ? "order" : "refund"; }

Status NewerSchemaError(int database_version, int binary_version);
Status RefundTargetError(std::int64_t index, const OrderInput& order);
Status DuplicateError(std::int64_t first, std::int64_t second, const OrderInput& order);

}  // namespace clv::storage::internal
