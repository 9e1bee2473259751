// One customer: what they are worth (historical, predicted with its 80% interval), how likely
// they are to still be a customer and how that evolved with each order, when the next order is
// expected, and their order history.
import { Link, useParams } from "react-router";
import { CartesianGrid, ComposedChart, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";
import { ApiError } from "../api/client";
import { useClvCustomer, useCustomerOrders } from "../api/queries";
import type { ClvCustomerDetail, Order } from "../api/types";
import { Badge, Card, Empty, ErrorState, Loading, PageHeader, QueryView, Stat, riskTone } from "../components/ui";
import { formatDate, formatMoney, formatNumber, formatPercent, humanizeKey, parseApiDate } from "../lib/format";

export interface PAlivePoint {
  t: number;
  p: number;
  order: boolean;
}

/**
 * At most about `max` points of a time-ordered P(alive) history, for a chart a few hundred pixels
 * wide: per bucket of consecutive points its first, lowest, highest and last (so every drop and
 * every decay still shows); an order point is kept as an order when its bucket has one. A heavy
 * buyer's history has a point per order (thousands), and Recharts draws each marker as its own
 * component: unthinned, a 4,800-order customer blocked the page for ~10 s.
 */
export function thinHistory(points: PAlivePoint[], max = 400): PAlivePoint[] {
  if (points.length <= max) return points;
  const buckets = Math.max(1, Math.floor(max / 4));
  const size = Math.ceil(points.length / buckets);
  const out: PAlivePoint[] = [];
  for (let start = 0; start < points.length; start += size) {
    const chunk = points.slice(start, start + size);
    let lo = chunk[0]!;
    let hi = chunk[0]!;
    for (const q of chunk) {
      if (q.p < lo.p) lo = q;
      if (q.p > hi.p) hi = q;
    }
    const keep = new Set([chunk[0]!, lo, hi, chunk[chunk.length - 1]!]);
    const ordered = chunk.filter((q) => keep.has(q));
    const anyOrder = chunk.some((q) => q.order);
    if (anyOrder && !ordered.some((q) => q.order)) ordered[0] = { ...ordered[0]!, order: true };
    out.push(...ordered);
  }
  return out;
}

function PAliveChart({ detail }: { detail: ClvCustomerDetail }) {
  const all = (detail.p_alive_history ?? [])
    .map((p) => ({ t: parseApiDate(p.date)?.getTime() ?? NaN, p: p.p_alive, order: Boolean(p.order) }))
    .filter((p) => Number.isFinite(p.t));
  if (all.length === 0) return <Empty title="No P(alive) history">It appears after the customer is scored by a calculation.</Empty>;
  const points = thinHistory(all);
  // One series for the order markers (not a ReferenceDot each), at most one per day.
  const orders = points.filter((p, i) => p.order && (i === 0 || points[i - 1]!.t !== p.t));
  return (
    <div role="img" aria-label="Probability that the customer is still active, over time" className="h-56">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => formatDate(new Date(t), { year: "2-digit", month: "short" })} tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} tick={{ fontSize: 11 }} width={44} />
          <Tooltip labelFormatter={(t: unknown) => formatDate(new Date(Number(t)))} formatter={(v: unknown) => [formatPercent(Number(v)), "P(alive)"]} />
          <Line type="stepAfter" dataKey="p" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Scatter data={orders} dataKey="p" fill="#f59e0b" shape="circle" isAnimationActive={false} legendType="none" tooltipType="none" />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

function OrderTimeline({ id }: { id: number }) {
  const q = useCustomerOrders(id);
  return (
    <QueryView query={q}>
      {(page) =>
        page.items.length === 0 ? (
          <Empty title="No orders" />
        ) : (
          <ol className="relative space-y-3 border-l border-slate-200 pl-4" aria-label="Orders, newest first">
            {page.items.map((o: Order) => (
              <li key={o.id} className="relative">
                <span aria-hidden className={`absolute -left-[21px] top-1.5 h-2.5 w-2.5 rounded-full ${o.kind === "refund" ? "bg-rose-500" : o.status === "cancelled" ? "bg-slate-400" : "bg-indigo-600"}`} />
                <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                  <span>
                    <span className="font-medium">{formatDate(o.placed_at)}</span>
                    <span className="ml-2 text-slate-500">#{o.external_id}</span>
                    {o.kind === "refund" && <Badge tone="rose">refund</Badge>}
                    {o.status !== "paid" && o.kind !== "refund" && <span className="ml-2"><Badge>{o.status.replace("_", " ")}</Badge></span>}
                  </span>
                  <span className="tabular font-medium">{formatMoney(o.kind === "refund" ? -o.total.minor : o.total.minor, o.total.currency)}</span>
                </div>
              </li>
            ))}
          </ol>
        )
      }
    </QueryView>
  );
}

export default function CustomerDetail() {
  const { id: raw } = useParams();
  const id = Number(raw);
  const q = useClvCustomer(id);
  if (!Number.isInteger(id) || id <= 0) return <ErrorState error={new Error("There is no such customer.")} />;
  if (q.isPending) return <Loading label="Loading customer" height="h-96" />;
  if (q.error) {
    if (q.error instanceof ApiError && q.error.status === 404)
      return (
        <Empty title="Customer not found">
          <Link className="text-indigo-700 underline" to="/customers">Back to customers</Link>
        </Empty>
      );
    return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  }
  const d = q.data;
  const currency = d.currency ?? "USD";
  const s = d.score;
  const o = d.order_summary ?? {};
  const name = d.external_id ?? `#${id}`;
  const lower = s?.predicted_clv_interval?.lower_minor;
  const upper = s?.predicted_clv_interval?.upper_minor;
  return (
    <>
      <PageHeader
        title={`Customer ${name}`}
        description={
          <>
            {d.email ?? ""} {s?.segment && <Badge tone="indigo">{s.segment.name || humanizeKey(s.segment.key)}</Badge>}{" "}
            {s?.churn_risk && <Badge tone={riskTone(s.churn_risk)}>{s.churn_risk} churn risk</Badge>}
          </>
        }
        actions={<Link className="text-sm text-indigo-700 underline" to="/customers">All customers</Link>}
      />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Lifetime value" className="lg:col-span-1">
          {!s ? (
            <>
              <Empty title="Not scored yet">Run a calculation to score this customer.</Empty>
              <dl className="mt-4 grid grid-cols-2 gap-4">
                <Stat label="Revenue to date" value={formatMoney(o.net_revenue_minor, currency)} />
                <Stat label="Purchases" value={formatNumber(o.purchases, { maximumFractionDigits: 0 })} />
              </dl>
            </>
          ) : (
            <dl className="grid grid-cols-2 gap-4">
              <Stat label="Historical CLV" value={formatMoney(s.historical_clv_minor ?? o.net_revenue_minor, currency)} hint={o.refunded_minor ? `after ${formatMoney(o.refunded_minor, currency)} refunded` : undefined} />
              <Stat
                label={`Predicted CLV (${s.predicted_clv_months ?? 12} months)`}
                value={formatMoney(s.predicted_clv_minor, currency)}
                hint={lower != null && upper != null ? `80% interval ${formatMoney(lower, currency)} – ${formatMoney(upper, currency)}` : undefined}
              />
              <Stat label="P(alive)" value={formatPercent(s.p_alive)} />
              <Stat label="Expected next order" value={formatDate(s.expected_next_order_date)} />
              <Stat label="Purchases" value={formatNumber(o.purchases ?? s.orders, { maximumFractionDigits: 0 })} />
              <Stat label="Value at risk" value={formatMoney(s.value_at_risk_minor, currency)} />
              <Stat label="Exp. purchases 30 / 90 / 365 d" value={[s.expected_purchases_30d, s.expected_purchases_90d, s.expected_purchases_365d].map((v) => formatNumber(v, { maximumFractionDigits: 2 })).join(" / ")} />
              <Stat label="First / last order" value={`${formatDate(o.first_order_date ?? s.first_order_date)} – ${formatDate(o.last_order_date ?? s.last_order_date)}`} />
              {s.rfm && <Stat label="RFM scores" value={`R${s.rfm.recency} F${s.rfm.frequency} M${s.rfm.monetary}`} />}
              <Stat label="Expected spend per order" value={formatMoney(s.expected_spend_minor, currency)} />
            </dl>
          )}
        </Card>
        <Card title="P(alive) over time" className="lg:col-span-2">
          <PAliveChart detail={d} />
        </Card>
        <Card title="Order timeline" className="lg:col-span-3">
          <OrderTimeline id={id} />
        </Card>
      </div>
    </>
  );
}
