import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BandChart, niceTicks, ShareBars } from "./lightCharts";

describe("niceTicks", () => {
  it("covers the maximum with round steps", () => {
    expect(niceTicks(950)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(0)).toEqual([0]);
    expect(niceTicks(Number.NaN)).toEqual([0]);
  });
});

describe("BandChart", () => {
  // jsdom lays nothing out: give every element a width so the chart draws.
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientWidth");
  beforeEach(() => Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 600 }));
  afterEach(() => original && Object.defineProperty(HTMLElement.prototype, "clientWidth", original));

  const periods = [
    { period: 1, expected_revenue_minor: 10_000, revenue_lower_minor: 8_000, revenue_upper_minor: 12_000 },
    { period: 2, expected_revenue_minor: 20_000, revenue_lower_minor: 15_000, revenue_upper_minor: 25_000 },
    { period: 3, expected_revenue_minor: 30_000 },
  ];

  it("draws the expected line over the band, each point titled with its numbers", () => {
    const { container } = render(<BandChart periods={periods} currency="USD" measure="revenue" ariaLabel="Revenue forecast" />);
    expect(screen.getByRole("img", { name: "Revenue forecast" })).toBeInTheDocument();
    const paths = [...container.querySelectorAll("path")].map((p) => p.getAttribute("d") ?? "");
    // The band (closed, two banded points up and back) and the line through all three points.
    expect(paths.filter((d) => d.endsWith("Z"))).toHaveLength(1);
    expect(paths.some((d) => (d.match(/[ML]/g) ?? []).length === 3 && !d.endsWith("Z"))).toBe(true);
    const titles = [...container.querySelectorAll("title")].map((t) => t.textContent);
    expect(titles).toHaveLength(3);
    expect(titles[0]).toMatch(/^M\+1: \$100(\.00)?.*80% band \$80(\.00)? – \$120(\.00)?/);
    expect(titles[2]).not.toMatch(/band/);
  });

  it("draws nothing before it has a width", () => {
    Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 0 });
    const { container } = render(<BandChart periods={periods} currency="USD" measure="revenue" ariaLabel="Revenue forecast" />);
    expect(container.querySelector("svg")).toBeNull();
  });
});

describe("ShareBars", () => {
  it("lists each share with its label and clamps the bar width", () => {
    render(
      <ShareBars
        ariaLabel="Share of predicted CLV by customer tier"
        bars={[
          { name: "Top", share: 0.75, detail: "$1K" },
          { name: "Rest", share: 1.5, detail: "$2K" },
        ]}
      />,
    );
    const items = screen.getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("Top");
    expect(items[0]).toHaveTextContent("75");
    expect(items[1]!.querySelector("[style]")?.getAttribute("style")).toContain("width: 100%");
  });
});
