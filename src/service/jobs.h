// The background job runner: worker threads that take durable jobs from the store (the jobs
// table), run them and record the outcome; plus the queueing side (POST /clv/calculate) and
// scheduled refits.
//
// Leases. A worker claims a job (Store::ClaimJob) and, while it runs, a heartbeat thread renews
// the lease every lease/3 with the job's progress (Store::UpdateJobProgress). A job whose
// heartbeat is older than the lease belongs to a dead process and is claimed again by any
// worker (attempts + 1) — so a job survives a kill -9 of the server: after a restart (or on
// another instance) it runs again from the start. When the store answers FailedPrecondition
// to a heartbeat (someone else reclaimed the job after a stall) the worker stops: the job's
// result is not written (service/clv_job.h checks the flag before committing the fit).
//
// Shutdown (Stop): no new job is claimed; a job in flight is left as it is — it is finished if
// it ends before the threads are joined, otherwise it stays "running" and is reclaimed after
// its lease by the next process. Stop waits for the job in flight (calculations are bounded).
//
// Worker id: "<host>:<pid>:<random hex>", unique per runner (two runners in one process, as in
// tests, never share an id).
//
// Scheduled refits (refit_interval_hours > 0). A tenant is due when its current fit is older
// than the interval, was made "as of now" (a historical as_of does not age), orders were
// written since, and no calculation was queued within the interval (Store::ListRefitCandidates,
// so a refit that fails is retried once per interval, not on every order). A due tenant gets a
// calculation with its fit's own request: the params of the job that made the fit (the jobs
// table), or the defaults for a fit made outside a job (CLI); the fit's report is never read.
// Two triggers: MaybeScheduleRefit right after orders of one tenant are stored, and a periodic
// sweep over all tenants (every refit_sweep_minutes, run by the workers; MaybeSweep) for tenants
// whose orders arrived while the fit was still fresh. Several instances may sweep at once:
// queueing is idempotent per tenant (the jobs table keeps one active calculation per tenant).
// Cost of the "orders since the fit" test (a walk of the tenant's orders from the highest id
// down, stopping at the first one written after the fit): the order trigger asks only for a
// stale fit, right after a write, so the walk stops at the order just written (a write that only
// changed old orders walks down to them). A sweep stops at once for a tenant with new orders; a
// tenant whose fit is stale and whose orders have not changed since is walked in full at every
// sweep: ~1 s CPU per 5 M orders on SQLite (docs/benchmarks.md "Scheduled refits"), once per
// refit_sweep_minutes per instance. Bounding the walk by the highest order id at fit time would
// need that id stored with the fit (a schema change) and would miss updates of older orders,
// which count (a status change alters CLV), so the walk stays.
//
// Metrics (JobRunnerOptions::metrics, default metrics::Global()):
//   clv_jobs_total{kind,outcome}        counter; outcome succeeded | failed | abandoned (the
//                                       lease was lost and another worker owns the job)
//   clv_job_duration_seconds{kind}      histogram of run time (metrics::kJobBuckets), every
//                                       outcome, measured on the steady clock
//   clv_refits_scheduled_total{trigger} counter; trigger orders | sweep (jobs actually queued)
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "storage/store.h"

namespace clv::service {

struct JobRunnerOptions {
  int workers = 1;                       // CLV_JOB_WORKERS; SQLite: 1
  std::int64_t lease_seconds = 30;       // CLV_JOB_LEASE_SECONDS
  std::int64_t refit_interval_hours = 24;  // CLV_REFIT_INTERVAL_HOURS, 0 = off
  // How often the workers sweep all tenants for due refits (CLV_REFIT_SWEEP_MINUTES); 0 = no
  // sweep (refits are then queued only when orders arrive).
  std::int64_t refit_sweep_minutes = 60;
  // Where the job metrics go; null = metrics::Global(). Tests pass their own registry.
  metrics::Registry* metrics = nullptr;
  // How often an idle worker looks for work (besides being woken by Notify()).
  std::int64_t poll_millis = 1000;
};

// Runs one job: returns result_json, or an error whose message becomes the job's error.
// `progress` reports (fraction, stage); `cancelled` is set when the lease was lost.
using JobHandler = std::function<Result<std::string>(
    const storage::Job& job, const std::function<void(double, std::string_view)>& progress,
    const std::atomic<bool>& cancelled)>;

class JobRunner {
 public:
  JobRunner(storage::Store& store, const Clock& clock, JobRunnerOptions options);
  ~JobRunner();  // Stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Registers the handler of a kind (before Start). Jobs of unknown kinds fail.
  void Register(std::string kind, JobHandler handler);

  void Start();
  void Stop();
  // Wakes an idle worker (a job was just queued).
  void Notify();

  // Claims and runs at most one job in the calling thread. True when a job was run. For tests
  // and for the workers themselves.
  Result<bool> RunOne();

  // Queues a calculation for `tenant` (idempotent: the active one is returned) and wakes a
  // worker.
  Result<storage::EnqueuedJob> Enqueue(TenantId tenant, std::string_view kind,
                                       std::string_view params_json,
                                       std::optional<UserId> created_by);

  // The scheduled-refit rule (see the file comment), called after orders were recorded for
  // `tenant`. Returns true when a refit was queued by this call. Cost, as it runs on every order
  // write: the fit's age is checked first (remembered per tenant until the fit can be due, then
  // one read of the current fit's typed columns); only a stale "as of now" fit leads to
  // Store::ListRefitCandidates and its orders walk.
  Result<bool> MaybeScheduleRefit(TenantId tenant);
  // One sweep now: queues a refit for every due tenant. Returns how many were queued by this
  // call (a tenant whose calculation another instance queued meanwhile is not counted). 0 when
  // refits are off. One tenant's failure does not stop the others; the first error is returned
  // after all were tried.
  Result<int> SweepRefits();
  // Runs SweepRefits when a sweep is due by the clock (the first call sweeps, then one every
  // refit_sweep_minutes), else does nothing and returns 0. The workers call it between jobs;
  // tests call it with a FakeClock. Concurrent callers: one sweeps.
  Result<int> MaybeSweep();

  const std::string& worker_id() const { return worker_id_; }

 private:
  void WorkerLoop();
  // Queues a refit of `candidate`'s tenant with the request of the job that made its fit.
  // True when this call created the job.
  Result<bool> QueueRefit(const storage::RefitCandidate& candidate, std::string_view trigger);

  storage::Store& store_;
  const Clock& clock_;
  JobRunnerOptions options_;
  std::string worker_id_;
  std::map<std::string, JobHandler, std::less<>> handlers_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::uint64_t wakeups_ = 0;
  UnixMicros next_sweep_at_ = 0;  // under mu_; 0: the first MaybeSweep sweeps
  bool sweeping_ = false;         // under mu_
  // Under mu_: tenant id -> before this time its current fit is younger than the refit interval,
  // so MaybeScheduleRefit has nothing to ask the store. A later fit only moves that time on, so
  // a remembered bound stays true (whichever instance makes the fit); expired entries are erased.
  std::unordered_map<std::int64_t, UnixMicros> fit_fresh_until_;
  metrics::CounterFamily& jobs_total_;
  metrics::HistogramFamily& job_seconds_;
  metrics::CounterFamily& refits_total_;
};

}  // namespace clv::service
