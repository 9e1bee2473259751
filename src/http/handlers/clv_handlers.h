// The analytics read endpoints (issue 4), all GET, permission read_data, tenant from the token:
//
//   GET /clv/customers   ?limit=&cursor=&sort=&order=&segment=&churn_risk=&tier=
//       sort: predicted_clv (default) | historical_clv | p_alive | expected_purchases (365 days)
//             | value_at_risk | last_order; order: desc (default) | asc; customer id breaks ties
//             in the same direction. A cursor is only valid with the sort and filters it came
//             with. → {items: [CustomerScoreItem], next_cursor, currency, fit_id, as_of}
//       With `Accept: text/csv` the whole filtered, sorted list (every page) is streamed as CSV
//       with a header line (columns: kCsvColumns); limit and cursor are ignored. A new
//       calculation landing mid-export cuts the stream (the connection closes without the
//       final chunk) rather than mixing two fits' rows. Text cells beginning with = + - @ are
//       prefixed with ' (spreadsheet formula injection).
//   GET /clv/customers/:id
//       → {id, external_id, source, email, created_at, currency, fit_id, as_of,
//          order_summary: {purchases, net_revenue_minor, refunded_minor, first_order_date,
//                          last_order_date},
//          score: null | CustomerScoreItem fields + {frequency, recency, age, time_unit,
//                 expected_spend_minor, predicted_clv_months, rfm: {recency, frequency,
//                 monetary}, expected_next_order_date, updated_at},
//          p_alive_history: [{date, p_alive, order}]}
//       Unknown id (or another tenant's) → 404. A customer without a score (no calculation
//       yet, or first bought after the last one and not rescored yet) → 200 with score: null
//       and an empty history, so a client can still show the customer.
//   GET /clv/segments
//       → {fit_id, currency, as_of, total_customers, segments: [Group ×11], clv_tiers:
//          [Group ×4], scoring: {...how R, F, M and the map are defined...}}
//       Group = {key, name, customers, share_of_customers, historical_clv_minor,
//                predicted_clv_minor, average_predicted_clv_minor, value_at_risk_minor}.
//       Each table's customers add up to total_customers (= the scored customers).
//   GET /clv/churn       ?limit=&cursor=&churn_risk=
//       → {items: [CustomerScoreItem + one_time_buyer], next_cursor, currency, fit_id, as_of,
//          bands: [{key, customers, value_at_risk_minor, predicted_clv_minor}] (low, medium,
//          high), total_value_at_risk_minor}; ranked by value at risk, highest first.
//   GET /clv/cohorts     ?period=week|month(default)|quarter&metric=retention(default)|revenue
//                        |ltv|customers&as_of=YYYY-MM-DD
//       → {period, metric, as_of, currency, num_periods, cohorts: [{label, start_date,
//          customers, values, active, orders, revenue_minor}], overall, totals: {customers,
//          orders, revenue_minor}}; `values[k]` is the metric k periods after acquisition (null
//       where not yet observed); see service/clv_queries.h for `overall` and the default as_of.
//
// CustomerScoreItem = {id, external_id, source, email, orders, first_order_date,
//   last_order_date, historical_clv_minor, predicted_clv_minor, predicted_clv_interval:
//   {level: 0.8, lower_minor, upper_minor} (bounds null when the fit had no covariance),
//   p_alive, expected_purchases_30d, expected_purchases_90d, expected_purchases_365d,
//   churn_risk, value_at_risk_minor, segment: {key, name}, clv_tier: {key, name}}.
// Money: integer minor units of `currency` (model outputs rounded to the nearest unit).
// Before the first calculation: lists are empty with fit_id, currency and as_of null.
// Bad parameters → 400 with the error envelope.
#pragma once

#include <string_view>

#include "http/router.h"
#include "service/clv_queries.h"

namespace clv::http {

inline constexpr std::string_view kCsvColumns =
    "id,external_id,source,email,orders,first_order_date,last_order_date,historical_clv_minor,"
    "predicted_clv_minor,predicted_clv_lower_minor,predicted_clv_upper_minor,p_alive,"
    "expected_purchases_30d,expected_purchases_90d,expected_purchases_365d,churn_risk,"
    "value_at_risk_minor,segment,clv_tier,currency,fit_id";

void RegisterClvRoutes(Router& router, service::ClvQueryService& queries);

}  // namespace clv::http
