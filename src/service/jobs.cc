#include "service/jobs.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "core/time.h"
#include "service/clv_job.h"

namespace clv::service {
namespace {

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
    : store_(store), clock_(clock), options_(options), worker_id_(MakeWorkerId()) {
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
  auto handler = handlers_.find(job.kind);
  if (handler != handlers_.end()) result = handler->second(job, progress, cancelled);
  {
    std::lock_guard<std::mutex> lock(hb_mu);
    done = true;
  }
  hb_cv.notify_all();
  heartbeat.join();
  if (cancelled.load()) {
    spdlog::warn("job {}: abandoned after losing its lease", job.id.value);
    return true;
  }
  Status finished = result.ok()
                        ? store_.FinishJob(job.tenant, job.id, worker_id_, true, *result, "", clock_.Now())
                        : store_.FinishJob(job.tenant, job.id, worker_id_, false, "",
                                           result.status().message(), clock_.Now());
  if (finished.code() == StatusCode::kFailedPrecondition) {
    spdlog::warn("job {}: finished after losing its lease; outcome dropped", job.id.value);
    return true;
  }
  CLV_RETURN_IF_ERROR(finished);
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

Result<bool> JobRunner::MaybeScheduleRefit(TenantId tenant) {
  if (options_.refit_interval_hours <= 0) return false;
  Result<storage::ModelFitRecord> fit = store_.GetCurrentFit(tenant);
  if (!fit.ok()) {
    if (fit.status().code() == StatusCode::kNotFound) return false;  // never asked for: no refit
    return fit.status();
  }
  if (fit->as_of_explicit) return false;  // a historical analysis does not age
  const UnixMicros interval = options_.refit_interval_hours * 3600 * kMicrosPerSecond;
  if (clock_.Now() - fit->created_at_us < interval) return false;
  // The fit's own request, still "as of now".
  std::string params = "{}";
  boost::system::error_code ec;
  boost::json::value report = boost::json::parse(fit->report_json, ec);
  if (!ec && report.is_object()) {
    if (const boost::json::value* req = report.as_object().if_contains("request")) {
      params = boost::json::serialize(*req);
    }
  }
  CLV_ASSIGN_OR_RETURN(storage::EnqueuedJob e,
                       Enqueue(tenant, kClvCalculateJob, params, std::nullopt));
  if (e.created) spdlog::info("tenant {}: scheduled refit queued as job {}", tenant.value, e.job.id.value);
  return true;
}

}  // namespace clv::service
