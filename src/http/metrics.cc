#include "http/metrics.h"

#include <cstdio>
#include <string>

namespace clv::http {

std::function<void(const ResponseRecord&)> RequestMetricsObserver(metrics::Registry& registry) {
  metrics::CounterFamily& requests = registry.Counter(
      "clv_http_requests_total", "HTTP requests answered, by method, route pattern and status.",
      {"method", "route", "status"});
  metrics::HistogramFamily& latency = registry.Histogram(
      "clv_http_request_duration_seconds",
      "Time from the complete request head to the written response, by method, route and status.",
      {"method", "route", "status"}, metrics::kLatencyBuckets);
  return [&requests, &latency](const ResponseRecord& r) {
    char status[8];
    const int n = std::snprintf(status, sizeof status, "%d", r.status);
    const std::string_view status_text(status, n > 0 ? static_cast<std::size_t>(n) : 0);
    const std::string_view route = r.route.empty() ? std::string_view("unmatched") : r.route;
    // Unknown methods share one label, so clients cannot grow the label set.
    const std::string_view method = MethodName(ParseMethod(r.method));
    requests.Add({method, route, status_text});
    latency.Observe({method, route, status_text}, static_cast<double>(r.duration_us) / 1e6);
  };
}

void RegisterMetricsRoute(Router& router, metrics::Registry& registry) {
  router.Get("/metrics", [&registry](Request&) {
    Response r = Response::Text(200, registry.Render(), "text/plain; version=0.0.4; charset=utf-8");
    r.headers.Set("Cache-Control", "no-store");
    return r;
  }, Public());
}

}  // namespace clv::http
