// TanStack Query hooks over the API: one query key per resource, so a finished calculation
// can invalidate everything that reads scores at once (invalidateAnalytics).
import { keepPreviousData, useQuery, type QueryClient } from "@tanstack/react-query";
import { api, ApiError, withQuery } from "./client";
import type {
  ChurnPage,
  ClvCustomerDetail,
  ClvCustomerPage,
  CohortMetric,
  Cohorts,
  Forecast,
  Job,
  JobPage,
  ModelFits,
  OrderPage,
  Segments,
} from "./types";

export interface CustomerListParams {
  limit: number;
  cursor?: string | undefined;
  sort?: string | undefined;
  order?: "asc" | "desc" | undefined;
  segment?: string | undefined;
  churn_risk?: string | undefined;
  tier?: string | undefined;
}

export const keys = {
  analytics: ["clv"] as const,
  customers: (p: CustomerListParams) => ["clv", "customers", p] as const,
  customer: (id: number) => ["clv", "customer", id] as const,
  customerOrders: (id: number) => ["clv", "customer-orders", id] as const,
  segments: ["clv", "segments"] as const,
  churn: ["clv", "churn"] as const,
  cohorts: (metric: CohortMetric, period: string) => ["clv", "cohorts", metric, period] as const,
  forecast: (horizon: number) => ["clv", "forecast", horizon] as const,
  model: ["clv", "model"] as const,
  jobs: ["jobs"] as const,
  job: (id: number) => ["jobs", id] as const,
};

export function invalidateAnalytics(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: keys.analytics });
}

export function customersPath(p: CustomerListParams): string {
  return withQuery("/clv/customers", { ...p });
}

export function useClvCustomers(p: CustomerListParams) {
  return useQuery({
    queryKey: keys.customers(p),
    queryFn: ({ signal }) => api<ClvCustomerPage>(customersPath(p), { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useClvCustomer(id: number) {
  return useQuery({
    queryKey: keys.customer(id),
    queryFn: ({ signal }) => api<ClvCustomerDetail>(`/clv/customers/${id}`, { signal }),
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useCustomerOrders(id: number) {
  return useQuery({
    queryKey: keys.customerOrders(id),
    queryFn: ({ signal }) => api<OrderPage>(withQuery("/orders", { customer_id: id, limit: 200 }), { signal }),
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useSegments() {
  return useQuery({
    queryKey: keys.segments,
    queryFn: ({ signal }) => api<Segments>("/clv/segments", { signal }),
  });
}

export function useChurn(limit = 10) {
  return useQuery({
    queryKey: [...keys.churn, limit],
    queryFn: ({ signal }) => api<ChurnPage>(withQuery("/clv/churn", { limit }), { signal }),
  });
}

export function useCohorts(metric: CohortMetric, period = "month") {
  return useQuery({
    queryKey: keys.cohorts(metric, period),
    queryFn: ({ signal }) => api<Cohorts>(withQuery("/clv/cohorts", { metric, period }), { signal }),
    placeholderData: keepPreviousData,
  });
}

/** A 404 of the fit-based reads means "no calculation yet": null, not an error. */
async function orNullOn404<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function useForecast(horizon = 12) {
  return useQuery({
    queryKey: keys.forecast(horizon),
    queryFn: ({ signal }) => orNullOn404(api<Forecast>(withQuery("/clv/forecast", { horizon, period: "month" }), { signal })),
  });
}

/** The current fit and the list of fits; null before the first calculation. */
export function useModel() {
  return useQuery({
    queryKey: keys.model,
    queryFn: ({ signal }) => orNullOn404(api<ModelFits>("/clv/model", { signal })),
  });
}

/** One earlier fit (for deltas against the current one). */
export function useFit(id: number | undefined) {
  return useQuery({
    queryKey: [...keys.model, "fit", id],
    queryFn: ({ signal }) => api<ModelFits>(withQuery("/clv/model", { fit_id: id }), { signal }),
    enabled: id !== undefined,
    staleTime: Infinity,
  });
}

export function useJobs(limit = 10) {
  return useQuery({
    queryKey: [...keys.jobs, "list", limit],
    queryFn: ({ signal }) => api<JobPage>(withQuery("/jobs", { limit }), { signal }),
  });
}

/** Polls a job every second until it finishes. */
export function useJob(id: number | null) {
  return useQuery({
    queryKey: keys.job(id ?? 0),
    queryFn: ({ signal }) => api<Job>(`/jobs/${id}`, { signal }),
    enabled: id !== null,
    refetchInterval: (q) => {
      const s = q.state.data?.status;
      return s === "succeeded" || s === "failed" ? false : 1000;
    },
  });
}
