// Chart pieces shared by pages (Recharts). Kept out of the shell so Recharts loads with the
// first page that draws a chart, not with sign-in.
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatMoney, formatNumber } from "../lib/format";
import { periodLabel, type ForecastChartProps } from "./chartTypes";

export { periodLabel, type ForecastChartProps };

export const CHART_COLORS = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b", "#ec4899", "#84cc16"];

export function ForecastChart({ periods, currency, measure, height = 280, ariaLabel }: ForecastChartProps) {
  const data = periods.map((p, i) => ({
    label: periodLabel(p, i),
    expected: measure === "revenue" ? p.expected_revenue_minor ?? null : p.expected_purchases ?? null,
    band:
      measure === "revenue"
        ? [p.revenue_lower_minor ?? null, p.revenue_upper_minor ?? null]
        : [p.purchases_lower ?? null, p.purchases_upper ?? null],
    actual: p.actual_purchases ?? null,
  }));
  const fmt = (v: number) => (measure === "revenue" ? formatMoney(v, currency, { compact: true }) : formatNumber(v, { notation: "compact" }));
  const hasActual = data.some((d) => d.actual !== null);
  return (
    <div role="img" aria-label={ariaLabel} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={12} />
          <YAxis tickFormatter={fmt} tick={{ fontSize: 11 }} width={64} />
          <Tooltip
            formatter={(value: unknown, name: unknown) => {
              if (Array.isArray(value)) return [`${fmt(Number(value[0]))} – ${fmt(Number(value[1]))}`, "80% band"];
              return [fmt(Number(value)), String(name)];
            }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area type="monotone" dataKey="band" name="80% band" stroke="none" fill="#c7d2fe" fillOpacity={0.7} isAnimationActive={false} />
          <Line type="monotone" dataKey="expected" name="Expected" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
          {hasActual && <Line type="monotone" dataKey="actual" name="Actual" stroke="#f59e0b" strokeWidth={2} dot isAnimationActive={false} />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
