#include "http/handlers/order_handlers.h"

#include <charconv>

#include "core/metrics.h"
#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/middleware.h"

namespace clv::http {
namespace {

// Ingest counts for /metrics (clv_orders_ingested_total{source,result}).
void CountIngested(std::string_view source, const storage::UpsertResult& r) {
  static metrics::CounterFamily& ingested = metrics::Global().Counter(
      "clv_orders_ingested_total", "Orders received over the API, by source and by what the store did.",
      {"source", "result"});
  ingested.Add({source, "created"}, static_cast<double>(r.created));
  ingested.Add({source, "updated"}, static_cast<double>(r.updated));
  ingested.Add({source, "unchanged"}, static_cast<double>(r.unchanged));
}

boost::json::object CountsJson(const storage::UpsertResult& r) {
  return {{"created", r.created}, {"updated", r.updated}, {"unchanged", r.unchanged}};
}

template <typename T, typename ToJson>
Response PageJson(const storage::Page<T>& page, ToJson to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const T& item : page.items) items.push_back(to_json(item));
  boost::json::object out;
  out["items"] = std::move(items);
  out["next_cursor"] = page.next_cursor.empty() ? boost::json::value(nullptr)
                                                : boost::json::value(page.next_cursor);
  return Response::Json(200, out);
}

std::optional<std::string> OptionalQuery(const Request& request, std::string_view key) {
  if (auto v = request.QueryParam(key)) return std::string(*v);
  return std::nullopt;
}

// The boundary parameter of a multipart content type, unquoted.
std::optional<std::string_view> Boundary(std::string_view content_type) {
  std::size_t pos = content_type.find("boundary=");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view b = content_type.substr(pos + 9);
  if (!b.empty() && b.front() == '"') {
    b.remove_prefix(1);
    std::size_t end = b.find('"');
    if (end == std::string_view::npos) return std::nullopt;
    return b.substr(0, end);
  }
  std::size_t end = b.find_first_of("; \t");
  b = b.substr(0, end);
  if (b.empty() || b.size() > 70) return std::nullopt;  // RFC 2046: 1..70 characters
  return b;
}

}  // namespace

Result<std::string_view> FirstMultipartFile(std::string_view content_type, std::string_view body) {
  std::optional<std::string_view> boundary = Boundary(content_type);
  if (!boundary) return InvalidArgument("multipart/form-data without a valid boundary");
  const std::string delimiter = "--" + std::string(*boundary);
  std::size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    std::size_t headers_start = pos + delimiter.size();
    if (body.substr(headers_start, 2) == "--") break;  // the closing delimiter
    std::size_t headers_end = body.find("\r\n\r\n", headers_start);
    if (headers_end == std::string_view::npos) break;
    std::string_view headers = body.substr(headers_start, headers_end - headers_start);
    std::size_t content_start = headers_end + 4;
    std::size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) return InvalidArgument("multipart body is truncated");
    if (headers.find("filename=") != std::string_view::npos ||
        headers.find("name=\"file\"") != std::string_view::npos) {
      return body.substr(content_start, next - content_start);
    }
    pos = next + 2;
  }
  return InvalidArgument("multipart/form-data upload has no file part");
}

void RegisterOrderRoutes(Router& router, service::OrderService& orders) {
  router.Post("/orders", [&orders](Request& request) {
    if (auto error = RequireMediaType(request, "application/json")) return *error;
    Result<storage::UpsertResult> r = orders.RecordJson(request.auth->tenant, request.body);
    if (!r.ok()) return ErrorFromStatus(r.status());
    CountIngested("api", *r);
    return Response::Json(200, CountsJson(*r));
  }, RequirePermission("write_orders"));

  RouteOptions import_options = RequirePermission("write_orders");
  import_options.body_limit_bytes = kMaxImportBodyBytes;
  router.Post("/orders/import", [&orders](Request& request) {
    std::string_view csv;
    if (HasMediaType(request, "text/csv")) {
      csv = request.body;
    } else if (HasMediaType(request, "multipart/form-data")) {
      Result<std::string_view> file =
          FirstMultipartFile(request.headers.Get("Content-Type").value_or(""), request.body);
      if (!file.ok()) return ErrorFromStatus(file.status());
      csv = *file;
    } else {
      return Response::Error(415, "unsupported_media_type",
                             "send the CSV as text/csv or as a multipart/form-data file");
    }
    Result<service::ImportSummary> r = orders.ImportCsvText(request.auth->tenant, csv);
    if (!r.ok()) return ErrorFromStatus(r.status());
    CountIngested("csv", r->counts);
    boost::json::object out = CountsJson(r->counts);
    out["rows"] = r->rows;
    return Response::Json(200, out);
  }, import_options);

  router.Get("/orders", [&orders](Request& request) {
    Result<PageParams> page = ReadPageParams(request);
    if (!page.ok()) return ErrorFromStatus(page.status());
    storage::ListOrdersOptions options;
    options.limit = page->limit;
    options.cursor = page->cursor;
    if (auto customer = request.QueryParam("customer_id")) {
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(customer->data(), customer->data() + customer->size(), id);
      if (ec != std::errc() || end != customer->data() + customer->size() || id <= 0) {
        return Response::Error(400, "invalid_argument", "customer_id: must be a positive integer");
      }
      options.customer = CustomerId{id};
    }
    Result<storage::Page<Order>> r = orders.ListOrders(request.auth->tenant, options);
    if (!r.ok()) return ErrorFromStatus(r.status());
    return PageJson(*r, OrderJson);
  }, RequirePermission("read_data"));

  router.Get("/orders/:id", [&orders](Request& request) {
    Result<std::int64_t> id = PathId(request, "id");
    if (!id.ok()) return ErrorFromStatus(NotFound("order not found"));
    Result<Order> r = orders.GetOrder(request.auth->tenant, OrderId{*id});
    if (!r.ok()) return ErrorFromStatus(r.status());
    return Response::Json(200, OrderJson(*r));
  }, RequirePermission("read_data"));

  router.Get("/customers", [&orders](Request& request) {
    Result<PageParams> page = ReadPageParams(request);
    if (!page.ok()) return ErrorFromStatus(page.status());
    storage::ListCustomersOptions options;
    options.limit = page->limit;
    options.cursor = page->cursor;
    options.external_id = OptionalQuery(request, "external_id");
    options.source = OptionalQuery(request, "source");
    options.email = OptionalQuery(request, "email");
    Result<storage::Page<Customer>> r = orders.ListCustomers(request.auth->tenant, options);
    if (!r.ok()) return ErrorFromStatus(r.status());
    return PageJson(*r, CustomerJson);
  }, RequirePermission("read_data"));

  router.Get("/customers/:id", [&orders](Request& request) {
    Result<std::int64_t> id = PathId(request, "id");
    if (!id.ok()) return ErrorFromStatus(NotFound("customer not found"));
    Result<Customer> r = orders.GetCustomer(request.auth->tenant, CustomerId{*id});
    if (!r.ok()) return ErrorFromStatus(r.status());
    return Response::Json(200, CustomerJson(*r));
  }, RequirePermission("read_data"));
}

}  // namespace clv::http
