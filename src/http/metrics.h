// GET /metrics (Prometheus text exposition 0.0.4) and the request metrics behind it.
//
//   clv_http_requests_total{method,route,status}           counter
//   clv_http_request_duration_seconds{method,route,status} histogram (metrics::kLatencyBuckets)
//   clv_http_open_connections                              gauge
//   clv_store_pool_connections_{max,open,in_use,idle}      gauges (storage::PoolStats, read
//   clv_store_pool_{waits,wait_timeouts,wait_seconds}_total counters  at each scrape; app.cc)
// plus whatever other layers record in metrics::Global(): ingest counts
// (clv_orders_ingested_total), job outcomes and durations (clv_jobs_total{kind,outcome},
// clv_job_duration_seconds{kind}) and scheduled refits (clv_refits_scheduled_total{trigger});
// see service/jobs.h. `route` is the route pattern ("/orders/:id"), never the raw
// path; requests that matched no route (404, malformed targets) are labelled "unmatched".
#pragma once

#include <functional>

#include "core/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace clv::http {

// The ServerOptions::on_response hook that records the two request families in `registry`.
std::function<void(const ResponseRecord&)> RequestMetricsObserver(metrics::Registry& registry);

// Public GET /metrics rendering `registry` (restrict it at the reverse proxy in production;
// it carries no tenant data, only counts).
void RegisterMetricsRoute(Router& router, metrics::Registry& registry);

}  // namespace clv::http
