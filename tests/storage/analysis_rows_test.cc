// AnalysisRowSorter (storage/analysis_rows.h): the in-memory order behind
// Store::StreamOrdersForAnalysis, checked against a plain sort of the same rows.
#include "storage/analysis_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace clv::storage::internal {
namespace {

using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::string>;

// Rows in random order; customer ids drawn from [base, base + spread).
std::vector<Key> RandomRows(std::size_t n, std::int64_t base, std::int64_t spread,
                            std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Key> rows;
  const char* currencies[] = {"EUR", "USD", "GBP"};
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t customer = base + static_cast<std::int64_t>(rng() % spread);
    const std::int64_t placed = static_cast<std::int64_t>(rng() % 50);  // many ties
    const std::int64_t amount = static_cast<std::int64_t>(rng() % 2001) - 1000;
    rows.emplace_back(customer, placed, static_cast<std::int64_t>(i) * 7 + 3, amount,
                      currencies[rng() % 3]);
  }
  std::shuffle(rows.begin(), rows.end(), rng);
  return rows;
}

// What the sorter must emit: (customer, placed_at, order id) order, order id dropped.
std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> Expected(
    std::vector<Key> rows) {
  std::sort(rows.begin(), rows.end(), [](const Key& a, const Key& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> out;
  for (const Key& k : rows)
    out.emplace_back(std::get<0>(k), std::get<1>(k), std::get<3>(k), std::get<4>(k));
  return out;
}

std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> Sorted(
    const std::vector<Key>& rows) {
  AnalysisRowSorter sorter;
  for (const Key& k : rows)
    sorter.Add(std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), std::get<4>(k));
  EXPECT_EQ(sorter.size(), rows.size());
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> out;
  EXPECT_TRUE(sorter
                  .Emit([&](const AnalysisRow& r) {
                    out.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor, r.currency);
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

TEST(AnalysisRowSorterTest, DenseCustomerIdsSortByCustomerTimeAndOrderId) {
  // 20,000 rows over 3,000 customers: the counting-sort path.
  const auto rows = RandomRows(20000, 1'000'000'000, 3000, 7);
  EXPECT_EQ(Sorted(rows), Expected(rows));
}

TEST(AnalysisRowSorterTest, SparseCustomerIdsFallBackToAComparisonSort) {
  // Ids spread over 10^12 for 5,000 rows: far beyond the counting sort's range.
  const auto rows = RandomRows(5000, -500'000'000'000, 1'000'000'000'000, 11);
  EXPECT_EQ(Sorted(rows), Expected(rows));
}

TEST(AnalysisRowSorterTest, EmptyAndSingleRow) {
  EXPECT_TRUE(Sorted({}).empty());
  const std::vector<Key> one = {{5, 10, 1, -20, "JPY"}};
  EXPECT_EQ(Sorted(one), Expected(one));
}

TEST(AnalysisRowSorterTest, AppendedSortersEmitAsOne) {
  // A split read: each part in its own sorter, currencies interned in different orders.
  const auto rows = RandomRows(9000, 42, 2500, 13);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{4000}, rows.size()}) {
    AnalysisRowSorter first, second;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Key& k = rows[i < cut ? i : rows.size() - 1 - (i - cut)];
      (i < cut ? first : second)
          .Add(std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), std::get<4>(k));
    }
    first.Append(std::move(second));
    EXPECT_EQ(first.size(), rows.size());
    EXPECT_EQ(second.size(), 0u);
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> out;
    ASSERT_TRUE(first
                    .Emit([&](const AnalysisRow& r) {
                      out.emplace_back(r.customer.value, r.placed_at_us, r.amount_minor,
                                       r.currency);
                      return Status::Ok();
                    })
                    .ok());
    EXPECT_EQ(out, Expected(rows)) << "cut at " << cut;
  }
}

TEST(AnalysisRowSorterTest, SinkErrorStopsTheStream) {
  AnalysisRowSorter sorter;
  for (int i = 0; i < 10; ++i) sorter.Add(i, 0, i, 1, "EUR");
  int calls = 0;
  Status s = sorter.Emit([&](const AnalysisRow&) {
    return ++calls == 3 ? Internal("stop") : Status::Ok();
  });
  EXPECT_EQ(s.message(), "stop");
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace clv::storage::internal
