#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "core/check.h"

namespace clv::metrics {
namespace {

constexpr char kSep = '\x1f';

bool IsMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  return IsMetricName(s) && s.find(':') == std::string_view::npos;
}

void AppendEscaped(std::string& out, std::string_view v, bool help) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && !help) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscaped(out, help, true);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// `{a="x",b="y"` (no closing brace, so a histogram can append `,le="…"`); empty when there
// are no labels.
std::string LabelText(const std::vector<std::string>& names, std::string_view key) {
  if (names.empty()) return {};
  std::string out = "{";
  std::size_t start = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::size_t end = key.find(kSep, start);
    if (end == std::string_view::npos) end = key.size();
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, key.substr(start, end - start), false);
    out += '"';
    start = end + 1;
  }
  return out;
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::string_view extra_label, double value) {
  out += name;
  if (!labels.empty() || !extra_label.empty()) {
    if (labels.empty()) {
      out += '{';
    } else {
      out += labels;
      if (!extra_label.empty()) out += ',';
    }
    out += extra_label;
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

}  // namespace

namespace internal {

std::string JoinLabels(Labels values, std::size_t expected) {
  CLV_CHECK(values.size() == expected);
  std::string key;
  bool first = true;
  for (std::string_view v : values) {
    if (!first) key += kSep;
    first = false;
    key += v;
  }
  return key;
}

std::size_t ShardOfThisThread() {
  // Threads take shards round robin as they first touch metrics: with the server's few io and
  // worker threads, each usually has a shard to itself.
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

}  // namespace internal

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest text that reads back exactly (0.1, not 0.10000000000000001).
  for (int precision = 6; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

// ---- Counter ---------------------------------------------------------------------------------

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::Add(Labels values, double amount) {
  if (!(amount >= 0)) return;
  std::string key = internal::JoinLabels(values, label_names_.size());
  Shard& shard = shards_[internal::ShardOfThisThread()];
  std::lock_guard lock(shard.mu);
  shard.cells[std::move(key)] += amount;
}

double CounterFamily::Value(Labels values) const {
  const std::string key = internal::JoinLabels(values, label_names_.size());
  double total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    auto it = shard.cells.find(key);
    if (it != shard.cells.end()) total += it->second;
  }
  return total;
}

void CounterFamily::Render(std::string& out) const {
  std::map<std::string, double> merged;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [key, v] : shard.cells) merged[key] += v;
  }
  AppendHeader(out, name_, help_, "counter");
  for (const auto& [key, v] : merged) AppendSample(out, name_, LabelText(label_names_, key), "", v);
}

// ---- Histogram -------------------------------------------------------------------------------

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  CLV_CHECK(!buckets_.empty());
  for (std::size_t i = 1; i < buckets_.size(); ++i) CLV_CHECK(buckets_[i - 1] < buckets_[i]);
  for (const std::string& l : label_names_) CLV_CHECK(l != "le");
}

void HistogramFamily::Observe(Labels values, double value) {
  if (std::isnan(value)) return;
  std::string key = internal::JoinLabels(values, label_names_.size());
  const std::size_t bucket =
      static_cast<std::size_t>(std::lower_bound(buckets_.begin(), buckets_.end(), value) -
                               buckets_.begin());  // le semantics: value <= bound
  Shard& shard = shards_[internal::ShardOfThisThread()];
  std::lock_guard lock(shard.mu);
  Cell& cell = shard.cells[std::move(key)];
  if (cell.counts.empty()) cell.counts.assign(buckets_.size() + 1, 0);
  ++cell.counts[bucket];
  cell.sum += value;
  ++cell.count;
}

std::uint64_t HistogramFamily::Count(Labels values) const {
  const std::string key = internal::JoinLabels(values, label_names_.size());
  std::uint64_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    auto it = shard.cells.find(key);
    if (it != shard.cells.end()) total += it->second.count;
  }
  return total;
}

void HistogramFamily::Render(std::string& out) const {
  std::map<std::string, Cell> merged;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [key, c] : shard.cells) {
      Cell& m = merged[key];
      if (m.counts.empty()) m.counts.assign(buckets_.size() + 1, 0);
      for (std::size_t i = 0; i < c.counts.size(); ++i) m.counts[i] += c.counts[i];
      m.sum += c.sum;
      m.count += c.count;
    }
  }
  AppendHeader(out, name_, help_, "histogram");
  const std::string bucket_name = name_ + "_bucket";
  const std::string sum_name = name_ + "_sum";
  const std::string count_name = name_ + "_count";
  for (const auto& [key, c] : merged) {
    const std::string labels = LabelText(label_names_, key);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += c.counts[i];
      AppendSample(out, bucket_name, labels, "le=\"" + FormatValue(buckets_[i]) + "\"",
                   static_cast<double>(cumulative));
    }
    AppendSample(out, bucket_name, labels, "le=\"+Inf\"", static_cast<double>(c.count));
    AppendSample(out, sum_name, labels, "", c.sum);
    AppendSample(out, count_name, labels, "", static_cast<double>(c.count));
  }
}

// ---- Registry --------------------------------------------------------------------------------

CounterFamily& Registry::Counter(std::string_view name, std::string_view help,
                                 std::vector<std::string> label_names) {
  CLV_CHECK(IsMetricName(name));
  for (const std::string& l : label_names) CLV_CHECK(IsLabelName(l));
  std::lock_guard lock(mu_);
  CLV_CHECK(histograms_.find(name) == histograms_.end() && gauges_.find(name) == gauges_.end());
  auto it = counters_.find(name);
  if (it != counters_.end()) {
    CLV_CHECK(it->second->label_names() == label_names);
    return *it->second;
  }
  auto family = std::make_unique<CounterFamily>(std::string(name), std::string(help),
                                                std::move(label_names));
  CounterFamily& ref = *family;
  counters_.emplace(std::string(name), std::move(family));
  return ref;
}

HistogramFamily& Registry::Histogram(std::string_view name, std::string_view help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets) {
  CLV_CHECK(IsMetricName(name));
  for (const std::string& l : label_names) CLV_CHECK(IsLabelName(l));
  std::lock_guard lock(mu_);
  CLV_CHECK(counters_.find(name) == counters_.end() && gauges_.find(name) == gauges_.end());
  auto it = histograms_.find(name);
  if (it != histograms_.end()) {
    CLV_CHECK(it->second->label_names() == label_names && it->second->buckets() == buckets);
    return *it->second;
  }
  auto family = std::make_unique<HistogramFamily>(std::string(name), std::string(help),
                                                  std::move(label_names), std::move(buckets));
  HistogramFamily& ref = *family;
  histograms_.emplace(std::string(name), std::move(family));
  return ref;
}

Registry::GaugeHandle Registry::Gauge(std::string_view name, std::string_view help, GaugeFn read) {
  return AddObserved(name, help, std::move(read), "gauge");
}

Registry::GaugeHandle Registry::ObservedCounter(std::string_view name, std::string_view help,
                                                GaugeFn read) {
  return AddObserved(name, help, std::move(read), "counter");
}

Registry::GaugeHandle Registry::AddObserved(std::string_view name, std::string_view help,
                                            GaugeFn read, const char* type) {
  CLV_CHECK(IsMetricName(name));
  std::lock_guard lock(mu_);
  CLV_CHECK(counters_.find(name) == counters_.end() && histograms_.find(name) == histograms_.end());
  const std::uint64_t token = next_token_++;
  gauges_[std::string(name)] = GaugeEntry{std::string(help), std::move(read), token, type};
  return GaugeHandle(this, std::string(name), token);
}

void Registry::RemoveGauge(const std::string& name, std::uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = gauges_.find(name);
  if (it != gauges_.end() && it->second.token == token) gauges_.erase(it);
}

Registry::GaugeHandle& Registry::GaugeHandle::operator=(GaugeHandle&& other) noexcept {
  if (this != &other) {
    if (registry_ != nullptr) registry_->RemoveGauge(name_, token_);
    registry_ = std::exchange(other.registry_, nullptr);
    name_ = std::move(other.name_);
    token_ = other.token_;
  }
  return *this;
}

Registry::GaugeHandle::~GaugeHandle() {
  if (registry_ != nullptr) registry_->RemoveGauge(name_, token_);
}

std::string Registry::Render() const {
  // Gauges are read under the registry lock: their callbacks must not touch the registry.
  std::lock_guard lock(mu_);
  std::map<std::string_view, std::function<void(std::string&)>> parts;
  for (const auto& [name, family] : counters_) {
    parts[name] = [f = family.get()](std::string& out) { f->Render(out); };
  }
  for (const auto& [name, family] : histograms_) {
    parts[name] = [f = family.get()](std::string& out) { f->Render(out); };
  }
  for (const auto& [name, gauge] : gauges_) {
    parts[name] = [&name = name, &gauge = gauge](std::string& out) {
      AppendHeader(out, name, gauge.help, gauge.type);
      AppendSample(out, name, "", "", gauge.read());
    };
  }
  std::string out;
  out.reserve(4096);
  for (const auto& [name, render] : parts) render(out);
  return out;
}

Registry& Global() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

}  // namespace clv::metrics
