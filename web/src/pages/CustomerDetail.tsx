// One customer: what they are worth (historical, predicted with its 80% interval), how likely
// they are to still be a customer and how that evolved with each order, when the next order is
// expected, and their order history.
import { Link, useParams } from "react-router";
import { CartesianGrid, Line, LineChart, ReferenceDot, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ApiError } from "../api/client";
import { useClvCustomer, useCustomerOrders } from "../api/queries";
import type { ClvCustomerDetail, Order } from "../api/types";
import { Badge, Card, Empty, ErrorState, Loading, PageHeader, QueryView, Stat, riskTone } from "../components/ui";
import { formatDate, formatMoney, formatNumber, formatPercent, humanizeKey, parseApiDate } from "../lib/format";

function PAliveChart({ detail }: { detail: ClvCustomerDetail }) {
  const points = (detail.p_alive_history ?? [])
    .map((p) => ({ t: parseApiDate(p.date)?.getTime() ?? NaN, p: p.p_alive, order: Boolean(p.order) }))
    .filter((p) => Number.isFinite(p.t));
  if (points.length === 0) return <Empty title="No P(alive) history">It appears after the customer is scored by a calculation.</Empty>;
  return (
    <div role="img" aria-label="Probability that the customer is still active, over time" className="h-56">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => formatDate(new Date(t), { year: "2-digit", month: "short" })} tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} tick={{ fontSize: 11 }} width={44} />
          <Tooltip labelFormatter={(t: unknown) => formatDate(new Date(Number(t)))} formatter={(v: unknown) => [formatPercent(Number(v)), "P(alive)"]} />
          <Line type="stepAfter" dataKey="p" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
          {points.filter((p) => p.order).map((p) => (
            <ReferenceDot key={p.t} x={p.t} y={p.p} r={3} fill="#f59e0b" stroke="none" />
          ))}
        </LineChart>
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
