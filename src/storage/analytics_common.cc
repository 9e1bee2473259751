#include "storage/analytics_common.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "storage/common.h"

namespace clv::storage::internal {

std::optional<JobStatus> ParseJobStatus(std::string_view name) {
  for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded,
                      JobStatus::kFailed}) {
    if (JobStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string EncodeDoubles(std::span<const double> values) {
  std::string out;
  char buf[64];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    const double v = values[i];
    if (std::isnan(v)) {
      out += "nan";
    } else if (std::isinf(v)) {
      out += v > 0 ? "inf" : "-inf";
    } else {
      // Shortest representation that parses back to the same double.
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
      out.append(buf, end);
    }
  }
  return out;
}

Result<std::vector<double>> DecodeDoubles(std::string_view text) {
  std::vector<double> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string item(text.substr(start, comma - start));
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);  // accepts "nan", "inf", "-inf"
    if (item.empty() || end != item.c_str() + item.size())
      return Internal("stored parameter list is malformed: '" + std::string(text) + "'");
    out.push_back(v);
    start = comma + 1;
  }
  return out;
}

std::string FitColumnsWithoutReport() {
  // Checked at compile time, so a column added after report cannot be cut off silently.
  constexpr std::string_view kAll = kFitColumns;
  constexpr std::string_view kLast = ", report";
  static_assert(kAll.size() > kLast.size() && kAll.ends_with(kLast));
  return std::string(kAll.substr(0, kAll.size() - kLast.size()));
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

const std::string& JobSelect() {
  static const std::string s = Cat({"SELECT ", kJobColumns, " FROM jobs "});
  return s;
}

const std::string& FitSelect() {
  static const std::string s = Cat({"SELECT tenant_id, id, ", kFitColumns, " FROM model_fits "});
  return s;
}

const std::string& ScoreSelect() {
  static const std::string s =
      Cat({"SELECT ", kScoreColumns, ", ", kScoreCustomerColumns,
           " FROM customer_scores s JOIN customers c ON c.tenant_id = s.tenant_id "
           "AND c.id = s.customer_id "});
  return s;
}

const std::string& ScoreUpsertAssignments() {
  static const std::string s = [] {
    std::string out;
    std::string_view cols = kScoreColumns;
    while (!cols.empty()) {
      const std::size_t comma = cols.find(',');
      std::string_view col = cols.substr(0, comma);
      cols = comma == std::string_view::npos ? std::string_view() : cols.substr(comma + 1);
      while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
      if (col == "customer_id") continue;  // the conflict key
      out += Cat({out.empty() ? "" : ", ", col, " = excluded.", col});
    }
    return out;
  }();
  return s;
}

const char* ScoreSortColumn(ScoreSort sort) {
  switch (sort) {
    case ScoreSort::kPredictedClv: return "predicted_clv_minor";
    case ScoreSort::kHistoricalClv: return "historical_clv_minor";
    case ScoreSort::kPAlive: return "p_alive";
    case ScoreSort::kExpectedPurchases365d: return "expected_purchases_365d";
    case ScoreSort::kValueAtRisk: return "value_at_risk_minor";
    case ScoreSort::kLastOrder: return "last_order_day";
    case ScoreSort::kCustomerId: return "customer_id";
  }
  return "customer_id";
}

bool ScoreSortIsInteger(ScoreSort sort) {
  return sort == ScoreSort::kHistoricalClv || sort == ScoreSort::kLastOrder ||
         sort == ScoreSort::kCustomerId;
}

namespace {

// FNV-1a over the filters (absent and empty differ), so a cursor knows what it was made with.
std::uint32_t FilterHash(const ListScoresOptions& o) {
  std::uint32_t h = 2166136261u;
  auto mix = [&](const std::optional<std::string>& f) {
    const unsigned char tag = f ? 1 : 0;
    h = (h ^ tag) * 16777619u;
    if (f)
      for (unsigned char c : *f) h = (h ^ c) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
  };
  mix(o.segment);
  mix(o.churn_risk);
  mix(o.clv_tier);
  return h;
}

std::string CursorHeader(const ListScoresOptions& o) {
  char buf[48];
  auto n = std::snprintf(buf, sizeof buf, "s1.%d%c.%08x.", static_cast<int>(o.sort),
                         o.descending ? 'd' : 'a', FilterHash(o));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::int64_t SortKeyBits(const ListScoresOptions& o, const CustomerScore& s) {
  switch (o.sort) {
    case ScoreSort::kHistoricalClv: return s.historical_clv_minor;
    case ScoreSort::kLastOrder: return s.last_order_day;
    case ScoreSort::kCustomerId: return s.customer.value;
    case ScoreSort::kPredictedClv: return std::bit_cast<std::int64_t>(s.predicted_clv_minor);
    case ScoreSort::kPAlive: return std::bit_cast<std::int64_t>(s.p_alive);
    case ScoreSort::kExpectedPurchases365d:
      return std::bit_cast<std::int64_t>(s.expected_purchases_365d);
    case ScoreSort::kValueAtRisk: return std::bit_cast<std::int64_t>(s.value_at_risk_minor);
  }
  return 0;
}

bool ParseInt(std::string_view s, std::int64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::string EncodeScoreCursor(const ListScoresOptions& options, const CustomerScore& last) {
  return CursorHeader(options) + std::to_string(SortKeyBits(options, last)) + "." +
         std::to_string(last.customer.value);
}

Result<std::optional<ScoreCursor>> DecodeScoreCursor(const ListScoresOptions& options) {
  const std::string_view c = options.cursor;
  if (c.empty()) return std::optional<ScoreCursor>();
  if (c.size() > 96 || !c.starts_with("s1."))
    return InvalidArgument("malformed cursor; pass next_cursor unchanged");
  const std::string header = CursorHeader(options);
  if (!c.starts_with(header)) {
    return InvalidArgument(
        "cursor was made with another sort, direction or filters; start again without a "
        "cursor");
  }
  const std::string_view rest = c.substr(header.size());
  const std::size_t dot = rest.find('.');
  ScoreCursor out;
  std::int64_t key = 0;
  if (dot == std::string_view::npos || !ParseInt(rest.substr(0, dot), &key) ||
      !ParseInt(rest.substr(dot + 1), &out.customer) || out.customer <= 0)
    return InvalidArgument("malformed cursor; pass next_cursor unchanged");
  if (ScoreSortIsInteger(options.sort)) {
    out.int_key = key;
  } else {
    out.double_key = std::bit_cast<double>(key);
    if (!std::isfinite(out.double_key))
      return InvalidArgument("malformed cursor; pass next_cursor unchanged");
  }
  return std::optional<ScoreCursor>(out);
}

Status ValidateScores(std::span<const CustomerScore> scores, std::int64_t offset) {
  std::unordered_set<std::int64_t> seen;
  seen.reserve(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const CustomerScore& s = scores[i];
    const std::string where = "scores[" + std::to_string(offset + static_cast<std::int64_t>(i)) +
                              "]: ";
    if (s.customer.value <= 0) return InvalidArgument(where + "customer id must be positive");
    if (!seen.insert(s.customer.value).second)
      return InvalidArgument(where + "customer " + std::to_string(s.customer.value) +
                             " appears twice");
    if (!std::isfinite(s.predicted_clv_minor) || !std::isfinite(s.p_alive) ||
        !std::isfinite(s.expected_purchases_365d) || !std::isfinite(s.value_at_risk_minor))
      return InvalidArgument(where +
                             "predicted CLV, p_alive, expected purchases (365 days) and value "
                             "at risk must be finite (they are sort keys)");
    if (s.churn_risk.empty() || s.segment.empty() || s.clv_tier.empty())
      return InvalidArgument(where + "churn_risk, segment and clv_tier must not be empty");
  }
  return Status::Ok();
}

const char* ScoreGroupColumn(ScoreGroupBy group_by) {
  switch (group_by) {
    case ScoreGroupBy::kSegment: return "segment";
    case ScoreGroupBy::kClvTier: return "clv_tier";
    case ScoreGroupBy::kChurnRisk: return "churn_risk";
  }
  return "segment";
}

Status ValidateGroupings(std::span<const ScoreGroupBy> groupings) {
  if (groupings.empty()) return InvalidArgument("score aggregates: no grouping given");
  for (std::size_t i = 0; i < groupings.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (groupings[i] == groupings[j]) {
        return InvalidArgument(std::string("score aggregates: grouping by ") +
                               ScoreGroupColumn(groupings[i]) + " listed twice");
      }
    }
  }
  return Status::Ok();
}

void ScoreGroupSums::Add(std::string_view key, std::int64_t customers,
                         std::int64_t historical_clv_minor, double predicted_clv_minor,
                         double value_at_risk_minor) {
  if (groups_.empty() || groups_[last_].key != key) {
    // std::string's ordering is char_traits<char>::compare: unsigned bytes, as SQLite's BINARY
    // collation and PostgreSQL's "C".
    auto it = std::lower_bound(groups_.begin(), groups_.end(), key,
                               [](const ScoreGroup& g, std::string_view k) { return g.key < k; });
    if (it == groups_.end() || it->key != key) it = groups_.insert(it, ScoreGroup{std::string(key)});
    last_ = static_cast<std::size_t>(it - groups_.begin());
  }
  ScoreGroup& g = groups_[last_];
  g.customers += customers;
  g.historical_clv_minor += historical_clv_minor;
  g.predicted_clv_minor += predicted_clv_minor;
  g.value_at_risk_minor += value_at_risk_minor;
}

Status ValidateJobKind(std::string_view kind) {
  if (kind.empty()) return InvalidArgument("job kind is empty");
  return Status::Ok();
}

Status ValidateWorker(std::string_view worker) {
  if (worker.empty()) return InvalidArgument("worker name is empty");
  return Status::Ok();
}

Status ValidateProgress(double progress) {
  if (!(progress >= 0 && progress <= 1))
    return InvalidArgument("job progress must be between 0 and 1");
  return Status::Ok();
}

Status ValidateFit(TenantId tenant, const ModelFitRecord& fit) {
  if (fit.tenant != tenant) return InvalidArgument("fit record belongs to another tenant");
  if (fit.customers < 0) return InvalidArgument("fit customer count is negative");
  return Status::Ok();
}

Status ValidateReportKeys(std::span<const std::string_view> keys) {
  for (std::string_view k : keys) {
    if (k.empty()) return InvalidArgument("report key: empty");
  }
  return Status::Ok();
}

Result<std::int64_t> DecodeDescendingCursor(std::string_view cursor) {
  if (cursor.empty()) return std::numeric_limits<std::int64_t>::max();
  return DecodeCursor(cursor);
}

}  // namespace clv::storage::internal
