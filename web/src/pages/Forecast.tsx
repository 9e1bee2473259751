// Forecast and model: what revenue to expect (with its 80% band), how the same forecast did on
// the held-out last part of the history, the fitted parameters with their uncertainty, and the
// calibration chart — predicted vs actual holdout purchases by how often customers had bought —
// so a merchant can judge how far to trust the numbers.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useForecast, useModel } from "../api/queries";
import type { ModelFit } from "../api/types";
import { ForecastChart } from "../components/charts";
import { Badge, Card, Empty, NoCalculation, PageHeader, QueryView, Stat } from "../components/ui";
import { formatCount, formatDate, formatDateTime, formatNumber, formatPercent, modelName } from "../lib/format";

const num = (v: number | null | undefined) => formatNumber(v, { maximumSignificantDigits: 4 });

// Each model's full-period fit; when that was skipped (its calibration fit did not converge, so
// it could not be chosen) the calibration fit is shown instead, labelled, with the reason.
export function Parameters({ fit }: { fit: ModelFit }) {
  const models = fit.report?.models ?? [];
  const gg = fit.report?.gamma_gamma;
  const rows = [
    ...models.map((m) => ({ key: m.model, name: modelName(m.model), chosen: Boolean(m.chosen), stats: m.full ?? m.calibration, backtest: m.backtest?.metrics, skipped: m.full ? null : m.full_skipped ?? null })),
    ...(gg ? [{ key: "gamma_gamma", name: "Gamma-Gamma (spend)", chosen: fit.spend_model === "gamma_gamma", stats: gg, backtest: undefined, skipped: null }] : []),
  ];
  if (!rows.length) return <Empty title="No parameters recorded" />;
  return (
    <div className="space-y-4">
      {rows.map((r) => (
        <div key={r.key} className="rounded-lg border border-slate-200 p-3">
          <div className="mb-2 flex flex-wrap items-center gap-2">
            <h3 className="font-semibold">{r.name}</h3>
            {r.chosen && <Badge tone="indigo">in use</Badge>}
            {r.stats?.converged === false && <Badge tone="amber">not converged</Badge>}
            {r.skipped && <Badge tone="slate">full-period fit skipped</Badge>}
            <span className="text-xs text-slate-500">
              {r.skipped && "calibration fit · "}
              log-likelihood {num(r.stats?.log_likelihood)} · AIC {num(r.stats?.aic)}
              {r.backtest && ` · holdout MAE ${num(r.backtest.mae)}`}
            </span>
          </div>
          {r.skipped && <p className="mb-2 text-xs text-slate-600">{r.skipped}</p>}
          <div className="overflow-x-auto">
            <table className="w-full min-w-[420px] text-sm">
              <caption className="sr-only">{`${r.name} parameters`}</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="py-1 text-left">Parameter</th>
                  <th scope="col" className="py-1 text-right">Estimate</th>
                  <th scope="col" className="py-1 text-right">Std. error</th>
                  <th scope="col" className="py-1 text-right">95% interval</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(r.stats?.params ?? {}).map(([name, v]) => (
                  <tr key={name} className="border-t border-slate-100">
                    <th scope="row" className="py-1 text-left font-mono font-normal">{name}</th>
                    <td className="tabular py-1 text-right">{num(v)}</td>
                    <td className="tabular py-1 text-right">{num(r.stats?.standard_errors?.[name])}</td>
                    <td className="tabular py-1 text-right">
                      {r.stats?.ci_lower?.[name] != null ? `${num(r.stats.ci_lower[name])} – ${num(r.stats?.ci_upper?.[name])}` : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </div>
  );
}

function Calibration({ fit }: { fit: ModelFit }) {
  const chosen = fit.report?.models?.find((m) => m.chosen) ?? fit.report?.models?.[0];
  const buckets = chosen?.backtest?.buckets ?? [];
  if (!buckets.length) return <Empty title="No holdout backtest">The history was too short to hold out a period for checking.</Empty>;
  const data = buckets.map((b) => ({ name: `${b.frequency}${b.and_more ? "+" : ""}`, predicted: b.mean_predicted, actual: b.mean_actual, customers: b.customers }));
  const m = chosen?.backtest?.metrics;
  return (
    <>
      <div role="img" aria-label="Mean predicted and actual purchases in the holdout period, by number of repeat purchases in the calibration period" className="h-64">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 16, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="name" tick={{ fontSize: 11 }} label={{ value: "repeat purchases in calibration", position: "insideBottom", offset: -8, fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} width={40} />
            <Tooltip formatter={(v: unknown, n: unknown) => [num(Number(v)), String(n)]} />
            <Legend verticalAlign="top" wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="predicted" name="Predicted" fill="#4f46e5" isAnimationActive={false} />
            <Bar dataKey="actual" name="Actual" fill="#f59e0b" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      {m && (
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Stat label="Predicted purchases" value={num(m.total_predicted)} />
          <Stat label="Actual purchases" value={num(m.total_actual)} />
          <Stat label="MAE per customer" value={num(m.mae)} />
          <Stat label="Correlation" value={num(m.correlation)} />
        </dl>
      )}
    </>
  );
}

function ForecastCards() {
  const q = useForecast(12);
  return (
    <QueryView query={q} height="h-72">
      {(f) => {
        if (!f || !f.periods.length) return <NoCalculation />;
        const currency = f.currency ?? "USD";
        const check = f.holdout?.check;
        return (
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Forecast: next 12 months">
              <ForecastChart periods={f.periods} currency={currency} measure={f.has_revenue === false ? "purchases" : "revenue"} ariaLabel="Expected repeat revenue per month with an 80% band" />
            </Card>
            <Card title="Backtest on the holdout period">
              {f.holdout?.periods?.length ? (
                <>
                  <ForecastChart periods={f.holdout.periods} currency={currency} measure="purchases" ariaLabel="Expected and actual purchases per month over the holdout period" />
                  {check && (
                    <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
                      <Stat label="Expected" value={num(check.total_expected)} />
                      <Stat label="Actual" value={num(check.total_actual)} />
                      <Stat label="MAPE" value={formatPercent(check.mean_absolute_percentage_error)} />
                      <Stat label="In 80% band" value={formatPercent(check.band_coverage)} />
                    </dl>
                  )}
                </>
              ) : (
                <Empty title="No backtest">The history was too short to hold out a period.</Empty>
              )}
            </Card>
          </div>
        );
      }}
    </QueryView>
  );
}

export default function Forecast() {
  const model = useModel();
  return (
    <>
      <PageHeader title="Forecast & model" description="What to expect, and how well the model predicted the part of your history it did not see." />
      <ForecastCards />
      <QueryView query={model}>
        {(m) => {
          const fit = m?.fit;
          if (!fit) return null;
          const input = fit.report?.input;
          const history = m.versions;
          return (
            <div className="mt-4 grid gap-4 lg:grid-cols-2">
              <Card title="Calibration: predicted vs actual holdout purchases">
                <Calibration fit={fit} />
              </Card>
              <Card title="The current fit">
                <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-3">
                  <Stat label="Purchase model" value={modelName(fit.model ?? fit.report?.chosen_model)} />
                  <Stat label="Spend model" value={modelName(fit.spend_model)} />
                  <Stat label="As of" value={formatDate(fit.as_of)} />
                  <Stat label="Customers" value={formatCount(fit.customers ?? input?.customers)} />
                  <Stat label="Time unit" value={fit.period ?? "—"} />
                  <Stat label="Computed in" value={fit.report?.total_ms != null ? `${formatNumber(fit.report.total_ms / 1000, { maximumFractionDigits: 1 })} s` : "—"} />
                </dl>
                <Parameters fit={fit} />
              </Card>
              {history.length > 0 && (
                <Card title="Calculations" className="lg:col-span-2">
                  <ul className="divide-y divide-slate-100 text-sm">
                    {history.map((h) => (
                      <li key={h.id} className="flex flex-wrap justify-between gap-2 py-2">
                        <span>
                          Fit #{h.id} · {modelName(h.model)} {h.id === fit.id && <Badge tone="indigo">current</Badge>}
                        </span>
                        <span className="text-slate-500">
                          as of {formatDate(h.as_of)} · computed {formatDateTime(h.created_at)} · {formatCount(h.customers)} customers
                        </span>
                      </li>
                    ))}
                  </ul>
                </Card>
              )}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
