// Customers: the scored customers, one server page at a time, sortable by the value columns and
// filtered by segment / churn risk / CLV tier (all in the URL, so Segments can link here).
// "Find" looks a customer up by the shop's own id; "Export CSV" downloads every row of the
// current filter from the API (Accept: text/csv), not just the page on screen.
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { ColumnDef, SortingState } from "@tanstack/react-table";
import * as Label from "@radix-ui/react-label";
import { api, withQuery } from "../api/client";
import { customersPath, useClvCustomers, useSegments, type CustomerListParams } from "../api/queries";
import type { ClvCustomer, CustomerPage } from "../api/types";
import { DataTable } from "../components/DataTable";
import { Badge, Button, Card, ErrorState, Loading, NoCalculation, PageHeader, riskTone } from "../components/ui";
import { formatDate, formatMoney, formatNumber, formatPercent, humanizeKey } from "../lib/format";
import { useCursorPages } from "../lib/useCursorPages";

export const PAGE_SIZE = 50;
const SORTABLE = new Set(["predicted_clv", "historical_clv", "p_alive", "expected_purchases", "value_at_risk", "last_order"]);

export function customerColumns(currency: string): ColumnDef<ClvCustomer, unknown>[] {
  return [
    {
      id: "customer",
      header: "Customer",
      enableSorting: false,
      cell: ({ row }) => (
        <Link className="font-medium text-indigo-700 hover:underline" to={`/customers/${row.original.id}`}>
          {row.original.external_id ?? `#${row.original.id}`}
          {row.original.email && <span className="block text-xs font-normal text-slate-500">{row.original.email}</span>}
        </Link>
      ),
    },
    { id: "predicted_clv", accessorFn: (r) => r.predicted_clv_minor, header: "Predicted CLV", meta: { numeric: true }, cell: ({ row }) => formatMoney(row.original.predicted_clv_minor, currency) },
    { id: "historical_clv", accessorFn: (r) => r.historical_clv_minor, header: "Historical CLV", meta: { numeric: true }, cell: ({ row }) => formatMoney(row.original.historical_clv_minor, currency) },
    { id: "p_alive", accessorFn: (r) => r.p_alive, header: "P(alive)", meta: { numeric: true }, cell: ({ row }) => formatPercent(row.original.p_alive) },
    {
      id: "expected_purchases",
      accessorFn: (r) => r.expected_purchases_365d,
      header: "Exp. purchases (1y)",
      meta: { numeric: true },
      cell: ({ row }) => formatNumber(row.original.expected_purchases_365d, { maximumFractionDigits: 2 }),
    },
    {
      id: "segment",
      header: "Segment",
      enableSorting: false,
      cell: ({ row }) => (row.original.segment ? row.original.segment.name || humanizeKey(row.original.segment.key) : "—"),
    },
    {
      id: "churn_risk",
      header: "Churn risk",
      enableSorting: false,
      cell: ({ row }) => (row.original.churn_risk ? <Badge tone={riskTone(row.original.churn_risk)}>{row.original.churn_risk}</Badge> : "—"),
    },
    { id: "last_order", accessorFn: (r) => r.last_order_date, header: "Last order", meta: { numeric: true }, cell: ({ row }) => formatDate(row.original.last_order_date) },
  ];
}

function Select({ id, label, value, onChange, options }: { id: string; label: string; value: string; onChange: (v: string) => void; options: { value: string; label: string }[] }) {
  return (
    <div className="flex min-w-[9rem] flex-col gap-1">
      <Label.Root htmlFor={id} className="text-xs font-medium text-slate-600">
        {label}
      </Label.Root>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function FindCustomer() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const id = String(new FormData(e.currentTarget).get("external_id") ?? "").trim();
    if (!id) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api<CustomerPage>(withQuery("/customers", { external_id: id, limit: 1 }));
      const found = page.items[0];
      if (found) navigate(`/customers/${found.id}`);
      else setError(`No customer with shop id "${id}".`);
    } catch (err) {
      setError(err instanceof Error ? err.message : "The lookup failed.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <form role="search" className="flex flex-col gap-1" onSubmit={(e) => void onSubmit(e)}>
      <Label.Root htmlFor="external_id" className="text-xs font-medium text-slate-600">
        Find by shop customer id
      </Label.Root>
      <div className="flex gap-2">
        <input id="external_id" name="external_id" className="w-40 rounded-md border border-slate-300 px-2 py-1.5 text-sm" placeholder="e.g. c-1042" />
        <Button type="submit" variant="secondary" disabled={busy}>
          Find
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-rose-700">
          {error}
        </p>
      )}
    </form>
  );
}

async function downloadCsv(params: Omit<CustomerListParams, "limit" | "cursor">): Promise<void> {
  const res = await api<Response>(customersPath({ ...params, limit: 1000 }), { headers: { Accept: "text/csv" }, raw: true });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `customers${params.segment ? `-${params.segment}` : ""}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

export default function Customers() {
  const [search, setSearch] = useSearchParams();
  const sortId = SORTABLE.has(search.get("sort") ?? "") ? (search.get("sort") as string) : "predicted_clv";
  const desc = search.get("order") !== "asc";
  const filters = {
    segment: search.get("segment") ?? undefined,
    churn_risk: search.get("churn_risk") ?? undefined,
    tier: search.get("tier") ?? undefined,
  };
  const sorting: SortingState = [{ id: sortId, desc }];
  const resetKey = JSON.stringify([sortId, desc, filters]);
  const pages = useCursorPages(resetKey);
  const params: CustomerListParams = { limit: PAGE_SIZE, cursor: pages.cursor, sort: sortId, order: desc ? "desc" : "asc", ...filters };
  const q = useClvCustomers(params);
  const segments = useSegments();
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const currency = q.data?.currency ?? "USD";
  const columns = useMemo(() => customerColumns(currency), [currency]);

  const update = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSearch(next, { replace: true });
  };

  const segmentOptions = (segments.data?.segments ?? []).map((s) => ({ value: s.key, label: s.name ?? humanizeKey(s.key) }));
  const tierOptions = (segments.data?.clv_tiers ?? []).map((s) => ({ value: s.key, label: s.name ?? humanizeKey(s.key) }));

  return (
    <>
      <PageHeader
        title="Customers"
        description="Every customer with what they are worth and how likely they are to come back."
        actions={
          <Button
            variant="secondary"
            disabled={exporting || !q.data?.items.length}
            onClick={() => {
              setExporting(true);
              setExportError(null);
              downloadCsv({ sort: params.sort, order: params.order, ...filters })
                .catch((e: unknown) => setExportError(e instanceof Error ? e.message : "Export failed"))
                .finally(() => setExporting(false));
            }}
          >
            {exporting ? "Exporting…" : "Export CSV"}
          </Button>
        }
      />
      {exportError && (
        <p role="alert" className="mb-3 rounded-md bg-rose-50 p-2 text-sm text-rose-800">
          CSV export failed: {exportError}
        </p>
      )}
      <Card className="mb-4">
        <div className="flex flex-wrap items-end gap-3">
          <Select id="segment" label="Segment" value={filters.segment ?? ""} onChange={(v) => update({ segment: v })} options={segmentOptions} />
          <Select
            id="churn_risk"
            label="Churn risk"
            value={filters.churn_risk ?? ""}
            onChange={(v) => update({ churn_risk: v })}
            options={["low", "medium", "high"].map((v) => ({ value: v, label: humanizeKey(v) }))}
          />
          {tierOptions.length > 0 && <Select id="tier" label="CLV tier" value={filters.tier ?? ""} onChange={(v) => update({ tier: v })} options={tierOptions} />}
          <div className="grow" />
          <FindCustomer />
        </div>
      </Card>
      {q.isPending ? (
        <Loading label="Loading customers" height="h-96" />
      ) : q.error ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : !q.data.fit_id && q.data.items.length === 0 && pages.page === 0 ? (
        <NoCalculation />
      ) : q.data.items.length === 0 ? (
        <Card>
          <p className="py-8 text-center text-sm text-slate-600">No customers match these filters.</p>
        </Card>
      ) : (
        <DataTable
          caption="Customers with their CLV scores"
          data={q.data.items}
          columns={columns}
          sorting={sorting}
          getRowId={(r) => String(r.id)}
          onSortingChange={(s) => {
            const first = s[0];
            if (first) update({ sort: first.id, order: first.desc ? undefined : "asc" });
          }}
          busy={q.isFetching}
          pager={{ page: pages.page, hasNext: Boolean(q.data.next_cursor), onNext: () => pages.next(q.data?.next_cursor), onPrevious: pages.previous }}
        />
      )}
    </>
  );
}
