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

/** The fit a read answers from (null before the first calculation). */
export interface FitRef {
  id: number;
  model?: string;
  as_of?: string;
  created_at?: string;
  currency?: string;
  period?: string;
}

export interface ClvCustomer {
  customer_id: number;
  external_id?: string;
  email?: string | null;
  orders?: number;
  historical_clv_minor?: number;
  predicted_clv_minor?: number;
  clv_lower_minor?: number | null;
  clv_upper_minor?: number | null;
  p_alive?: number;
  expected_purchases?: number;
  expected_purchases_365d?: number;
  value_at_risk_minor?: number;
  segment?: string;
  segment_name?: string;
  clv_tier?: string;
  churn_risk?: string;
  first_order?: string | null;
  last_order?: string | null;
  expected_next_order?: string | null;
}

export interface ClvCustomerPage {
  currency?: string;
  fit?: FitRef | null;
  items: ClvCustomer[];
  next_cursor: string | null;
}

export interface PAlivePoint {
  day: string;
  p_alive: number;
  order?: boolean;
}

export interface ClvCustomerDetail extends ClvCustomer {
  currency?: string;
  fit?: FitRef | null;
  customer?: Partial<Customer>;
  net_revenue_minor?: number;
  refunded_minor?: number;
  purchases?: number;
  expected_purchases_30d?: number;
  expected_purchases_90d?: number;
  expected_spend_minor?: number;
  rfm?: { recency?: number; frequency?: number; monetary?: number };
  score?: (Partial<ClvCustomer> & Record<string, unknown>) | null;
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

export interface Segments {
  currency?: string;
  fit?: FitRef | null;
  total_customers?: number;
  segments: GroupRow[];
  clv_tiers?: GroupRow[];
}

export interface ChurnPage extends ClvCustomerPage {
  bands?: GroupRow[];
}

export type CohortMetric = "retention" | "revenue" | "ltv" | "customers";

export interface CohortRow {
  cohort?: string;
  start?: string;
  start_day?: string;
  customers: number;
  values: (number | null)[];
}

export interface Cohorts {
  period?: string;
  metric?: CohortMetric;
  currency?: string;
  as_of?: string;
  num_periods?: number;
  cohorts: CohortRow[];
  overall?: (number | null)[];
  total_customers?: number;
  total_orders?: number;
  total_revenue_minor?: number;
}

export interface ForecastPeriod {
  period: number | string;
  start?: string;
  date?: string;
  expected_purchases?: number;
  purchases_lower?: number;
  purchases_upper?: number;
  expected_revenue_minor?: number;
  revenue_lower_minor?: number;
  revenue_upper_minor?: number;
  actual_purchases?: number;
}

export interface Forecast {
  currency?: string;
  fit?: FitRef | null;
  period?: string;
  has_revenue?: boolean;
  periods: ForecastPeriod[];
  backtest?: {
    start_day?: string | number;
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
    full?: FitStats;
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

export interface ModelFit {
  id: number;
  job_id?: number | null;
  created_at?: string;
  as_of?: string;
  currency?: string;
  model?: string;
  spend_model?: string;
  period?: string;
  horizon_periods?: number;
  clv_months?: number;
  discount_rate_monthly?: number;
  margin?: number;
  customers?: number;
  report?: ModelReport;
}

export interface ModelFits {
  current?: ModelFit | null;
  items?: ModelFit[];
  fits?: ModelFit[];
  next_cursor?: string | null;
}
