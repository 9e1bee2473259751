import { describe, expect, it } from "vitest";
import { currencyDigits, formatDate, formatDelta, formatMoney, formatPercent, parseApiDate, relativeDelta } from "./format";

describe("money", () => {
  it("uses the currency's own minor digits", () => {
    expect(currencyDigits("USD")).toBe(2);
    expect(currencyDigits("jpy")).toBe(0);
    expect(currencyDigits("KWD")).toBe(3);
  });
  it("formats minor units in the given locale and currency", () => {
    expect(formatMoney(123456, "USD", { locale: "en-US" })).toBe("$1,234.56");
    expect(formatMoney(123456, "EUR", { locale: "de-DE" })).toBe("1.234,56\u00a0€");
    expect(formatMoney(1500, "JPY", { locale: "en-US" })).toBe("¥1,500");
    expect(formatMoney(1234, "KWD", { locale: "en-US" })).toMatch(/1\.234/);
  });
  it("keeps fractional predicted minor units exact to the currency", () => {
    expect(formatMoney(1999.6, "USD", { locale: "en-US" })).toBe("$20.00");
    expect(formatMoney(-500, "USD", { locale: "en-US" })).toBe("-$5.00");
  });
  it("compacts large amounts and renders missing values as a dash", () => {
    expect(formatMoney(123_456_789, "USD", { locale: "en-US", compact: true })).toBe("$1.2M");
    expect(formatMoney(null, "USD")).toBe("—");
    expect(formatMoney(Number.NaN, "USD")).toBe("—");
  });
});

describe("ratios and deltas", () => {
  it("formats percentages", () => {
    expect(formatPercent(0.4251, 1, "en-US")).toBe("42.5%");
    expect(formatPercent(undefined)).toBe("—");
  });
  it("computes a relative change only against a usable previous value", () => {
    expect(relativeDelta(110, 100)).toBeCloseTo(0.1);
    expect(relativeDelta(90, 100)).toBeCloseTo(-0.1);
    expect(relativeDelta(5, 0)).toBeNull();
    expect(relativeDelta(5, undefined)).toBeNull();
    expect(formatDelta(0.123, "en-US")).toBe("+12.3%");
    expect(formatDelta(-0.05, "en-US")).toBe("-5%");
  });
});

describe("dates", () => {
  it("reads days, RFC 3339 times and UTC day numbers as UTC", () => {
    expect(parseApiDate("2025-03-01")?.toISOString()).toBe("2025-03-01T00:00:00.000Z");
    expect(parseApiDate("2025-03-01T10:00:00+01:00")?.toISOString()).toBe("2025-03-01T09:00:00.000Z");
    expect(parseApiDate(0)?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(parseApiDate(-1)).toBeNull();
    expect(parseApiDate("not a date")).toBeNull();
  });
  it("does not shift a day across time zones", () => {
    expect(formatDate("2025-01-01", { year: "numeric", month: "2-digit", day: "2-digit" }, "en-US")).toBe("01/01/2025");
  });
});
