// Orders: recording them from the JSON API, importing CSV streams of any size, and reading back
// orders and customers. Parsing and validation are ingest/'s; this layer applies the request's
// all-or-nothing rule and talks to the store.
//
// All-or-nothing: a request (a JSON batch, or one whole CSV import) with any bad item stores
// nothing and answers InvalidArgument whose message lists the problems (path or line and column,
// then the reason; at most 10, then "and N more"). Idempotent on (tenant, source, external id):
// sending the same orders again reports them `unchanged`.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/status.h"
#include "storage/store.h"

namespace clv::service {

struct ImportSummary {
  storage::UpsertResult counts;
  std::int64_t rows = 0;  // data rows read (after the header)
};

// Supplies the next chunk of a stream; an empty chunk means the end. The view must stay valid
// until the next call. A non-OK Status aborts the import.
using ChunkReader = std::function<Result<std::string_view>()>;

// Called after orders were committed, with the customers whose orders changed
// (UpsertResult::affected_customers): incremental rescoring (service/scoring.h) and scheduled
// refits hang here. It runs in the request's thread before the answer; it must not fail the
// write (the orders are stored), so it reports its own errors.
using OrdersRecordedHook =
    std::function<void(TenantId tenant, const std::vector<CustomerId>& affected_customers)>;

class OrderService {
 public:
  OrderService(storage::Store& store, const Clock& clock, OrdersRecordedHook on_recorded = {});

  // POST /orders: {"orders": [...]} or a single order object (ingest/orders_json.h).
  Result<storage::UpsertResult> RecordJson(TenantId tenant, std::string_view body);

  // POST /orders/import and `clv import`: an orders CSV (ingest/orders_csv.h), streamed in
  // batches to the store's bulk importer, so memory stays bounded for any file size.
  Result<ImportSummary> ImportCsv(TenantId tenant, const ChunkReader& read,
                                  std::string_view source = "csv");
  // The same for a CSV already in memory.
  Result<ImportSummary> ImportCsvText(TenantId tenant, std::string_view text,
                                      std::string_view source = "csv");

  Result<storage::Page<Customer>> ListCustomers(TenantId tenant,
                                                const storage::ListCustomersOptions& options);
  Result<Customer> GetCustomer(TenantId tenant, CustomerId id);
  Result<storage::Page<Order>> ListOrders(TenantId tenant,
                                          const storage::ListOrdersOptions& options);
  Result<Order> GetOrder(TenantId tenant, OrderId id);

 private:
  storage::Store& store_;
  const Clock& clock_;
  OrdersRecordedHook on_recorded_;
};

}  // namespace clv::service
