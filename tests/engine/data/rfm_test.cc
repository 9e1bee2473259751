#include "engine/data/rfm.h"
#include "engine/data/group_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace clv::engine {
namespace {

TEST(RfmTest, ValidateAcceptsGoodDataAndNamesTheBadRow) {
  RfmData ok{{0, 1, 3}, {0, 0, 5}, {2, 3, 5}, {}, {}};  // x > 0 with t_x = 0 is allowed
  EXPECT_TRUE(ValidateRfm(ok).ok());
  RfmData bad = ok;
  bad.recency[2] = 6;
  const Status s = ValidateRfm(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row 2"), std::string::npos) << s.message();
  bad = ok;
  bad.age[1] = INFINITY;
  EXPECT_FALSE(ValidateRfm(bad).ok());
  bad = ok;
  bad.monetary = {1, 2};
  EXPECT_FALSE(ValidateRfm(bad).ok());
  bad = ok;
  bad.weight = {1, -1, 1};
  EXPECT_FALSE(ValidateRfm(bad).ok());
  EXPECT_FALSE(ValidateRfm(RfmData{}).ok());
}

TEST(RfmTest, CompressGroupsIdenticalRowsInSortedOrder) {
  RfmData d{{2, 0, 2, 1, 0, 2}, {5, 0, 5, 1, 0, 4}, {9, 3, 9, 4, 3, 9}, {1, 2, 3, 4, 5, 6},
            {1, 1, 2, 1, 1, 1}};
  const RfmData c = Compress(d);
  EXPECT_EQ(c.frequency, (std::vector<double>{0, 1, 2, 2}));
  EXPECT_EQ(c.recency, (std::vector<double>{0, 1, 4, 5}));
  EXPECT_EQ(c.age, (std::vector<double>{3, 4, 9, 9}));
  EXPECT_EQ(c.weight, (std::vector<double>{2, 1, 1, 3}));
  EXPECT_TRUE(c.monetary.empty());
  EXPECT_DOUBLE_EQ(c.TotalWeight(), d.TotalWeight());
  // -0.0 and 0.0 are one value.
  RfmData z{{0, 0}, {0.0, -0.0}, {1, 1}, {}, {}};
  EXPECT_EQ(Compress(z).size(), 1u);
}

TEST(RfmTest, CompressPackedAndGenericPathsAgree) {
  // Unit-weight whole-number data take the packed radix-sort path; the same rows with explicit
  // unit weights take the hash-and-sort path. Both must give the same rows, order and weights,
  // including across the 32-bit / 64-bit key boundary (large ages) and for x > 2^11.
  std::mt19937_64 rng(7);
  for (const double max_age : {40.0, 1000.0, 900000.0}) {
    RfmData d;
    for (int i = 0; i < 20000; ++i) {
      const double T = std::floor(std::uniform_real_distribution<double>(0, max_age)(rng));
      const double x = (i % 3 == 0) ? 0 : std::floor(std::uniform_real_distribution<double>(0, 5000)(rng));
      const double t_x = x == 0 ? 0.0 : std::floor(std::uniform_real_distribution<double>(0, T)(rng));
      d.frequency.push_back(x);
      d.recency.push_back(t_x);
      d.age.push_back(T);
    }
    for (int i = 0; i < 5000; ++i) {  // force repeated rows
      d.frequency.push_back(d.frequency[i]);
      d.recency.push_back(d.recency[i]);
      d.age.push_back(d.age[i]);
    }
    ASSERT_TRUE(ValidateRfm(d).ok());
    RfmData weighted = d;
    weighted.weight.assign(d.size(), 1.0);
    const RfmData a = Compress(d), b = Compress(weighted);
    EXPECT_EQ(a.frequency, b.frequency) << max_age;
    EXPECT_EQ(a.recency, b.recency) << max_age;
    EXPECT_EQ(a.age, b.age) << max_age;
    EXPECT_EQ(a.weight, b.weight) << max_age;
    EXPECT_DOUBLE_EQ(a.TotalWeight(), 25000);
  }
  // Non-whole times fall back to the generic path and still group.
  RfmData frac{{1, 1, 0}, {0.5, 0.5, 0}, {2.25, 2.25, 1}, {}, {}};
  const RfmData c = Compress(frac);
  EXPECT_EQ(c.frequency, (std::vector<double>{0, 1}));
  EXPECT_EQ(c.weight, (std::vector<double>{1, 2}));
}

TEST(RfmTest, GroupIdenticalRowsPackedAndGeneralPathsGroupAlike) {
  // Whole-number rows take the packed-key table; the same rows shifted by 0.5 in time (not
  // whole) take the general one. Both must give the same partition, numbered by first
  // appearance, with each group's first row as its representative.
  std::mt19937_64 rng(11);
  RfmData whole, half;
  for (int i = 0; i < 30000; ++i) {
    const double T = static_cast<double>(rng() % 400), x = static_cast<double>(rng() % 60);
    const double t_x = x == 0 ? 0.0 : static_cast<double>(rng() % (static_cast<std::uint64_t>(T) + 1));
    whole.frequency.push_back(x);
    whole.recency.push_back(t_x);
    whole.age.push_back(T);
    half.frequency.push_back(x);
    half.recency.push_back(x == 0 ? 0.0 : t_x + 0.5);
    half.age.push_back(T + 0.5);
  }
  const RowGroups a = GroupIdenticalRows(whole), b = GroupIdenticalRows(half);
  EXPECT_EQ(a.group_of_row, b.group_of_row);
  EXPECT_EQ(a.first_row, b.first_row);
  ASSERT_GT(a.first_row.size(), 1000u);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const std::size_t r = a.first_row[static_cast<std::size_t>(a.group_of_row[i])];
    ASSERT_LE(r, i);
    ASSERT_EQ(whole.frequency[r], whole.frequency[i]);
    ASSERT_EQ(whole.recency[r], whole.recency[i]);
    ASSERT_EQ(whole.age[r], whole.age[i]);
  }
}

}  // namespace
}  // namespace clv::engine
