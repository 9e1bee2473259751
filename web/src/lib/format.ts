// Number, money and date formatting for the dashboard: the browser's locale, the tenant's
// currency. Money arrives from the API as integer minor units (or a double of minor units for
// predictions) plus an ISO 4217 code; the number of minor digits comes from Intl, so JPY (0)
// and KWD (3) come out right.

const minorDigitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 when Intl does not know it). */
export function currencyDigits(currency: string): number {
  const code = currency.toUpperCase();
  const cached = minorDigitsCache.get(code);
  if (cached !== undefined) return cached;
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
        .maximumFractionDigits ?? 2;
  } catch {
    digits = 2;
  }
  minorDigitsCache.set(code, digits);
  return digits;
}

/** Minor units → major units as a number (for charts). */
export function minorToMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency);
}

export interface MoneyOptions {
  locale?: string | undefined;
  /** Compact notation ("€1.2K"), for KPI cards and axes. */
  compact?: boolean;
  /** Drop the minor digits ("€1,235"). */
  whole?: boolean;
}

/** Formats minor units in `currency`; "—" for null/undefined/non-finite values. */
export function formatMoney(
  minor: number | null | undefined,
  currency: string | null | undefined,
  options: MoneyOptions = {},
): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return "—";
  const code = (currency || "USD").toUpperCase();
  const major = minorToMajor(minor, code);
  const digits = currencyDigits(code);
  try {
    return new Intl.NumberFormat(options.locale, {
      style: "currency",
      currency: code,
      notation: options.compact ? "compact" : "standard",
      minimumFractionDigits: options.compact || options.whole ? 0 : digits,
      maximumFractionDigits: options.compact ? 1 : options.whole ? 0 : digits,
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${code}`;
  }
}

export function formatNumber(
  value: number | null | undefined,
  options: Intl.NumberFormatOptions & { locale?: string } = {},
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const { locale, ...rest } = options;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2, ...rest }).format(value);
}

export function formatCount(value: number | null | undefined, locale?: string): string {
  return formatNumber(value, { maximumFractionDigits: 0, locale });
}

/** 0..1 → "42.5%". */
export function formatPercent(
  value: number | null | undefined,
  digits = 1,
  locale?: string,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return new Intl.NumberFormat(locale, {
    style: "percent",
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  }).format(value);
}

/** A relative change (current vs previous) as "+12.3%"; null when there is no previous value. */
export function relativeDelta(current: number, previous: number | null | undefined): number | null {
  if (previous === null || previous === undefined || !Number.isFinite(previous) || previous === 0)
    return null;
  return (current - previous) / Math.abs(previous);
}

export function formatDelta(delta: number | null, locale?: string): string {
  if (delta === null || !Number.isFinite(delta)) return "";
  return new Intl.NumberFormat(locale, {
    style: "percent",
    signDisplay: "exceptZero",
    maximumFractionDigits: 1,
  }).format(delta);
}

const MS_PER_DAY = 86_400_000;

/** UTC day number (days since 1970-01-01) → Date at UTC midnight; null for -1/none. */
export function dayNumberToDate(day: number | null | undefined): Date | null {
  if (day === null || day === undefined || !Number.isFinite(day) || day < 0) return null;
  return new Date(day * MS_PER_DAY);
}

/**
 * Accepts what the API sends for a date: "YYYY-MM-DD", an RFC 3339 time, or a UTC day number.
 */
export function parseApiDate(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return dayNumberToDate(value);
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDate(
  value: string | number | Date | null | undefined,
  options: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" },
  locale?: string,
): string {
  const d = value instanceof Date ? value : parseApiDate(value);
  if (!d) return "—";
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", ...options }).format(d);
}

export function formatMonth(value: string | number | Date | null | undefined, locale?: string) {
  return formatDate(value, { year: "numeric", month: "short" }, locale);
}

export function formatDateTime(value: string | null | undefined, locale?: string): string {
  const d = parseApiDate(value);
  if (!d) return "—";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** "champions" / "cant_lose" → "Champions" / "Cant lose" (when the API gave no name). */
export function humanizeKey(key: string): string {
  const s = key.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const MODEL_NAMES: Record<string, string> = {
  bgnbd: "BG/NBD", bg_nbd: "BG/NBD", mbgnbd: "MBG/NBD", mbg_nbd: "MBG/NBD", pnbd: "Pareto/NBD",
  pareto_nbd: "Pareto/NBD", gamma_gamma: "Gamma-Gamma", customer_mean: "Customer mean",
};
/** "mbgnbd" → "MBG/NBD"; unknown keys as given. */
export function modelName(m: string | undefined | null): string {
  return m ? MODEL_NAMES[m] ?? m : "—";
}
