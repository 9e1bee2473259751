// GET /health, /health/db, /health/redis — public liveness and dependency probes.
//
//   /health        200 {"status":"ok","version":"0.1.0"}   (the process answers; no I/O)
//   /health/db     200 {"status":"ok"}
//                  503 {"status":"unavailable","error":{"code","message","request_id"}}
//   /health/redis  the same, or 200 {"status":"disabled"} when Redis is not configured
//
// A probe's own message may name hosts or files, so it is logged, not returned.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "http/router.h"

namespace clv::http {

// Checks one dependency; OK when usable. Runs on a worker thread and may block briefly
// (a `SELECT 1`, a Redis PING); must be thread-safe.
using HealthProbe = std::function<Status()>;

struct HealthOptions {
  std::string version;
  HealthProbe database;  // null → "disabled"
  HealthProbe redis;     // null → "disabled" (REDIS_URL unset)
};

void RegisterHealthRoutes(Router& router, HealthOptions options);

}  // namespace clv::http
