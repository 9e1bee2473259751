#include "http/handlers/health.h"

#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

namespace clv::http {

namespace {

Response ProbeResponse(const Request& req, const HealthProbe& probe, std::string_view what) {
  if (!probe) return Response::Json(200, boost::json::object{{"status", "disabled"}});
  const Status s = probe();
  if (s.ok()) return Response::Json(200, boost::json::object{{"status", "ok"}});
  spdlog::warn("health probe failed dependency={} request_id={} error={}", what, req.request_id,
               s.ToString());
  boost::json::object error{{"code", "unavailable"},
                            {"message", std::string(what) + " is unavailable"},
                            {"request_id", req.request_id}};
  Response r = Response::Json(503, boost::json::object{{"status", "unavailable"},
                                                      {"error", std::move(error)}});
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

}  // namespace

void RegisterHealthRoutes(Router& router, HealthOptions options) {
  auto opts = std::make_shared<const HealthOptions>(std::move(options));
  router.Get(
      "/health",
      [opts](Request&) {
        Response r = Response::Json(200, boost::json::object{{"status", "ok"},
                                                             {"version", opts->version}});
        r.headers.Set("Cache-Control", "no-store");
        return r;
      },
      Public());
  router.Get(
      "/health/db", [opts](Request& req) { return ProbeResponse(req, opts->database, "database"); },
      Public());
  router.Get(
      "/health/redis", [opts](Request& req) { return ProbeResponse(req, opts->redis, "redis"); },
      Public());
}

}  // namespace clv::http
