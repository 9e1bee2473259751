#include "engine/models/purchase_model.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

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

// ProbabilityAliveRows is ProbabilityAlive row by row, bit for bit, for every model: runs of
// equal (x, t_x) as a P(alive) curve has them (the BG/NBD family reuses logs along a run),
// one-time buyers, and single rows (seeded).
TEST(PurchaseModelTest, ProbabilityAliveRowsEqualsEachRowBitForBit) {
  const double params[4] = {0.243, 4.414, 0.793, 2.426};
  const double pnbd[4] = {0.55, 10.58, 0.61, 11.67};
  std::mt19937_64 rng(20261126);
  std::vector<double> x, t_x, T;
  for (int run = 0; run < 400; ++run) {
    const double xi = static_cast<double>(rng() % 6);
    const double txi = xi == 0 ? 0 : static_cast<double>(rng() % 300) / 7.0;
    const int len = 1 + static_cast<int>(rng() % 9);
    for (int k = 0; k < len; ++k) {
      x.push_back(xi);
      t_x.push_back(txi);
      T.push_back(txi + static_cast<double>(rng() % 400) / 7.0);
    }
  }
  for (const char* name : {"bgnbd", "mbgnbd", "pnbd"}) {
    Result<std::unique_ptr<PurchaseModel>> m =
        MakePurchaseModel(name, std::string_view(name) == "pnbd" ? pnbd : params);
    ASSERT_TRUE(m.ok()) << name;
    std::vector<double> out(x.size());
    (*m)->ProbabilityAliveRows(x, t_x, T, out);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double want = (*m)->ProbabilityAlive(x[i], t_x[i], T[i]);
      ASSERT_EQ(std::bit_cast<std::uint64_t>(out[i]), std::bit_cast<std::uint64_t>(want))
          << name << " row " << i;
    }
  }
}

}  // namespace
}  // namespace clv::engine
