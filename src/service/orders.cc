#include "service/orders.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingest/orders_csv.h"
#include "ingest/orders_json.h"

namespace clv::service {
namespace {

// Orders handed to the store's importer at a time: large enough to amortise a round trip,
// small enough that a batch of parsed orders stays a few megabytes.
constexpr std::size_t kImportBatch = 10'000;
constexpr std::size_t kErrorsInMessage = 10;

Status CsvRejection(const std::vector<ingest::RowError>& errors, std::int64_t total) {
  std::string message;
  if (total == 1) {
    message = errors.front().ToString();
  } else {
    message = std::to_string(total) + " rows have errors: ";
    for (std::size_t i = 0; i < errors.size() && i < kErrorsInMessage; ++i) {
      if (i > 0) message += "; ";
      message += errors[i].ToString();
    }
    const std::int64_t shown = static_cast<std::int64_t>(std::min(errors.size(), kErrorsInMessage));
    if (total > shown) message += "; and " + std::to_string(total - shown) + " more";
  }
  return InvalidArgument(message + " (nothing was imported)");
}

}  // namespace

OrderService::OrderService(storage::Store& store, const Clock& clock,
                           OrdersRecordedHook on_recorded)
    : store_(store), clock_(clock), on_recorded_(std::move(on_recorded)) {}

Result<storage::UpsertResult> OrderService::RecordJson(TenantId tenant, std::string_view body) {
  const UnixMicros now = clock_.Now();
  ingest::OrdersJsonOptions options{ingest::OrderRules(now)};
  ingest::OrderBatch batch = ingest::ParseOrdersJson(body, options);
  if (!batch.ok()) return batch.ToStatus();
  CLV_ASSIGN_OR_RETURN(storage::UpsertResult result, store_.UpsertOrders(tenant, batch.orders, now));
  if (on_recorded_ && !result.affected_customers.empty()) on_recorded_(tenant, result.affected_customers);
  return result;
}

Result<ImportSummary> OrderService::ImportCsv(TenantId tenant, const ChunkReader& read,
                                              std::string_view source) {
  const UnixMicros now = clock_.Now();
  ingest::OrdersCsvOptions options{ingest::OrderRules(now)};
  options.source = std::string(source);
  ingest::OrdersCsvParser parser(options);
  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::OrderImporter> importer,
                       store_.BeginImport(tenant, now));

  std::vector<OrderInput> batch;
  batch.reserve(kImportBatch);
  std::vector<ingest::RowError> errors;
  // Once a row is bad nothing will be stored, but the parse goes on so that the client learns
  // about every bad row (up to the parser's cap) in one answer.
  auto flush = [&](bool force) -> Status {
    if (!errors.empty()) {
      batch.clear();
      return Status::Ok();
    }
    if (batch.size() >= kImportBatch || (force && !batch.empty())) {
      Status s = importer->Add(batch);
      batch.clear();
      return s;
    }
    return Status::Ok();
  };
  auto fail = [&](Status s) {
    importer->Abort();
    return s;
  };

  while (true) {
    Result<std::string_view> chunk = read();
    if (!chunk.ok()) return fail(chunk.status());
    if (chunk->empty()) break;
    Status s = parser.Feed(*chunk, batch, errors);
    if (!s.ok()) return fail(InvalidArgument(s.message() + " (nothing was imported)"));
    CLV_RETURN_IF_ERROR(flush(false));
  }
  Status s = parser.Finish(batch, errors);
  if (!s.ok()) return fail(InvalidArgument(s.message() + " (nothing was imported)"));
  if (parser.error_count() > 0) return fail(CsvRejection(errors, parser.error_count()));
  Status added = flush(true);
  if (!added.ok()) return fail(added);
  CLV_ASSIGN_OR_RETURN(storage::UpsertResult counts, importer->Commit());
  // The importer keeps its pooled connection until it is destroyed, and the hook (rescoring,
  // refit scheduling) needs one: with CLV_PG_POOL_SIZE=1 it would wait on this request's own
  // connection until the pool timeout. Release it first.
  importer.reset();
  if (on_recorded_ && !counts.affected_customers.empty()) on_recorded_(tenant, counts.affected_customers);
  return ImportSummary{std::move(counts), parser.data_rows()};
}

Result<ImportSummary> OrderService::ImportCsvText(TenantId tenant, std::string_view text,
                                                  std::string_view source) {
  bool done = false;
  return ImportCsv(
      tenant,
      [&]() -> Result<std::string_view> {
        if (done) return std::string_view();
        done = true;
        return text;
      },
      source);
}

Result<storage::Page<Customer>> OrderService::ListCustomers(
    TenantId tenant, const storage::ListCustomersOptions& options) {
  return store_.ListCustomers(tenant, options);
}

Result<Customer> OrderService::GetCustomer(TenantId tenant, CustomerId id) {
  return store_.GetCustomer(tenant, id);
}

Result<storage::Page<Order>> OrderService::ListOrders(TenantId tenant,
                                                      const storage::ListOrdersOptions& options) {
  return store_.ListOrders(tenant, options);
}

Result<Order> OrderService::GetOrder(TenantId tenant, OrderId id) {
  return store_.GetOrder(tenant, id);
}

}  // namespace clv::service
