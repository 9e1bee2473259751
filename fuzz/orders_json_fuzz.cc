// libFuzzer target for the POST /orders body parser (ingest/orders_json.h). Checks that any
// input yields either orders or errors (never a crash or an exception), that every accepted
// order satisfies the documented invariants, and that errors respect the cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/currency.h"
#include "core/money.h"
#include "core/time.h"
#include "ingest/orders_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const clv::UnixMicros now = clv::MidnightUtc(2024, 6, 1);
  clv::ingest::OrdersJsonOptions options{clv::ingest::OrderRules(now)};
  options.max_errors = 8;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  clv::ingest::OrderBatch batch = clv::ingest::ParseOrdersJson(body, options);
  if (batch.errors.size() > options.max_errors) std::abort();
  if (batch.orders.size() > options.max_orders) std::abort();
  for (const clv::OrderInput& o : batch.orders) {
    if (o.external_id.empty() || o.external_id.size() > clv::ingest::kMaxIdBytes) std::abort();
    if (o.customer_external_id.empty()) std::abort();
    if (o.total_minor < 0 || o.total_minor > clv::kMaxAmountMinor) std::abort();
    if (clv::FindCurrency(o.currency) == nullptr) std::abort();
    if (o.placed_at_us > now + clv::kMicrosPerDay) std::abort();
  }
  (void)batch.ToStatus();
  return 0;
}
