// Process metrics for the Prometheus text exposition at GET /metrics: labelled counters and
// histograms that any layer can update (http counts requests, service counts ingested orders,
// the job worker records job durations and outcomes), plus gauges read at scrape time.
//
// Usage (a family is created on first use and found again by name afterwards; the reference
// stays valid for the life of the process, so hot paths may cache it):
//
//   static metrics::CounterFamily& jobs = metrics::Global().Counter(
//       "clv_jobs_total", "Finished jobs by kind and outcome.", {"kind", "outcome"});
//   jobs.Add({"clv.calculate", "succeeded"});
//   static metrics::HistogramFamily& secs = metrics::Global().Histogram(
//       "clv_job_duration_seconds", "Job run time.", {"kind"}, metrics::kJobBuckets);
//   secs.Observe({"clv.calculate"}, 12.5);
//
// Cost: an update takes the calling thread's shard (threads are spread over kShards shards, each
// with its own lock and its own cells), so concurrent threads do not contend on one lock or one
// cache line; a lookup is one hash of the label values. A scrape sums the shards.
//
// Contracts:
//  - Registering a name again with another type, label names or buckets is a programming error
//    (CHECK); names must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]*.
//  - The number of label values passed must equal the number of label names (CHECK).
//  - Label values are escaped on output (backslash, quote, newline); keep their set small
//    (route patterns, not raw paths).
//  - Counters only go up (Add of a negative amount is ignored).
// Thread safety: every member function may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clv::metrics {

inline constexpr std::size_t kShards = 8;

// Seconds. Request latencies: 0.5 ms .. 10 s.
inline const std::vector<double> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                                    5,      10};
// Seconds. Background jobs: 0.1 s .. 30 min.
inline const std::vector<double> kJobBuckets = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};

using Labels = std::initializer_list<std::string_view>;

namespace internal {
// Label values joined with '\x1f' (unit separator), the key of a cell.
std::string JoinLabels(Labels values, std::size_t expected);
std::size_t ShardOfThisThread();
}  // namespace internal

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void Add(Labels values, double amount = 1);
  // Sum over shards for these label values (0 when never updated). For tests and gauges.
  double Value(Labels values) const;
  void Render(std::string& out) const;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, double> cells;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::array<Shard, kShards> shards_;
};

class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets);  // upper bounds, strictly increasing (CHECK)
  void Observe(Labels values, double value);
  // Number of observations for these label values. For tests.
  std::uint64_t Count(Labels values) const;
  void Render(std::string& out) const;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& buckets() const { return buckets_; }

 private:
  struct Cell {
    std::vector<std::uint64_t> counts;  // per bucket (not cumulative), + the +Inf bucket
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Cell> cells;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  std::array<Shard, kShards> shards_;
};

// A value read at scrape time (e.g. open connections, pool usage), without labels.
using GaugeFn = std::function<double()>;

class Registry {
 public:
  CounterFamily& Counter(std::string_view name, std::string_view help,
                         std::vector<std::string> label_names);
  HistogramFamily& Histogram(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names, std::vector<double> buckets);

  // Registers a gauge read at every scrape; the returned handle unregisters it when destroyed
  // (so a gauge that reads an object never outlives it). Registering a name that is already a
  // live gauge replaces it (the newer owner wins).
  class GaugeHandle {
   public:
    GaugeHandle() = default;
    GaugeHandle(Registry* registry, std::string name, std::uint64_t token)
        : registry_(registry), name_(std::move(name)), token_(token) {}
    GaugeHandle(GaugeHandle&& other) noexcept { *this = std::move(other); }
    GaugeHandle& operator=(GaugeHandle&& other) noexcept;
    ~GaugeHandle();

   private:
    Registry* registry_ = nullptr;
    std::string name_;
    std::uint64_t token_ = 0;
  };
  [[nodiscard]] GaugeHandle Gauge(std::string_view name, std::string_view help, GaugeFn read);
  // As Gauge, but exposed with TYPE counter: for totals another object keeps (e.g. the store
  // pool's waits), which `read` must return non-decreasing for the life of the handle.
  [[nodiscard]] GaugeHandle ObservedCounter(std::string_view name, std::string_view help,
                                            GaugeFn read);

  // Prometheus text exposition format 0.0.4, families sorted by name.
  std::string Render() const;

 private:
  struct GaugeEntry {
    std::string help;
    GaugeFn read;
    std::uint64_t token = 0;
    const char* type = "gauge";  // or "counter" (ObservedCounter)
  };
  GaugeHandle AddObserved(std::string_view name, std::string_view help, GaugeFn read,
                          const char* type);
  void RemoveGauge(const std::string& name, std::uint64_t token);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<CounterFamily>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<HistogramFamily>, std::less<>> histograms_;
  std::map<std::string, GaugeEntry, std::less<>> gauges_;
  std::uint64_t next_token_ = 1;
};

// The process-wide registry served at /metrics.
Registry& Global();

// Formats a sample value as Prometheus expects: integers without a fraction, "+Inf", "NaN".
std::string FormatValue(double v);

}  // namespace clv::metrics
