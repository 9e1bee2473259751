// Library-free charts for the overview, the page every session lands on. Recharts (about 150 KB
// gzipped with its dependencies, and most of the overview's script parse time) stays on the
// detail pages with their tooltips and legends; the overview draws its two small charts as plain
// SVG / HTML so its first load fits the 250 KB budget and is interactive sooner (issue 5,
// docs/benchmarks.md "Dashboard"). Each point carries a <title>, so hovering still tells the
// number.
import { useLayoutEffect, useRef, useState } from "react";
import type { ForecastChartProps } from "./chartTypes";
import { periodLabel } from "./chartTypes";
import { formatMoney, formatNumber, formatPercent } from "../lib/format";

/** The element's content width, following resizes (0 until laid out). */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

/** Up to `count` round tick values covering [0, max]. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(v);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** Expected value per period as a line over its 80% band (the overview's forecast). */
export function BandChart({ periods, currency, measure, height = 280, ariaLabel }: ForecastChartProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const rows = periods.map((p, i) => ({
    label: periodLabel(p, i),
    expected: (measure === "revenue" ? p.expected_revenue_minor : p.expected_purchases) ?? null,
    lower: (measure === "revenue" ? p.revenue_lower_minor : p.purchases_lower) ?? null,
    upper: (measure === "revenue" ? p.revenue_upper_minor : p.purchases_upper) ?? null,
  }));
  const fmt = (v: number) => (measure === "revenue" ? formatMoney(v, currency, { compact: true }) : formatNumber(v, { notation: "compact" }));
  const max = Math.max(0, ...rows.flatMap((r) => [r.expected ?? 0, r.upper ?? 0]));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] || 1;
  const m = { left: 64, right: 12, top: 8, bottom: 44 };
  const w = Math.max(0, width - m.left - m.right);
  const h = height - m.top - m.bottom;
  const x = (i: number) => m.left + (rows.length > 1 ? (i / (rows.length - 1)) * w : w / 2);
  const y = (v: number) => m.top + h - (v / top) * h;
  const line = (pick: (r: (typeof rows)[number]) => number | null) =>
    rows
      .map((r, i) => [i, pick(r)] as const)
      .filter(([, v]) => v !== null)
      .map(([i, v], k) => `${k ? "L" : "M"}${x(i).toFixed(1)},${y(v as number).toFixed(1)}`)
      .join("");
  const banded = rows.map((r, i) => [i, r] as const).filter(([, r]) => r.lower !== null && r.upper !== null);
  const band = banded.length
    ? `${banded.map(([i, r], k) => `${k ? "L" : "M"}${x(i).toFixed(1)},${y(r.upper as number).toFixed(1)}`).join("")}` +
      `${[...banded].reverse().map(([i, r]) => `L${x(i).toFixed(1)},${y(r.lower as number).toFixed(1)}`).join("")}Z`
    : "";
  // At most ~8 x labels, evenly spread.
  const every = Math.max(1, Math.ceil(rows.length / Math.max(1, Math.floor(w / 72))));
  return (
    <div ref={ref} role="img" aria-label={ariaLabel} style={{ height }}>
      {width > 0 && (
        <svg width={width} height={height} className="overflow-visible text-slate-500">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={m.left} x2={m.left + w} y1={y(t)} y2={y(t)} stroke="#e2e8f0" strokeDasharray="3 3" />
              <text x={m.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={11} fill="currentColor">
                {fmt(t)}
              </text>
            </g>
          ))}
          {rows.map((r, i) =>
            i % every === 0 ? (
              <text key={r.label} x={x(i)} y={m.top + h + 16} textAnchor="middle" fontSize={11} fill="currentColor">
                {r.label}
              </text>
            ) : null,
          )}
          {band && <path d={band} fill="#c7d2fe" fillOpacity={0.7} stroke="none" />}
          <path d={line((r) => r.expected)} fill="none" stroke="#4f46e5" strokeWidth={2} />
          {rows.map((r, i) =>
            r.expected === null ? null : (
              <circle key={r.label} cx={x(i)} cy={y(r.expected)} r={6} fill="transparent">
                <title>{`${r.label}: ${fmt(r.expected)}${r.lower !== null && r.upper !== null ? ` (80% band ${fmt(r.lower)} – ${fmt(r.upper)})` : ""}`}</title>
              </circle>
            ),
          )}
          <g transform={`translate(${m.left + w / 2 - 80},${height - 10})`} fontSize={12} fill="currentColor">
            <rect x={0} y={-9} width={12} height={10} fill="#c7d2fe" />
            <text x={16} y={0}>80% band</text>
            <line x1={90} x2={104} y1={-4} y2={-4} stroke="#4f46e5" strokeWidth={2} />
            <text x={108} y={0}>Expected</text>
          </g>
        </svg>
      )}
    </div>
  );
}

export interface ShareBar {
  name: string;
  share: number;
  detail: string;
}

/** Horizontal bars of shares (0..1) with their labels (the overview's CLV by tier). */
export function ShareBars({ bars, ariaLabel }: { bars: ShareBar[]; ariaLabel: string }) {
  return (
    <ul aria-label={ariaLabel} className="space-y-2">
      {bars.map((b) => (
        <li key={b.name} className="grid grid-cols-[8rem_1fr_auto] items-center gap-3 text-sm">
          <span className="truncate text-slate-700">{b.name}</span>
          <span className="h-3 rounded bg-slate-100" aria-hidden="true">
            <span className="block h-3 rounded bg-indigo-600" style={{ width: `${Math.max(0, Math.min(1, b.share)) * 100}%` }} />
          </span>
          <span className="tabular text-right text-slate-600">
            {formatPercent(b.share)} <span className="text-xs text-slate-500">· {b.detail}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
