#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace clv {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("must be positive");
  return v;
}

Result<int> Doubled(int v) {
  CLV_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

TEST(StatusTest, OkByDefaultAndNamesCodes) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(NotFound("no such customer").ToString(), "not_found: no such customer");
  EXPECT_EQ(InvalidArgument("x").WithContext("line 3").message(), "line 3: x");
}

TEST(StatusTest, ResultCarriesValueOrError) {
  EXPECT_EQ(*Doubled(4), 8);
  Result<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusTest, ResultHoldsMoveOnlyTypes) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusDeathTest, ValueOfErrorIsABug) {
  Result<int> bad = InvalidArgument("nope");
  EXPECT_DEATH((void)bad.value(), "CHECK failed");
}

}  // namespace
}  // namespace clv
