import { describe, expect, it } from "vitest";
import { thinHistory, type PAlivePoint } from "./CustomerDetail";

// A heavy buyer: an order every 2 days for 4,800 orders, P(alive) jumping to 1 at each order
// and decaying in between (one point per order and one just before it).
function history(orders: number): PAlivePoint[] {
  const out: PAlivePoint[] = [];
  for (let i = 0; i < orders; i++) {
    out.push({ t: i * 2 * 86_400_000 - 1, p: 0.9 - (i % 7) * 0.01, order: false });
    out.push({ t: i * 2 * 86_400_000, p: 1, order: true });
  }
  return out;
}

describe("thinHistory", () => {
  it("leaves a short history alone", () => {
    const h = history(10);
    expect(thinHistory(h)).toBe(h);
  });

  it("keeps a long history to about the limit, in time order, with its extremes and ends", () => {
    const h = history(4_800);
    const t = thinHistory(h, 400);
    expect(t.length).toBeLessThanOrEqual(400);
    expect(t.length).toBeGreaterThan(200);
    for (let i = 1; i < t.length; i++) expect(t[i]!.t).toBeGreaterThanOrEqual(t[i - 1]!.t);
    expect(t[0]).toEqual(h[0]);
    expect(t[t.length - 1]).toEqual(h[h.length - 1]);
    expect(Math.min(...t.map((p) => p.p))).toBe(Math.min(...h.map((p) => p.p)));
    expect(Math.max(...t.map((p) => p.p))).toBe(1);
    expect(t.some((p) => p.order)).toBe(true);
  });
});
