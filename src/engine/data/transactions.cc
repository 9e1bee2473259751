#include "engine/data/transactions.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace clv::engine {

double DaysPerPeriod(Period period) {
  switch (period) {
    case Period::kDay: return 1.0;
    case Period::kWeek: return 7.0;
    case Period::kMonth: return 30.4375;
  }
  return 1.0;
}

namespace {

// Floor division for possibly negative numerators.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Howard Hinnant's civil_from_days: days since 1970-01-01 -> (year, month 1..12).
void CivilFromDays(std::int64_t z, std::int64_t& year, int& month) {
  z += 719468;
  const std::int64_t era = FloorDiv(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

// Range guard: beyond ±1e12 days (far past any calendar) the int64 arithmetic is still exact,
// and the summary would be meaningless anyway; we reject such days as invalid input.
constexpr double kMaxAbsDay = 1e12;

Status ValidateLog(const TransactionLog& log, std::int32_t num_customers,
                   std::span<const double> ends) {
  if (num_customers <= 0) return InvalidArgument("num_customers must be positive");
  if (log.customer.size() != log.day.size()) {
    return InvalidArgument("customer and day arrays differ in length");
  }
  if (!log.amount.empty() && log.amount.size() != log.day.size()) {
    return InvalidArgument("amount must be empty or have one value per transaction");
  }
  if (log.day.empty()) return InvalidArgument("no transactions");
  for (double e : ends) {
    if (!std::isfinite(e) || std::fabs(e) > kMaxAbsDay) {
      return InvalidArgument("the end of the observation period must be a finite day");
    }
  }
  for (std::size_t i = 0; i < log.day.size(); ++i) {
    const std::string where = "transaction " + std::to_string(i) + ": ";
    if (log.customer[i] < 0 || log.customer[i] >= num_customers) {
      return InvalidArgument(where + "customer index out of range");
    }
    if (!std::isfinite(log.day[i]) || std::fabs(log.day[i]) > kMaxAbsDay) {
      return InvalidArgument(where + "day must be finite");
    }
    if (!log.amount.empty() && !std::isfinite(log.amount[i])) {
      return InvalidArgument(where + "amount must be finite");
    }
  }
  return Status::Ok();
}

// Per (customer, period) totals, sorted by customer then period, over transactions whose
// period is <= last_period.
struct PeriodTotals {
  std::vector<std::int32_t> customer;
  std::vector<std::int64_t> period;
  std::vector<double> amount;
};

PeriodTotals GroupByPeriod(const TransactionLog& log, Period period, std::int64_t last_period) {
  const std::size_t n = log.day.size();
  std::vector<std::int64_t> pidx(n);
  std::vector<std::size_t> order;
  order.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    pidx[i] = PeriodIndex(period, log.day[i]);
    if (pidx[i] <= last_period) order.push_back(i);
  }
  // Stable: amounts of one period are summed in input order, so results do not depend on the
  // sort's internals.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (log.customer[a] != log.customer[b]) return log.customer[a] < log.customer[b];
    return pidx[a] < pidx[b];
  });
  PeriodTotals out;
  for (std::size_t i : order) {
    const double amt = log.amount.empty() ? 0.0 : log.amount[i];
    if (!out.customer.empty() && out.customer.back() == log.customer[i] &&
        out.period.back() == pidx[i]) {
      out.amount.back() += amt;
      continue;
    }
    out.customer.push_back(log.customer[i]);
    out.period.push_back(pidx[i]);
    out.amount.push_back(amt);
  }
  return out;
}

// Calibration summary from period totals; also returns, per output row, the [begin, end)
// range of that customer's entries in `totals`.
RfmSummary Summarize(const PeriodTotals& totals, bool with_amounts, std::int64_t end_period,
                     std::vector<std::pair<std::size_t, std::size_t>>* ranges) {
  RfmSummary s;
  std::size_t i = 0;
  const std::size_t n = totals.customer.size();
  while (i < n) {
    std::size_t j = i;
    while (j < n && totals.customer[j] == totals.customer[i]) ++j;
    // Entries [i, j) of this customer; the calibration part is those <= end_period.
    std::size_t k = i;
    while (k < j && totals.period[k] <= end_period) ++k;
    if (k > i) {
      const std::int64_t first = totals.period[i];
      const double x = static_cast<double>(k - i - 1);
      s.customer.push_back(totals.customer[i]);
      s.data.frequency.push_back(x);
      s.data.recency.push_back(static_cast<double>(totals.period[k - 1] - first));
      s.data.age.push_back(static_cast<double>(end_period - first));
      if (with_amounts) {
        double sum = 0;
        for (std::size_t m = i + 1; m < k; ++m) sum += totals.amount[m];
        s.data.monetary.push_back(x > 0 ? sum / x : 0.0);
      }
      if (ranges) ranges->push_back({k, j});
    }
    i = j;
  }
  return s;
}

}  // namespace

std::int64_t PeriodIndex(Period period, double day) {
  const std::int64_t d = static_cast<std::int64_t>(std::floor(day));
  switch (period) {
    case Period::kDay: return d;
    case Period::kWeek: return FloorDiv(d - 4, 7);  // 1970-01-05 was a Monday
    case Period::kMonth: {
      std::int64_t year = 0;
      int month = 0;
      CivilFromDays(d, year, month);
      return year * 12 + (month - 1);
    }
  }
  return d;
}

Result<RfmSummary> SummarizeTransactions(const TransactionLog& log, std::int32_t num_customers,
                                         Period period, double observation_end) {
  const double ends[] = {observation_end};
  CLV_RETURN_IF_ERROR(ValidateLog(log, num_customers, ends));
  const std::int64_t end_period = PeriodIndex(period, observation_end);
  const PeriodTotals totals = GroupByPeriod(log, period, end_period);
  if (totals.customer.empty()) {
    return InvalidArgument("no transaction on or before the end of the observation period");
  }
  return Summarize(totals, !log.amount.empty(), end_period, nullptr);
}

Result<RfmData> SummarizeAtEnds(std::span<const double> days, Period period,
                                std::span<const double> ends) {
  if (days.empty()) return InvalidArgument("no transactions");
  for (std::size_t i = 0; i < days.size(); ++i) {
    if (!std::isfinite(days[i]) || std::fabs(days[i]) > kMaxAbsDay) {
      return InvalidArgument("transaction " + std::to_string(i) + ": day must be finite");
    }
    if (i > 0 && days[i] < days[i - 1]) {
      return InvalidArgument("transaction " + std::to_string(i) + ": days must be ascending");
    }
  }
  // Periods are non-decreasing along ascending days, so the distinct periods of a prefix are
  // counted by one running sum; frequency, recency and age of any prefix follow from it. The
  // prefix of each end is reached by advancing a cursor over the purchases (ascending ends, as
  // a curve asks, are one merge pass with no scratch arrays: this runs on every GET
  // /clv/customers/:id); an end before the previous one rewinds the cursor.
  const std::int64_t first_period = PeriodIndex(period, days[0]);
  std::size_t n = 0;           // purchases with day <= the current end
  std::int64_t distinct = 0;   // distinct periods among them
  std::int64_t last_period = first_period;
  RfmData out;
  out.frequency.reserve(ends.size());
  out.recency.reserve(ends.size());
  out.age.reserve(ends.size());
  for (std::size_t k = 0; k < ends.size(); ++k) {
    const double end = ends[k];
    if (!std::isfinite(end) || std::fabs(end) > kMaxAbsDay) {
      return InvalidArgument("the end of the observation period must be a finite day");
    }
    if (k > 0 && end < ends[k - 1]) {  // rewind
      n = 0;
      distinct = 0;
      last_period = first_period;
    }
    for (; n < days.size() && days[n] <= end; ++n) {
      const std::int64_t p = PeriodIndex(period, days[n]);
      distinct += n == 0 || p != last_period ? 1 : 0;
      last_period = p;
    }
    if (n == 0) {
      return InvalidArgument("end " + std::to_string(k) + ": no transaction on or before it");
    }
    out.frequency.push_back(static_cast<double>(distinct - 1));
    out.recency.push_back(static_cast<double>(last_period - first_period));
    out.age.push_back(static_cast<double>(PeriodIndex(period, end) - first_period));
  }
  return out;
}

Result<CalibrationHoldout> SplitCalibrationHoldout(const TransactionLog& log,
                                                   std::int32_t num_customers, Period period,
                                                   double calibration_end,
                                                   double observation_end) {
  const double ends[] = {calibration_end, observation_end};
  CLV_RETURN_IF_ERROR(ValidateLog(log, num_customers, ends));
  const std::int64_t cal_period = PeriodIndex(period, calibration_end);
  const std::int64_t end_period = PeriodIndex(period, observation_end);
  if (end_period <= cal_period) {
    return InvalidArgument("the observation end must fall in a later period than the calibration end");
  }
  const PeriodTotals totals = GroupByPeriod(log, period, end_period);
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  CalibrationHoldout out;
  out.calibration = Summarize(totals, !log.amount.empty(), cal_period, &ranges);
  if (out.calibration.customer.empty()) {
    return InvalidArgument("no transaction on or before the calibration end");
  }
  out.holdout_duration = static_cast<double>(end_period - cal_period);
  for (const auto& [begin, end] : ranges) {
    const double count = static_cast<double>(end - begin);
    out.holdout_frequency.push_back(count);
    if (!log.amount.empty()) {
      double sum = 0;
      for (std::size_t m = begin; m < end; ++m) sum += totals.amount[m];
      out.holdout_monetary.push_back(count > 0 ? sum / count : 0.0);
    }
  }
  return out;
}

}  // namespace clv::engine
