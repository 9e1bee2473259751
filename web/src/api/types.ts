// Response shapes the dashboard reads. Everything that api/openapi.json describes in full comes
// from the generated schema (src/api/schema.d.ts, `npm run gen:api`); the analytics responses
// whose schemas are still open objects there are narrowed here to the fields the pages use,
// following issue 4 and service/clv_queries.h / service/fit_report.h. Fields are optional where
// the server may omit them, and every page renders a missing value as "—".
import type { components } from "./schema";

type S = components["schemas"];

export type Job = S["Job"];
export type JobPage = S["JobPage"];
export type JobAccepted = S["JobAccepted"];
export type ImportCounts = S["ImportCounts"];
export type Order = S["Order"];
export type OrderPage = S["OrderPage"];
export type Customer = S["Customer"];
export type CustomerPage = S["CustomerPage"];
export type CalculateRequest = S["CalculateRequest"];
export type Role = S["Role"];

/** fit_id, currency and as_of of the current fit: null before the first calculation. */
export interface FitFields {
  fit_id?: number | null;
  currency?: string | null;
  as_of?: string | null;
}

export interface KeyName {
  key: string;
  name: string;
}

export interface ClvCustomer {
  id: number;
  external_id?: string;
  source?: string;
  email?: string | null;
  orders?: number;
  first_order_date?: string | null;
  last_order_date?: string | null;
  historical_clv_minor?: number;
  predicted_clv_minor?: number;
  predicted_clv_interval?: { level?: number; lower_minor: number | null; upper_minor: number | null };
  p_alive?: number;
  expected_purchases_30d?: number;
  expected_purchases_90d?: number;
  expected_purchases_365d?: number;
  churn_risk?: string;
  value_at_risk_minor?: number;
  segment?: KeyName;
  clv_tier?: KeyName;
}

export interface ClvCustomerPage extends FitFields {
  items: ClvCustomer[];
  next_cursor: string | null;
}

export interface PAlivePoint {
  date: string;
  p_alive: number;
  order?: boolean;
}

export interface CustomerScore extends Omit<ClvCustomer, "id" | "external_id" | "source" | "email"> {
  expected_spend_minor?: number;
  predicted_clv_months?: number;
  rfm?: { recency?: number; frequency?: number; monetary?: number };
  expected_next_order_date?: string | null;
  time_unit?: string | null;
}

export interface ClvCustomerDetail extends FitFields {
  id: number;
  external_id?: string;
  email?: string | null;
  order_summary?: {
    purchases?: number;
    net_revenue_minor?: number;
    refunded_minor?: number;
    first_order_date?: string | null;
    last_order_date?: string | null;
  };
  score: CustomerScore | null;
  p_alive_history?: PAlivePoint[];
}

export interface GroupRow {
  key: string;
  name?: string;
  customers: number;
  historical_clv_minor?: number;
  predicted_clv_minor?: number;
  average_predicted_clv_minor?: number;
  value_at_risk_minor?: number;
}

export interface Segments extends FitFields {
  total_customers?: number;
  segments: GroupRow[];
  clv_tiers?: GroupRow[];
}

export interface ChurnPage extends ClvCustomerPage {
  bands?: GroupRow[];
}

export type CohortMetric = "retention" | "revenue" | "ltv" | "customers";

export interface CohortRow {
  label?: string;
  start_date?: string;
  customers: number;
  values: (number | null)[];
}

export interface Cohorts {
  period?: string;
  metric?: CohortMetric;
  currency?: string | null;
  as_of?: string;
  num_periods?: number;
  cohorts: CohortRow[];
  overall?: (number | null)[];
  totals?: { customers?: number; orders?: number; revenue_minor?: number };
}

export interface ForecastPeriod {
  period: number;
  start_day?: string;
  end_day?: string;
  expected_purchases?: number;
  purchases_lower?: number;
  purchases_upper?: number;
  expected_revenue_minor?: number;
  revenue_lower_minor?: number;
  revenue_upper_minor?: number;
  actual_purchases?: number;
}

export interface Forecast {
  fit_id?: number;
  currency?: string;
  period?: string;
  start_day?: string;
  has_revenue?: boolean;
  periods: ForecastPeriod[];
  holdout?: {
    start_day?: string;
    periods: ForecastPeriod[];
    check?: {
      total_expected?: number;
      total_actual?: number;
      mean_absolute_error?: number;
      mean_absolute_percentage_error?: number | null;
      band_coverage?: number | null;
    };
  } | null;
}

export interface FitStats {
  params?: Record<string, number | null>;
  standard_errors?: Record<string, number | null>;
  ci_lower?: Record<string, number | null>;
  ci_upper?: Record<string, number | null>;
  log_likelihood?: number | null;
  converged?: boolean;
  message?: string;
  aic?: number | null;
  bic?: number | null;
  iterations?: number;
  wall_ms?: number;
}

export interface BacktestBucket {
  frequency: number;
  and_more?: boolean;
  customers: number;
  mean_predicted: number | null;
  mean_actual: number | null;
}

export interface ModelReport {
  input?: {
    customers?: number;
    repeat_customers?: number;
    purchases?: number;
    net_revenue_minor?: number;
    orders?: number;
    refunds?: number;
    as_of_day?: string | number;
    first_purchase_day?: string | number;
    calibration_end_day?: string | number;
    holdout_periods?: number;
  };
  chosen_model?: string;
  spend_model?: string;
  models?: {
    model: string;
    param_names?: string[];
    candidate?: boolean;
    chosen?: boolean;
    calibration?: FitStats;
    /** null when the full-period fit was skipped (its calibration fit did not converge). */
    full?: FitStats | null;
    /** Why the full-period fit was not run; null or absent when it was. */
    full_skipped?: string | null;
    backtest?: {
      metrics?: { customers?: number; total_predicted?: number; total_actual?: number; mae?: number; rmse?: number; correlation?: number | null };
      buckets?: BacktestBucket[];
    } | null;
  }[];
  gamma_gamma?: (FitStats & { customers_used?: number }) | null;
  churn?: {
    low?: number;
    medium?: number;
    high?: number;
    value_at_risk_minor?: number;
    expected_alive?: number;
    one_time_buyers?: number;
  };
  predicted_clv_total_minor?: number;
  total_ms?: number;
}

export interface FitVersion {
  id: number;
  created_at?: string;
  as_of?: string;
  model?: string;
  customers?: number;
  job_id?: number | null;
}

export interface ModelFit extends FitVersion {
  currency?: string;
  spend_model?: string;
  period?: string;
  horizon_periods?: number;
  clv_months?: number;
  discount_rate?: number;
  margin?: number;
  report?: ModelReport;
}

/** GET /clv/model: the current fit and the list of fits (newest first). 404 before the first. */
export interface ModelFits {
  fit: ModelFit;
  versions: FitVersion[];
}
