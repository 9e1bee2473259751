// Orders and customers as they went in:
//   POST /orders            {"orders": [...]} or one order → 200 {created, updated, unchanged}
//   POST /orders/import     a CSV body (text/csv, or the first file of a multipart/form-data
//                           upload) → 200 {rows, created, updated, unchanged}
//   GET  /orders            ?customer_id=&limit=&cursor= → {items, next_cursor}
//   GET  /orders/:id
//   GET  /customers         ?external_id=&source=&email=&limit=&cursor= → {items, next_cursor}
//   GET  /customers/:id
// Writes need the write_orders permission, reads read_data. The tenant is the caller's.
#pragma once

#include <cstddef>

#include "http/router.h"
#include "service/orders.h"

namespace clv::http {

// The largest CSV upload accepted by POST /orders/import. Bigger files: `clv import`.
inline constexpr std::size_t kMaxImportBodyBytes = 256u << 20;

void RegisterOrderRoutes(Router& router, service::OrderService& orders);

// The content of the first file part of a multipart/form-data body (RFC 7578), or
// InvalidArgument when the body or the boundary is malformed. Exposed for tests.
Result<std::string_view> FirstMultipartFile(std::string_view content_type, std::string_view body);

}  // namespace clv::http
