#include "engine/models/purchase_model.h"

#include <gtest/gtest.h>

#include "engine/data/csv_testlib.h"

namespace clv::engine {
namespace {

TEST(PurchaseModelTest, RegistryFitsAndMakesByName) {
  EXPECT_TRUE(IsPurchaseModel("bgnbd"));
  EXPECT_TRUE(IsPurchaseModel("mbgnbd"));
  EXPECT_FALSE(IsPurchaseModel("nope"));
  const RfmData data = testing::CdnowRfm(testing::ReadCsv(testing::DataPath("cdnow_customers.csv")),
                                         "frequency", "recency", "T");
  Result<PurchaseFit> fit = FitPurchaseModel("bgnbd", data, {});
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->model->name(), "bgnbd");
  EXPECT_EQ(fit->model->param_names(), (std::vector<std::string>{"r", "alpha", "a", "b"}));
  EXPECT_NEAR(fit->model->params()[0], 0.243, 0.0005);

  const double p[4] = {0.243, 4.414, 0.793, 2.426};
  Result<std::unique_ptr<PurchaseModel>> m = MakePurchaseModel("mbgnbd", p);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->name(), "mbgnbd");
  EXPECT_GT((*m)->ExpectedPurchases(10, 2, 5, 20), 0);
}

TEST(PurchaseModelTest, RejectsBadNamesAndParameters) {
  const double p[4] = {0.243, 4.414, 0.793, 2.426};
  EXPECT_EQ(MakePurchaseModel("xyz", p).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePurchaseModel("bgnbd", std::span<const double>(p, 3)).status().code(),
            StatusCode::kInvalidArgument);
  const double neg[4] = {0.243, -1, 0.793, 2.426};
  EXPECT_EQ(MakePurchaseModel("bgnbd", neg).status().code(), StatusCode::kInvalidArgument);
  const RfmData data{{1}, {2}, {3}, {}, {}};
  EXPECT_EQ(FitPurchaseModel("xyz", data, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FitPurchaseModel("bgnbd", RfmData{}, {}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
