// Data: import orders from a CSV file (upload progress, then the counts, or every row error the
// server listed — an import with any bad row stores nothing), run a CLV calculation and watch
// its progress, and the recent jobs.
import { useRef, useState, type FormEvent } from "react";
import * as Progress from "@radix-ui/react-progress";
import * as Label from "@radix-ui/react-label";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, upload, type UploadProgress } from "../api/client";
import { invalidateAnalytics, keys, useJob, useJobs } from "../api/queries";
import type { CalculateRequest, ImportCounts, Job, JobAccepted } from "../api/types";
import { Badge, Button, Card, Empty, PageHeader, QueryView } from "../components/ui";
import { formatCount, formatDateTime, formatPercent } from "../lib/format";
import { parseImportErrors } from "../lib/importErrors";

function Bar({ value, label }: { value: number; label: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <Progress.Root value={pct} max={100} aria-label={label} className="relative h-2.5 w-full overflow-hidden rounded-full bg-slate-200">
      <Progress.Indicator className="h-full bg-indigo-600 transition-transform" style={{ transform: `translateX(-${100 - pct}%)` }} />
    </Progress.Root>
  );
}

function ImportCard() {
  const client = useQueryClient();
  const fileRef = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [result, setResult] = useState<ImportCounts | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    setBusy(true);
    setResult(null);
    setError(null);
    setProgress({ loaded: 0, total: file.size });
    try {
      const counts = await upload<ImportCounts>("/orders/import", form, setProgress);
      setResult(counts);
      void invalidateAnalytics(client);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const report = error instanceof ApiError && error.status === 400 ? parseImportErrors(error.message) : null;
  return (
    <Card title="Import orders (CSV)">
      <form className="space-y-3" onSubmit={(e) => void onSubmit(e)}>
        <p className="text-sm text-slate-600">
          Columns: <code className="rounded bg-slate-100 px-1">id, customer_id, placed_at, total, currency</code> and optionally{" "}
          <code className="rounded bg-slate-100 px-1">status, email, refund_of</code>. Re-importing the same orders changes nothing.
        </p>
        <div className="flex flex-wrap items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label.Root htmlFor="csv-file" className="text-sm font-medium">CSV file</Label.Root>
            <input id="csv-file" ref={fileRef} type="file" accept=".csv,text/csv" required className="text-sm file:mr-2 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5" />
          </div>
          <Button type="submit" disabled={busy}>
            {busy ? "Importing…" : "Import"}
          </Button>
        </div>
        {progress && busy && (
          <div className="space-y-1">
            <Bar value={progress.total ? progress.loaded / progress.total : 0} label="Upload progress" />
            <p className="text-xs text-slate-500">
              {progress.total && progress.loaded >= progress.total ? "Uploaded; the server is importing…" : `Uploading ${formatPercent(progress.total ? progress.loaded / progress.total : 0, 0)}`}
            </p>
          </div>
        )}
      </form>
      {result && (
        <p role="status" className="mt-3 rounded-md bg-emerald-50 p-3 text-sm text-emerald-800" data-testid="import-result">
          Imported {formatCount(result.rows)} rows: {formatCount(result.created)} new, {formatCount(result.updated)} updated, {formatCount(result.unchanged)} unchanged.
        </p>
      )}
      {error !== null && (
        <div role="alert" className="mt-3 rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-800">
          {report ? (
            <>
              <p className="font-medium">{report.headline}</p>
              <ul className="mt-2 list-disc space-y-1 pl-5">
                {report.rows.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
              {report.more > 0 && <p className="mt-1">…and {formatCount(report.more)} more rows with errors.</p>}
            </>
          ) : (
            <p>{error instanceof Error ? error.message : "The import failed."}</p>
          )}
        </div>
      )}
    </Card>
  );
}

function jobTone(status: Job["status"]) {
  return status === "succeeded" ? "green" : status === "failed" ? "rose" : status === "running" ? "indigo" : "slate";
}

function CalculateCard() {
  const client = useQueryClient();
  const [jobId, setJobId] = useState<number | null>(null);
  const [asOf, setAsOf] = useState("");
  const [period, setPeriod] = useState<"day" | "week" | "month">("week");
  const job = useJob(jobId);
  const start = useMutation({
    mutationFn: (body: CalculateRequest) => api<JobAccepted>("/clv/calculate", { method: "POST", body }),
    onSuccess: (r) => {
      setJobId(r.job_id);
      void client.invalidateQueries({ queryKey: keys.jobs });
    },
  });
  const status = job.data?.status;
  const [seenDone, setSeenDone] = useState<number | null>(null);
  if (status === "succeeded" && jobId !== null && seenDone !== jobId) {
    setSeenDone(jobId);
    void invalidateAnalytics(client);
    void client.invalidateQueries({ queryKey: keys.jobs });
  }
  const running = start.isPending || status === "queued" || status === "running";
  return (
    <Card title="Run a CLV calculation">
      <p className="mb-3 text-sm text-slate-600">
        Fits BG/NBD, MBG/NBD and Pareto/NBD to your orders, keeps the one that best predicts a held-out period, and scores every customer.
      </p>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          const body: CalculateRequest = { period };
          if (asOf) body.as_of = asOf;
          start.mutate(body);
        }}
      >
        <div className="flex flex-col gap-1">
          <Label.Root htmlFor="calc-period" className="text-sm font-medium">Time unit</Label.Root>
          <select id="calc-period" value={period} onChange={(e) => setPeriod(e.target.value as typeof period)} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            <option value="day">Day</option>
            <option value="week">Week</option>
            <option value="month">Month</option>
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <Label.Root htmlFor="calc-as-of" className="text-sm font-medium">As of (optional)</Label.Root>
          <input id="calc-as-of" type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} className="rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
        <Button type="submit" disabled={running}>
          {running ? "Calculating…" : "Run calculation"}
        </Button>
      </form>
      {start.error && (
        <p role="alert" className="mt-3 rounded-md bg-rose-50 p-3 text-sm text-rose-800">
          {start.error.message}
        </p>
      )}
      {jobId !== null && job.data && (
        <div className="mt-4 space-y-2" data-testid="job-status">
          <div className="flex items-center justify-between text-sm">
            <span>
              Job #{jobId} <Badge tone={jobTone(job.data.status)}>{job.data.status}</Badge>
              {job.data.stage && job.data.status === "running" && <span className="ml-2 text-slate-500">{job.data.stage}</span>}
            </span>
            <span className="tabular">{formatPercent(job.data.progress, 0)}</span>
          </div>
          <Bar value={job.data.status === "succeeded" ? 1 : job.data.progress} label="Calculation progress" />
          {job.data.status === "failed" && <p role="alert" className="text-sm text-rose-700">{job.data.error ?? "The calculation failed."}</p>}
          {job.data.status === "succeeded" && <p role="status" className="text-sm text-emerald-700">Done. Every page now shows the new figures.</p>}
        </div>
      )}
    </Card>
  );
}

function JobsCard() {
  const q = useJobs(10);
  return (
    <Card title="Recent jobs">
      <QueryView query={q}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No jobs yet" />
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {page.items.map((j) => (
                <li key={j.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span>
                    #{j.id} {j.kind ?? "calculation"} <Badge tone={jobTone(j.status)}>{j.status}</Badge>
                  </span>
                  <span className="text-slate-500">
                    {formatDateTime(j.finished_at ?? j.started_at ?? j.created_at)}
                    {j.error && <span className="ml-2 text-rose-700">{j.error}</span>}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </Card>
  );
}

export default function Data() {
  return (
    <>
      <PageHeader title="Data" description="Bring your orders in and recompute what your customers are worth." />
      <div className="grid gap-4 lg:grid-cols-2">
        <ImportCard />
        <CalculateCard />
        <div className="lg:col-span-2">
          <JobsCard />
        </div>
      </div>
    </>
  );
}
