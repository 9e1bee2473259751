#include "http/handlers/job_handlers.h"

#include <boost/json.hpp>

#include "core/time.h"
#include "http/error_mapping.h"
#include "http/handlers/json_fields.h"
#include "http/middleware.h"
#include "service/model_service.h"

namespace clv::http {
namespace json = boost::json;
namespace {

json::value TimeOrNull(const std::optional<UnixMicros>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object JobJson(const storage::Job& job) {
  json::object o;
  o["id"] = job.id.value;
  o["kind"] = job.kind;
  o["status"] = storage::JobStatusName(job.status);
  o["progress"] = job.progress;
  o["stage"] = job.stage;
  if (job.status == storage::JobStatus::kFailed) o["error"] = job.error;
  o["created_at"] = FormatRfc3339(job.created_at_us);
  o["started_at"] = TimeOrNull(job.started_at_us);
  o["finished_at"] = TimeOrNull(job.finished_at_us);
  o["attempts"] = job.attempts;
  o["result"] = service::ModelService::ResultOf(job);
  return o;
}

}  // namespace

void RegisterJobRoutes(Router& router, service::ModelService& models) {
  router.Post("/clv/calculate", [&models](Request& request) {
    if (!request.body.empty()) {
      if (auto error = RequireMediaType(request, "application/json")) return *error;
    }
    Result<storage::EnqueuedJob> queued =
        models.StartCalculation(request.auth->tenant, request.auth->user, request.body);
    if (!queued.ok()) return ErrorFromStatus(queued.status());
    json::object out{{"job_id", queued->job.id.value},
                     {"status", storage::JobStatusName(queued->job.status)},
                     {"created", queued->created}};
    return Response::Json(202, out);
  }, RequirePermission("run_calculation"));

  router.Get("/jobs", [&models](Request& request) {
    Result<PageParams> page = ReadPageParams(request);
    if (!page.ok()) return ErrorFromStatus(page.status());
    storage::ListJobsOptions options;
    options.limit = page->limit;
    options.cursor = page->cursor;
    Result<storage::Page<storage::Job>> r = models.ListJobs(request.auth->tenant, options);
    if (!r.ok()) return ErrorFromStatus(r.status());
    json::array items;
    for (const storage::Job& job : r->items) items.push_back(JobJson(job));
    json::object out{{"items", std::move(items)},
                     {"next_cursor", r->next_cursor.empty() ? json::value(nullptr)
                                                            : json::value(r->next_cursor)}};
    return Response::Json(200, out);
  }, RequirePermission("read_data"));

  router.Get("/jobs/:id", [&models](Request& request) {
    Result<std::int64_t> id = PathId(request, "id");
    if (!id.ok()) return ErrorFromStatus(NotFound("job not found"));
    Result<storage::Job> job = models.GetJob(request.auth->tenant, JobId{*id});
    if (!job.ok()) return ErrorFromStatus(job.status());
    return Response::Json(200, JobJson(*job));
  }, RequirePermission("read_data"));
}

}  // namespace clv::http
