// A server-paginated, server-sorted table (TanStack Table in manual mode). The API pages with
// opaque cursors, so "previous" walks back a stack of the cursors seen; the table never holds
// more than one page, which is what keeps it smooth at a million customers.
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from "@tanstack/react-table";
import { cx } from "./ui";

export interface CursorPager {
  page: number; // 0-based
  hasNext: boolean;
  onNext: () => void;
  onPrevious: () => void;
}

export interface DataTableProps<T> {
  data: T[];
  columns: ColumnDef<T, unknown>[];
  sorting: SortingState;
  onSortingChange: (s: SortingState) => void;
  pager: CursorPager;
  caption: string;
  busy?: boolean;
  getRowId?: (row: T) => string;
}

export function DataTable<T>({ data, columns, sorting, onSortingChange, pager, caption, busy, getRowId }: DataTableProps<T>) {
  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    manualSorting: true,
    manualPagination: true,
    enableSortingRemoval: false,
    sortDescFirst: true,
    onSortingChange: (updater) => onSortingChange(typeof updater === "function" ? updater(sorting) : updater),
    getCoreRowModel: getCoreRowModel(),
    getRowId,
  });
  return (
    <div>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className={cx("w-full min-w-[640px] text-left text-sm", busy && "opacity-60")} aria-busy={busy}>
          <caption className="sr-only">{caption}</caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  const canSort = h.column.getCanSort();
                  const numeric = (h.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric;
                  return (
                    <th
                      key={h.id}
                      scope="col"
                      className={cx("px-3 py-2 font-medium", numeric && "text-right")}
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : canSort ? "none" : undefined}
                    >
                      {canSort ? (
                        <button type="button" className="inline-flex items-center gap-1 uppercase hover:text-slate-900" onClick={h.column.getToggleSortingHandler()}>
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          <span aria-hidden className="text-slate-500">{sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}</span>
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100">
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} className="hover:bg-slate-50">
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={cx("px-3 py-2", (cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric && "tabular text-right")}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="mt-3 flex items-center justify-between gap-2 text-sm" aria-label="Pagination">
        <span className="text-slate-600">Page {pager.page + 1}</span>
        <div className="flex gap-2">
          <button type="button" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 disabled:text-slate-400" onClick={pager.onPrevious} disabled={pager.page === 0 || busy}>
            Previous
          </button>
          <button type="button" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 disabled:text-slate-400" onClick={pager.onNext} disabled={!pager.hasNext || busy}>
            Next
          </button>
        </div>
      </nav>
    </div>
  );
}
