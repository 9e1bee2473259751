#include "service/jobs.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "core/time.h"
#include "service/clv_job.h"

namespace clv::service {
namespace {

metrics::Registry& RegistryOf(const JobRunnerOptions& options) {
  return options.metrics != nullptr ? *options.metrics : metrics::Global();
}

std::string MakeWorkerId() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown");
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%08x%08x", rd(), rd());
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

}  // namespace

JobRunner::JobRunner(storage::Store& store, const Clock& clock, JobRunnerOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      worker_id_(MakeWorkerId()),
      jobs_total_(RegistryOf(options).Counter(
          "clv_jobs_total", "Finished background jobs by kind and outcome.", {"kind", "outcome"})),
      job_seconds_(RegistryOf(options).Histogram(
          "clv_job_duration_seconds", "Background job run time by kind (every outcome).",
          {"kind"}, metrics::kJobBuckets)),
      refits_total_(RegistryOf(options).Counter(
          "clv_refits_scheduled_total", "Scheduled refits queued, by trigger (orders, sweep).",
          {"trigger"})) {
  if (options_.workers < 1) options_.workers = 1;
  if (options_.lease_seconds < 1) options_.lease_seconds = 1;
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Register(std::string kind, JobHandler handler) {
  handlers_[std::move(kind)] = std::move(handler);
}

void JobRunner::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

void JobRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
}

void JobRunner::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  cv_.notify_one();
}

void JobRunner::WorkerLoop() {
  while (true) {
    std::uint64_t seen = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    // Between jobs, so a long calculation delays a sweep but never overlaps it in this worker.
    Result<int> swept = MaybeSweep();
    if (!swept.ok()) spdlog::warn("refit sweep: {}", swept.status().ToString());
    Result<bool> ran = RunOne();
    if (!ran.ok()) spdlog::warn("job worker: {}", ran.status().ToString());
    if (ran.ok() && *ran) continue;  // there may be more
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_millis),
                 [&] { return stopping_ || wakeups_ != seen; });
  }
}

Result<bool> JobRunner::RunOne() {
  const UnixMicros now = clock_.Now();
  const UnixMicros lease = options_.lease_seconds * kMicrosPerSecond;
  CLV_ASSIGN_OR_RETURN(std::optional<storage::Job> claimed, store_.ClaimJob(worker_id_, now, now - lease));
  if (!claimed) return false;
  const storage::Job job = std::move(*claimed);
  spdlog::info("job {} ({}, tenant {}) claimed, attempt {}", job.id.value, job.kind,
               job.tenant.value, job.attempts);

  // Progress shared with the heartbeat thread.
  std::mutex progress_mu;
  double fraction = 0;
  std::string stage = "starting";
  std::atomic<bool> cancelled{false};
  std::atomic<bool> done{false};
  std::mutex hb_mu;
  std::condition_variable hb_cv;
  std::thread heartbeat([&] {
    const auto every = std::chrono::milliseconds(options_.lease_seconds * 1000 / 3);
    std::unique_lock<std::mutex> lock(hb_mu);
    while (!hb_cv.wait_for(lock, every, [&] { return done.load(); })) {
      double f;
      std::string st;
      {
        std::lock_guard<std::mutex> pl(progress_mu);
        f = fraction;
        st = stage;
      }
      Status s = store_.UpdateJobProgress(job.tenant, job.id, worker_id_, f, st, clock_.Now());
      if (s.code() == StatusCode::kFailedPrecondition) {
        spdlog::warn("job {}: lease lost ({}); stopping work on it", job.id.value, s.message());
        cancelled = true;
        return;
      }
      if (!s.ok()) spdlog::warn("job {}: heartbeat failed: {}", job.id.value, s.ToString());
    }
  });
  auto progress = [&](double f, std::string_view st) {
    bool stage_changed = false;
    {
      std::lock_guard<std::mutex> pl(progress_mu);
      fraction = std::max(fraction, f);
      stage_changed = st != stage;
      stage = std::string(st);
    }
    // A new stage is written at once (cheap, a handful per job) so that pollers see it; the
    // heartbeat carries the rest.
    if (stage_changed && !cancelled.load()) {
      Status s = store_.UpdateJobProgress(job.tenant, job.id, worker_id_, f, st, clock_.Now());
      if (s.code() == StatusCode::kFailedPrecondition) cancelled = true;
    }
  };

  Result<std::string> result = InvalidArgument("unknown job kind '" + job.kind + "'");
  // Run time on the steady clock: the injected clock is for timestamps (and stands still in
  // tests), and the wall clock may jump.
  const auto started = std::chrono::steady_clock::now();
  auto handler = handlers_.find(job.kind);
  if (handler != handlers_.end()) result = handler->second(job, progress, cancelled);
  job_seconds_.Observe({job.kind}, std::chrono::duration<double>(
                                       std::chrono::steady_clock::now() - started).count());
  {
    std::lock_guard<std::mutex> lock(hb_mu);
    done = true;
  }
  hb_cv.notify_all();
  heartbeat.join();
  if (cancelled.load()) {
    jobs_total_.Add({job.kind, "abandoned"});
    spdlog::warn("job {}: abandoned after losing its lease", job.id.value);
    return true;
  }
  Status finished = result.ok()
                        ? store_.FinishJob(job.tenant, job.id, worker_id_, true, *result, "", clock_.Now())
                        : store_.FinishJob(job.tenant, job.id, worker_id_, false, "",
                                           result.status().message(), clock_.Now());
  if (finished.code() == StatusCode::kFailedPrecondition) {
    jobs_total_.Add({job.kind, "abandoned"});
    spdlog::warn("job {}: finished after losing its lease; outcome dropped", job.id.value);
    return true;
  }
  CLV_RETURN_IF_ERROR(finished);
  jobs_total_.Add({job.kind, result.ok() ? "succeeded" : "failed"});
  if (result.ok()) {
    spdlog::info("job {} succeeded: {}", job.id.value, *result);
  } else {
    spdlog::info("job {} failed: {}", job.id.value, result.status().ToString());
  }
  return true;
}

Result<storage::EnqueuedJob> JobRunner::Enqueue(TenantId tenant, std::string_view kind,
                                                std::string_view params_json,
                                                std::optional<UserId> created_by) {
  CLV_ASSIGN_OR_RETURN(storage::EnqueuedJob e,
                       store_.EnqueueJob(tenant, kind, params_json, created_by, clock_.Now()));
  if (e.created) Notify();
  return e;
}

Result<bool> JobRunner::QueueRefit(const storage::RefitCandidate& candidate,
                                   std::string_view trigger) {
  // The request of the job that made the fit (the report is 90 KB and not needed). A fit made
  // outside a job (CLI), or whose job row is gone, gets the default request.
  std::string params = "{}";
  if (candidate.fit_job) {
    Result<storage::Job> made_by = store_.GetJob(candidate.tenant, *candidate.fit_job);
    if (made_by.ok()) {
      params = made_by->params_json;
    } else if (made_by.status().code() != StatusCode::kNotFound) {
      return made_by.status();
    }
  }
  CLV_ASSIGN_OR_RETURN(storage::EnqueuedJob e,
                       Enqueue(candidate.tenant, kClvCalculateJob, params, std::nullopt));
  if (!e.created) return false;  // another instance (or a user) was first
  refits_total_.Add({trigger});
  spdlog::info("tenant {}: fit {} is stale; refit queued as job {} ({})", candidate.tenant.value,
               candidate.fit_id, e.job.id.value, trigger);
  return true;
}

Result<bool> JobRunner::MaybeScheduleRefit(TenantId tenant) {
  if (options_.refit_interval_hours <= 0) return false;
  const UnixMicros interval = options_.refit_interval_hours * 3600 * kMicrosPerSecond;
  const UnixMicros now = clock_.Now();
  // This runs after every order write, and most writes find a fresh fit: answer those from the
  // remembered bound, or from the fit's own row (typed columns only, no report), before the
  // candidate statement with its walk over the tenant's orders.
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = fit_fresh_until_.find(tenant.value);
    if (it != fit_fresh_until_.end()) {
      if (now <= it->second) return false;
      fit_fresh_until_.erase(it);
    }
  }
  Result<storage::ModelFitRecord> fit = store_.GetCurrentFitSummary(tenant, {});
  if (!fit.ok()) {
    // No fit: nothing to refit (the first calculation is the user's).
    if (fit.status().code() == StatusCode::kNotFound) return false;
    return fit.status();
  }
  if (fit->as_of_explicit) return false;  // a historical analysis does not age
  // Due needs created_at < now - interval (ListRefitCandidates' fitted_before).
  if (fit->created_at_us >= now - interval) {
    std::lock_guard<std::mutex> lock(mu_);
    fit_fresh_until_[tenant.value] = fit->created_at_us + interval;
    return false;
  }
  CLV_ASSIGN_OR_RETURN(std::vector<storage::RefitCandidate> due,
                       store_.ListRefitCandidates(kClvCalculateJob, now - interval, tenant));
  if (due.empty()) return false;
  return QueueRefit(due.front(), "orders");
}

Result<int> JobRunner::SweepRefits() {
  if (options_.refit_interval_hours <= 0) return 0;
  const UnixMicros interval = options_.refit_interval_hours * 3600 * kMicrosPerSecond;
  CLV_ASSIGN_OR_RETURN(
      std::vector<storage::RefitCandidate> due,
      store_.ListRefitCandidates(kClvCalculateJob, clock_.Now() - interval, std::nullopt));
  int queued = 0;
  Status first_error;
  for (const storage::RefitCandidate& c : due) {
    Result<bool> q = QueueRefit(c, "sweep");
    if (!q.ok()) {
      spdlog::warn("tenant {}: queueing a refit failed: {}", c.tenant.value, q.status().ToString());
      if (first_error.ok()) first_error = q.status();
    } else if (*q) {
      ++queued;
    }
  }
  if (!first_error.ok()) return first_error;
  return queued;
}

Result<int> JobRunner::MaybeSweep() {
  if (options_.refit_interval_hours <= 0 || options_.refit_sweep_minutes <= 0) return 0;
  const UnixMicros now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sweeping_ || now < next_sweep_at_) return 0;
    sweeping_ = true;
    // Set before sweeping: a failed sweep is retried at the next period, not in a tight loop.
    next_sweep_at_ = now + options_.refit_sweep_minutes * 60 * kMicrosPerSecond;
  }
  Result<int> r = SweepRefits();
  std::lock_guard<std::mutex> lock(mu_);
  sweeping_ = false;
  return r;
}

}  // namespace clv::service
