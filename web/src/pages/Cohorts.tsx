// Cohorts: customers grouped by the month (week, quarter) of their first order; each cell is the
// metric k periods later. A heatmap for the chosen metric and the cumulative LTV curves of the
// most recent cohorts against the all-cohort average.
import { useState } from "react";
import * as Tabs from "@radix-ui/react-tabs";
import * as Label from "@radix-ui/react-label";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useCohorts } from "../api/queries";
import type { CohortMetric, Cohorts as CohortData, CohortRow } from "../api/types";
import { CHART_COLORS } from "../components/charts";
import { Card, Empty, PageHeader, QueryView } from "../components/ui";
import { formatCount, formatDate, formatMoney, formatPercent } from "../lib/format";

const METRICS: { value: CohortMetric; label: string }[] = [
  { value: "retention", label: "Retention" },
  { value: "revenue", label: "Revenue" },
  { value: "ltv", label: "LTV" },
  { value: "customers", label: "Active customers" },
];

export function cohortLabel(row: CohortRow, period: string | undefined): string {
  const d = row.start_date;
  if (!d) return row.label ?? "—";
  if (period === "week") return formatDate(d, { year: "numeric", month: "short", day: "numeric" });
  return formatDate(d, { year: "numeric", month: "short" });
}

export function formatCell(v: number | null | undefined, metric: CohortMetric, currency: string): string {
  if (v === null || v === undefined) return "";
  if (metric === "retention") return formatPercent(v, 0);
  if (metric === "customers") return formatCount(v);
  return formatMoney(v, currency, { compact: true });
}

/**
 * Cell colours: white → indigo-900 by value relative to the matrix's max, and whichever text
 * colour (white or black) contrasts more with the blended background — that one always
 * reaches WCAG AA's 4.5:1 (at worst 4.58:1; a dark grey instead of black would not).
 */
export function cellColors(v: number | null | undefined, max: number): { background: string; color: string } {
  if (v === null || v === undefined || max <= 0) return { background: "transparent", color: "#0f172a" };
  const t = Math.max(0, Math.min(1, v / max));
  const a = 0.04 + 0.96 * t;
  const rgb = [49, 46, 129].map((c) => Math.round(c * a + 255 * (1 - a)));
  const lin = (c: number) => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin(rgb[0]!) + 0.7152 * lin(rgb[1]!) + 0.0722 * lin(rgb[2]!);
  const withWhite = 1.05 / (lum + 0.05);
  const withBlack = (lum + 0.05) / 0.05;
  return { background: `rgb(${rgb.join(",")})`, color: withWhite >= withBlack ? "#ffffff" : "#000000" };
}

export function Heatmap({ data, metric }: { data: CohortData; metric: CohortMetric }) {
  const currency = data.currency || "USD";
  const periods = data.num_periods ?? Math.max(0, ...data.cohorts.map((c) => c.values.length));
  // Period 0 of retention is 100% by definition; scale colours on the rest.
  const values = data.cohorts.flatMap((c) => c.values.slice(metric === "retention" ? 1 : 0)).filter((v): v is number => typeof v === "number");
  const max = values.length ? Math.max(...values) : 1;
  const cols = Array.from({ length: periods }, (_, k) => k);
  return (
    <div className="overflow-x-auto" tabIndex={0} aria-label="Cohort heatmap, scrollable">
      <table className="border-separate border-spacing-0.5 text-xs">
        <caption className="sr-only">{`${METRICS.find((m) => m.value === metric)?.label} by acquisition cohort and periods since first order`}</caption>
        <thead>
          <tr>
            <th scope="col" className="sticky left-0 bg-white px-2 py-1 text-left font-medium text-slate-600">Cohort</th>
            <th scope="col" className="px-2 py-1 text-right font-medium text-slate-600">Customers</th>
            {cols.map((k) => (
              <th key={k} scope="col" className="px-1 py-1 text-center font-medium text-slate-600">{k}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.cohorts.map((row, i) => (
            <tr key={i}>
              <th scope="row" className="sticky left-0 whitespace-nowrap bg-white px-2 py-1 text-left font-medium">{cohortLabel(row, data.period)}</th>
              <td className="tabular px-2 py-1 text-right">{formatCount(row.customers)}</td>
              {cols.map((k) => {
                const v = row.values[k];
                return (
                  <td key={k} className="tabular min-w-[3.25rem] rounded px-1 py-1 text-center" style={cellColors(v, max)}>
                    {formatCell(v, metric, currency)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LtvCurves({ period }: { period: string }) {
  const q = useCohorts("ltv", period);
  return (
    <QueryView query={q}>
      {(d) => {
        const currency = d.currency || "USD";
        const recent = d.cohorts.slice(-6);
        const n = d.num_periods ?? Math.max(0, ...d.cohorts.map((c) => c.values.length));
        if (!recent.length) return <Empty title="No cohorts yet" />;
        const rows = Array.from({ length: n }, (_, k) => {
          const row: Record<string, number | null> = { k, average: d.overall?.[k] ?? null };
          recent.forEach((c, i) => (row[`c${i}`] = c.values[k] ?? null));
          return row;
        });
        return (
          <div role="img" aria-label="Cumulative revenue per customer by periods since first order, for the latest cohorts and the average" className="h-72">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey="k" tick={{ fontSize: 11 }} label={{ value: `${period}s since first order`, position: "insideBottom", offset: -2, fontSize: 11 }} height={36} />
                <YAxis tickFormatter={(v: number) => formatMoney(v, currency, { compact: true })} tick={{ fontSize: 11 }} width={60} />
                <Tooltip formatter={(v: unknown, name: unknown) => [formatMoney(Number(v), currency), String(name)]} />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                {recent.map((c, i) => (
                  <Line key={i} dataKey={`c${i}`} name={cohortLabel(c, d.period)} stroke={CHART_COLORS[(i + 1) % CHART_COLORS.length]} dot={false} strokeWidth={1.5} connectNulls={false} isAnimationActive={false} />
                ))}
                {d.overall && <Line dataKey="average" name="All cohorts" stroke="#0f172a" strokeWidth={2.5} strokeDasharray="5 3" dot={false} isAnimationActive={false} />}
              </LineChart>
            </ResponsiveContainer>
          </div>
        );
      }}
    </QueryView>
  );
}

export default function Cohorts() {
  const [metric, setMetric] = useState<CohortMetric>("retention");
  const [period, setPeriod] = useState("month");
  const q = useCohorts(metric, period);
  return (
    <>
      <PageHeader
        title="Cohorts"
        description="Customers grouped by when they first bought, followed period by period."
        actions={
          <div className="flex items-center gap-2">
            <Label.Root htmlFor="cohort-period" className="text-sm text-slate-600">Period</Label.Root>
            <select id="cohort-period" value={period} onChange={(e) => setPeriod(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
              <option value="week">Week</option>
              <option value="month">Month</option>
              <option value="quarter">Quarter</option>
            </select>
          </div>
        }
      />
      <Card>
        <Tabs.Root value={metric} onValueChange={(v) => setMetric(v as CohortMetric)}>
          <Tabs.List aria-label="Cohort metric" className="mb-3 flex flex-wrap gap-1 border-b border-slate-200">
            {METRICS.map((m) => (
              <Tabs.Trigger key={m.value} value={m.value} className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium text-slate-600 data-[state=active]:border-indigo-600 data-[state=active]:text-indigo-700">
                {m.label}
              </Tabs.Trigger>
            ))}
          </Tabs.List>
          {METRICS.map((m) => (
            <Tabs.Content key={m.value} value={m.value}>
              {m.value === metric && (
                <QueryView query={q} height="h-80">
                  {(d) => (d.cohorts.length === 0 ? <Empty title="No orders yet">Import orders on the Data page to see cohorts.</Empty> : <Heatmap data={d} metric={metric} />)}
                </QueryView>
              )}
            </Tabs.Content>
          ))}
        </Tabs.Root>
      </Card>
      <Card title="LTV curves" className="mt-4">
        <LtvCurves period={period} />
      </Card>
    </>
  );
}
