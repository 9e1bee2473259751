// Segments: the RFM map as tiles sized by how many customers each segment holds (every tile is
// a link to the customers of that segment), the segment table, and the CLV tiers.
import { Link } from "react-router";
import { useSegments } from "../api/queries";
import type { GroupRow } from "../api/types";
import { Card, NoCalculation, PageHeader, QueryView } from "../components/ui";
import { formatCount, formatMoney, formatPercent, humanizeKey } from "../lib/format";

const DESCRIPTIONS: Record<string, string> = {
  champions: "Bought recently, buy often and spend the most.",
  loyal: "Buy regularly; responsive to rewards.",
  loyal_customers: "Buy regularly; responsive to rewards.",
  potential_loyalists: "Recent customers with average frequency.",
  new_customers: "Bought most recently, but not often.",
  promising: "Recent shoppers who have not spent much yet.",
  need_attention: "Above-average recency, frequency and spend, slipping.",
  about_to_sleep: "Below average recency and frequency.",
  at_risk: "Spent big and bought often, but long ago.",
  cant_lose: "Used to be among the best; have not come back.",
  cant_lose_them: "Used to be among the best; have not come back.",
  hibernating: "Last purchase long ago, low spend.",
  lost: "Lowest recency, frequency and spend.",
};

// Dark enough for white text at WCAG AA (4.5:1) on every tile.
const TILE_COLORS = ["#4338ca", "#075985", "#065f46", "#92400e", "#b91c1c", "#6d28d9", "#115e59", "#9a3412", "#334155", "#9d174d", "#3f6212"];

export function SegmentMap({ segments, total, currency }: { segments: GroupRow[]; total: number; currency: string }) {
  const shown = segments.filter((s) => s.customers > 0).sort((a, b) => b.customers - a.customers);
  return (
    <ul className="flex min-h-[18rem] flex-wrap gap-1" aria-label="RFM segments sized by number of customers">
      {shown.map((s) => {
        const share = total ? s.customers / total : 0;
        const color = TILE_COLORS[segments.indexOf(s) % TILE_COLORS.length];
        return (
          <li key={s.key} style={{ flexGrow: Math.max(share * 100, 1), flexBasis: `${Math.max(share * 100, 8)}%` }} className="min-w-[7.5rem]">
            <Link
              to={`/customers?segment=${encodeURIComponent(s.key)}`}
              className="flex h-full min-h-[5.5rem] flex-col justify-between rounded-lg p-3 text-white shadow-sm hover:opacity-90"
              style={{ backgroundColor: color }}
            >
              <span className="text-sm font-semibold leading-tight">{s.name ?? humanizeKey(s.key)}</span>
              <span className="tabular text-xs">
                {formatCount(s.customers)} · {formatPercent(share)}
                <br />
                {formatMoney(s.predicted_clv_minor, currency, { compact: true })} predicted
              </span>
              <span className="sr-only">: show these customers</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function GroupTable({ rows, currency, caption, linkParam }: { rows: GroupRow[]; currency: string; caption: string; linkParam: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[560px] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">Group</th>
            <th scope="col" className="px-3 py-2 text-right">Customers</th>
            <th scope="col" className="px-3 py-2 text-right">Revenue to date</th>
            <th scope="col" className="px-3 py-2 text-right">Predicted CLV</th>
            <th scope="col" className="px-3 py-2 text-right">Avg predicted CLV</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((s) => (
            <tr key={s.key}>
              <th scope="row" className="px-3 py-2 font-medium">
                <Link className="text-indigo-700 hover:underline" to={`/customers?${linkParam}=${encodeURIComponent(s.key)}`}>
                  {s.name ?? humanizeKey(s.key)}
                </Link>
                {DESCRIPTIONS[s.key] && <span className="block text-xs font-normal text-slate-500">{DESCRIPTIONS[s.key]}</span>}
              </th>
              <td className="tabular px-3 py-2 text-right">{formatCount(s.customers)}</td>
              <td className="tabular px-3 py-2 text-right">{formatMoney(s.historical_clv_minor, currency, { whole: true })}</td>
              <td className="tabular px-3 py-2 text-right">{formatMoney(s.predicted_clv_minor, currency, { whole: true })}</td>
              <td className="tabular px-3 py-2 text-right">{formatMoney(s.average_predicted_clv_minor ?? (s.customers ? (s.predicted_clv_minor ?? 0) / s.customers : null), currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function Segments() {
  const q = useSegments();
  return (
    <>
      <PageHeader title="Segments" description="RFM segments (recency, frequency, monetary scored 1–5 against your own customers) and value tiers. Select a segment to see its customers." />
      <QueryView query={q} height="h-96">
        {(s) => {
          const total = s.total_customers ?? s.segments.reduce((a, g) => a + g.customers, 0);
          if (!total) return <NoCalculation />;
          const currency = s.currency ?? "USD";
          return (
            <div className="space-y-4">
              <Card title="RFM map">
                <SegmentMap segments={s.segments} total={total} currency={currency} />
              </Card>
              <Card title="Segments">
                <GroupTable rows={s.segments} currency={currency} caption="RFM segments" linkParam="segment" />
              </Card>
              {s.clv_tiers && s.clv_tiers.length > 0 && (
                <Card title="CLV tiers">
                  <GroupTable rows={s.clv_tiers} currency={currency} caption="Customers by predicted CLV tier" linkParam="tier" />
                </Card>
              )}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
