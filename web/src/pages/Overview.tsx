// Overview: KPI cards from the current model fit (deltas against the previous fit), the revenue
// forecast with its 80% band, how predicted CLV is spread over the value tiers, and the top
// customers by predicted CLV. Its charts are the light SVG/HTML ones (components/lightCharts):
// no charting library on the landing page.
import { Link } from "react-router";
import { useClvCustomers, useFit, useForecast, useModel, useSegments } from "../api/queries";
import type { ModelFit } from "../api/types";
import { BandChart, ShareBars } from "../components/lightCharts";
import { Card, ErrorState, Loading, NoCalculation, PageHeader, QueryView } from "../components/ui";
import { cx } from "../components/ui";
import { formatCount, formatDate, formatDelta, formatMoney, formatPercent, humanizeKey, modelName, relativeDelta } from "../lib/format";

export interface Kpi {
  label: string;
  value: string;
  delta: number | null;
  /** true when a rise is bad news (customers at risk, value at risk). */
  invert?: boolean;
  hint?: string;
}

function kpiValues(fit: ModelFit) {
  const r = fit.report ?? {};
  const customers = r.input?.customers ?? fit.customers ?? 0;
  const revenue = r.input?.net_revenue_minor ?? 0;
  const predicted = r.predicted_clv_total_minor ?? 0;
  return {
    customers,
    revenue,
    historical: customers ? revenue / customers : 0,
    predicted: customers ? predicted / customers : 0,
    predictedTotal: predicted,
    repeat: customers ? (r.input?.repeat_customers ?? 0) / customers : 0,
    atRisk: r.churn?.high ?? 0,
    valueAtRisk: r.churn?.value_at_risk_minor ?? 0,
  };
}

/** The KPI cards of a fit, with deltas against the fit before it (when there is one). */
export function buildKpis(current: ModelFit, previous: ModelFit | undefined): Kpi[] {
  const c = kpiValues(current);
  const p = previous ? kpiValues(previous) : null;
  const cur = current.currency ?? "USD";
  const m = (v: number) => formatMoney(v, cur, { compact: true });
  return [
    { label: "Customers", value: formatCount(c.customers), delta: relativeDelta(c.customers, p?.customers) },
    { label: "Revenue", value: m(c.revenue), delta: relativeDelta(c.revenue, p?.revenue), hint: "net of refunds" },
    { label: "Avg historical CLV", value: formatMoney(c.historical, cur), delta: relativeDelta(c.historical, p?.historical) },
    { label: "Avg predicted CLV", value: formatMoney(c.predicted, cur), delta: relativeDelta(c.predicted, p?.predicted), hint: `${m(c.predictedTotal)} in total, ${current.clv_months ?? 12} months` },
    { label: "Repeat rate", value: formatPercent(c.repeat), delta: relativeDelta(c.repeat, p?.repeat) },
    { label: "Customers at risk", value: formatCount(c.atRisk), delta: relativeDelta(c.atRisk, p?.atRisk), invert: true, hint: "high churn risk" },
    { label: "Value at risk", value: m(c.valueAtRisk), delta: relativeDelta(c.valueAtRisk, p?.valueAtRisk), invert: true, hint: "predicted CLV × P(churned)" },
  ];
}

export function KpiCard({ kpi }: { kpi: Kpi }) {
  const good = kpi.delta !== null && (kpi.invert ? kpi.delta < 0 : kpi.delta > 0);
  const bad = kpi.delta !== null && (kpi.invert ? kpi.delta > 0 : kpi.delta < 0);
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{kpi.label}</p>
      <p className="tabular mt-1 text-2xl font-semibold text-slate-900" data-testid={`kpi-${kpi.label}`}>
        {kpi.value}
      </p>
      <p className="mt-1 flex flex-wrap gap-x-2 text-xs text-slate-500">
        {kpi.delta !== null && kpi.delta !== 0 && (
          <span className={cx("font-medium", good && "text-emerald-700", bad && "text-rose-700")} aria-label={`change since the previous calculation: ${formatDelta(kpi.delta)}`}>
            {formatDelta(kpi.delta)}
          </span>
        )}
        {kpi.hint && <span>{kpi.hint}</span>}
      </p>
    </div>
  );
}

function ClvDistribution() {
  const q = useSegments();
  return (
    <Card title="Where predicted CLV sits">
      <QueryView query={q}>
        {(s) => {
          const tiers = s.clv_tiers ?? [];
          if (!tiers.length || !s.total_customers) return <NoCalculation />;
          const currency = s.currency ?? "USD";
          const total = tiers.reduce((a, t) => a + (t.predicted_clv_minor ?? 0), 0) || 1;
          const bars = tiers.map((t) => ({
            name: t.name ?? humanizeKey(t.key),
            share: (t.predicted_clv_minor ?? 0) / total,
            detail: `${formatMoney(t.predicted_clv_minor ?? 0, currency, { compact: true })} · ${formatCount(t.customers)} customers`,
          }));
          return <ShareBars bars={bars} ariaLabel="Share of predicted CLV by customer tier" />;
        }}
      </QueryView>
    </Card>
  );
}

function TopCustomers() {
  const q = useClvCustomers({ limit: 10, sort: "predicted_clv", order: "desc" });
  return (
    <Card title="Top customers by predicted CLV" actions={<Link to="/customers" className="text-sm text-indigo-700 underline">All customers</Link>}>
      <QueryView query={q}>
        {(page) =>
          page.items.length === 0 ? (
            <NoCalculation />
          ) : (
            <ol className="divide-y divide-slate-100">
              {page.items.map((c, i) => (
                <li key={c.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                  <Link className="min-w-0 truncate text-indigo-700 hover:underline" to={`/customers/${c.id}`}>
                    <span className="mr-2 text-slate-500">{i + 1}.</span>
                    {c.external_id ?? `#${c.id}`}
                  </Link>
                  <span className="tabular shrink-0 font-medium">{formatMoney(c.predicted_clv_minor, page.currency)}</span>
                </li>
              ))}
            </ol>
          )
        }
      </QueryView>
    </Card>
  );
}

function RevenueForecast() {
  const q = useForecast(12);
  return (
    <Card title="Expected repeat revenue, next 12 months">
      <QueryView query={q}>
        {(f) =>
          !f || f.periods.length === 0 ? (
            <NoCalculation />
          ) : (
            <BandChart periods={f.periods} currency={f.currency ?? "USD"} measure={f.has_revenue === false ? "purchases" : "revenue"} ariaLabel="Revenue forecast for the next 12 months with an 80% band" />
          )
        }
      </QueryView>
    </Card>
  );
}

export default function Overview() {
  const model = useModel();
  const current = model.data?.fit;
  const previousId = model.data?.versions.find((v) => v.id < (current?.id ?? 0))?.id;
  const previous = useFit(previousId).data?.fit;
  return (
    <>
      <PageHeader
        title="Overview"
        description={current ? `As of ${formatDate(current.as_of)} · ${modelName(current.model)} model · ${formatCount(current.customers)} customers` : "What your customers are worth, today and tomorrow."}
      />
      {model.isPending ? (
        <Loading label="Loading KPIs" height="h-28" />
      ) : model.error ? (
        <ErrorState error={model.error} retry={() => void model.refetch()} />
      ) : !current ? (
        <NoCalculation />
      ) : (
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7" aria-label="Key figures">
          {buildKpis(current, previous).map((k) => (
            <KpiCard key={k.label} kpi={k} />
          ))}
        </div>
      )}
      {/* Mounted while the fit is still loading too: their requests then go out in parallel with
          /clv/model instead of after it (one round trip less before the page is complete). */}
      {(model.isPending || current) && (
        <div className="mt-4 grid gap-4 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <RevenueForecast />
          </div>
          <TopCustomers />
          <div className="lg:col-span-3">
            <ClvDistribution />
          </div>
        </div>
      )}
    </>
  );
}
