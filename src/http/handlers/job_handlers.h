// CLV calculations as durable jobs:
//   POST /clv/calculate   body: the request of service/clv_job.h (may be empty) → 202
//                         {job_id, status}; an active calculation of the tenant is reused
//                         (its id is answered). 400 for bad parameters, 422 when the tenant has
//                         too few customers for any calculation. Permission run_calculation.
//   GET  /jobs            ?limit=&cursor= → {items, next_cursor}, newest first (read_data)
//   GET  /jobs/:id        {id, kind, status, progress, stage, error?, created_at, started_at,
//                         finished_at, attempts, result} (read_data); 404 for another tenant's
//                         job or an unknown id.
// Times RFC 3339 UTC or null; result is the job's result document (e.g. {"fit_id": 3}) or null.
#pragma once

#include "http/router.h"
#include "service/model_service.h"

namespace clv::http {

void RegisterJobRoutes(Router& router, service::ModelService& models);

}  // namespace clv::http
