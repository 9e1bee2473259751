// What the forecast charts share, without importing a charting library (the overview's light
// chart and the Recharts one both use it).
import type { ForecastPeriod } from "../api/types";
import { formatMonth } from "../lib/format";

/** The label of a forecast period: its start date when the API gives one, else "M+n". */
export function periodLabel(p: ForecastPeriod, index: number): string {
  return p.start_day ? formatMonth(p.start_day) : `M+${p.period ?? index + 1}`;
}

export interface ForecastChartProps {
  periods: ForecastPeriod[];
  currency: string;
  /** "revenue" (money, needs expected_revenue_minor) or "purchases". */
  measure: "revenue" | "purchases";
  height?: number;
  ariaLabel: string;
}
