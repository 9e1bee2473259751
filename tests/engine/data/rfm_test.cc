#include "engine/data/rfm.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace clv::engine
