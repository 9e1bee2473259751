// The stored model fits (read_data):
//   GET /clv/model      ?fit_id= (default: the current fit) → {fit: {...typed fields, params
//                       by name, report (service/fit_report.h)}, versions: [{id, created_at,
//                       as_of, model, customers, job_id}] (newest first, up to 100)}
//   GET /clv/forecast   ?horizon=12&period=month → {fit_id, currency, period, start_day,
//                       periods: [{period, start_day, end_day, expected_purchases,
//                       purchases_lower, purchases_upper, expected_revenue_minor,
//                       revenue_lower_minor, revenue_upper_minor}], holdout: {start_day,
//                       periods: [{period, expected_purchases, purchases_lower,
//                       purchases_upper, actual_purchases}], check: {...}} | null}
//                       Expected repeat revenue of the existing customers with an 80% band,
//                       from the current fit. period: month only (the fit's forecast unit);
//                       horizon 1..the fit's forecast_months (400 beyond).
// 404 with a message naming POST /clv/calculate when the tenant has no fit yet.
#pragma once

#include "http/router.h"
#include "service/model_service.h"

namespace clv::http {

void RegisterModelRoutes(Router& router, service::ModelService& models);

}  // namespace clv::http
