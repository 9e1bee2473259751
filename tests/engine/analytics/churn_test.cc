#include "engine/analytics/churn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace clv::engine {
namespace {

// Fader, Hardie & Lee (2005) BG/NBD estimates for the CDNOW cohort (weeks).
constexpr double kR = 0.243, kAlpha = 4.414, kA = 0.793, kB = 2.426;

std::unique_ptr<PurchaseModel> Make(const char* name, std::vector<double> params) {
  Result<std::unique_ptr<PurchaseModel>> m = MakePurchaseModel(name, params);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

// FHL (2005) eq. (13) for x > 0, written out independently of the engine.
double BgNbdPAlive(double x, double t_x, double T) {
  return 1.0 / (1.0 + kA / (kB + x - 1) * std::pow((kAlpha + T) / (kAlpha + t_x), kR + x));
}
// MBG/NBD at the same parameters for x = 0 (Batislam et al. 2007).
double MbgPAliveOneTimeBuyer(double T) {
  return 1.0 / (1.0 + kA / kB * std::pow((kAlpha + T) / kAlpha, kR));
}

RfmData Example() {
  RfmData d;
  d.frequency = {0, 2, 5, 10, 1};
  d.recency = {0, 30, 5, 37, 2};
  d.age = {30, 38, 38, 38, 60};
  return d;
}

TEST(ChurnTest, BgNbdWithOneTimeBuyerCorrection) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  EXPECT_EQ(bg->ProbabilityAlive(0, 0, 30), 1.0);  // the flaw being corrected
  const RfmData d = Example();
  const std::vector<double> clv = {100, 200, 300, 400, 50};
  Result<ChurnReport> r = AssessChurn(*bg, d, clv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->one_time_buyer_p_alive_source, "mbgnbd_at_bgnbd_params");
  ASSERT_EQ(r->ranked.size(), 5u);
  std::vector<ChurnRow> by_row(5);
  for (const ChurnRow& row : r->ranked) by_row[static_cast<std::size_t>(row.row)] = row;

  EXPECT_TRUE(by_row[0].one_time_buyer);
  EXPECT_TRUE(by_row[0].p_alive_corrected);
  EXPECT_NEAR(by_row[0].p_alive, MbgPAliveOneTimeBuyer(30), 1e-10);
  EXPECT_LT(by_row[0].p_alive, 0.8);
  for (std::size_t i = 1; i < 5; ++i) {
    EXPECT_FALSE(by_row[i].p_alive_corrected);
    EXPECT_NEAR(by_row[i].p_alive, BgNbdPAlive(d.frequency[i], d.recency[i], d.age[i]), 1e-10)
        << i;
    EXPECT_NEAR(by_row[i].value_at_risk, clv[i] * (1 - by_row[i].p_alive), 1e-9);
  }
  // Bands by the documented thresholds.
  for (const ChurnRow& row : r->ranked) {
    const ChurnRisk expected = row.p_alive >= 0.7   ? ChurnRisk::kLow
                               : row.p_alive < 0.3 ? ChurnRisk::kHigh
                                                   : ChurnRisk::kMedium;
    EXPECT_EQ(row.risk, expected) << row.row;
  }
  // Row 2 (x = 5, last purchase in week 5 of 38) is almost surely gone: high risk.
  EXPECT_EQ(by_row[2].risk, ChurnRisk::kHigh);
  // Row 3 (bought last week) is low risk.
  EXPECT_EQ(by_row[3].risk, ChurnRisk::kLow);
  // Ranking: value at risk descending.
  for (std::size_t k = 1; k < r->ranked.size(); ++k) {
    EXPECT_GE(r->ranked[k - 1].value_at_risk, r->ranked[k].value_at_risk);
  }
  EXPECT_EQ(r->ranked[0].row, 2);
  double total = 0;
  for (const ChurnRow& row : r->ranked) total += row.value_at_risk;
  EXPECT_NEAR(r->total_value_at_risk, total, 1e-9);
  EXPECT_EQ(r->customers[0] + r->customers[1] + r->customers[2], 5);
  EXPECT_EQ(r->one_time_buyers, 1);
}

TEST(ChurnTest, FallbackModelForOneTimeBuyers) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  const auto mbg = Make("mbgnbd", {0.5, 6.0, 0.9, 2.0});
  ChurnOptions options;
  options.one_time_buyer_model = mbg.get();
  const RfmData d = Example();
  const std::vector<double> clv = {100, 200, 300, 400, 50};
  Result<ChurnReport> r = AssessChurn(*bg, d, clv, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->one_time_buyer_p_alive_source, "fallback_model");
  for (const ChurnRow& row : r->ranked) {
    if (row.row == 0) {
      EXPECT_DOUBLE_EQ(row.p_alive, mbg->ProbabilityAlive(0, 0, 30));
    } else if (row.row == 1) {
      EXPECT_DOUBLE_EQ(row.p_alive, bg->ProbabilityAlive(2, 30, 38));
    }
  }
}

TEST(ChurnTest, OtherModelsAreNotCorrected) {
  const auto pnbd = Make("pnbd", {0.553, 10.58, 0.606, 11.67});
  const RfmData d = Example();
  const std::vector<double> clv = {100, 200, 300, 400, 50};
  Result<ChurnReport> r = AssessChurn(*pnbd, d, clv);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->one_time_buyer_p_alive_source, "model");
  for (const ChurnRow& row : r->ranked) {
    EXPECT_FALSE(row.p_alive_corrected);
    const auto i = static_cast<std::size_t>(row.row);
    EXPECT_DOUBLE_EQ(row.p_alive, pnbd->ProbabilityAlive(d.frequency[i], d.recency[i], d.age[i]));
  }
}

TEST(ChurnTest, TiesRankedByRowAndWeightsCount) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  RfmData d;
  d.frequency = {3, 3, 3};
  d.recency = {10, 10, 10};
  d.age = {40, 40, 40};
  d.weight = {2, 5, 1};
  const std::vector<double> clv = {10, 10, 10};
  Result<ChurnReport> r = AssessChurn(*bg, d, clv);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranked[0].row, 0);
  EXPECT_EQ(r->ranked[1].row, 1);
  EXPECT_EQ(r->ranked[2].row, 2);
  const double p = BgNbdPAlive(3, 10, 40);
  EXPECT_NEAR(r->expected_alive, 8 * p, 1e-9);
  EXPECT_NEAR(r->total_value_at_risk, 8 * 10 * (1 - p), 1e-9);
  EXPECT_EQ(r->total_customers, 8);
}

TEST(ChurnTest, DeterministicOnALargeBase) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  std::mt19937 rng(99);
  RfmData d;
  std::vector<double> clv;
  for (int i = 0; i < 20000; ++i) {
    const double T = 1 + static_cast<double>(rng() % 78);
    const double x = static_cast<double>(rng() % 8);
    d.frequency.push_back(x);
    d.recency.push_back(x == 0 ? 0 : T * static_cast<double>(rng() % 1000) / 1000.0);
    d.age.push_back(T);
    clv.push_back(static_cast<double>(rng() % 500));
  }
  Result<ChurnReport> a = AssessChurn(*bg, d, clv);
  Result<ChurnReport> b = AssessChurn(*bg, d, clv);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->total_value_at_risk, b->total_value_at_risk);
  for (std::size_t k = 0; k < a->ranked.size(); ++k) {
    ASSERT_EQ(a->ranked[k].row, b->ranked[k].row);
    if (k > 0) {
      const ChurnRow &p = a->ranked[k - 1], &q = a->ranked[k];
      ASSERT_TRUE(p.value_at_risk > q.value_at_risk ||
                  (p.value_at_risk == q.value_at_risk &&
                   (p.p_alive < q.p_alive || (p.p_alive == q.p_alive && p.row < q.row))));
    }
  }
}

TEST(ChurnTest, InvalidInput) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  const RfmData d = Example();
  const std::vector<double> short_clv = {1, 2};
  EXPECT_EQ(AssessChurn(*bg, d, short_clv).status().code(), StatusCode::kInvalidArgument);
  const std::vector<double> negative = {1, 2, -3, 4, 5};
  EXPECT_EQ(AssessChurn(*bg, d, negative).status().code(), StatusCode::kInvalidArgument);
  const std::vector<double> clv = {1, 2, 3, 4, 5};
  ChurnOptions bad;
  bad.high_risk_below = 0.8;
  bad.low_risk_from = 0.5;
  EXPECT_EQ(AssessChurn(*bg, d, clv, bad).status().code(), StatusCode::kInvalidArgument);
  RfmData broken = d;
  broken.recency[1] = 50;  // recency > age
  EXPECT_EQ(AssessChurn(*bg, broken, clv).status().code(), StatusCode::kInvalidArgument);
}

// ChurnPAlive is AssessChurn's P(alive) per row, in input order, for all three correction cases
// (BG/NBD corrected by MBG/NBD at its parameters, by a fallback model, and an uncorrected model),
// pinned to the published formulas for BG/NBD.
TEST(ChurnTest, ChurnPAliveIsAssessChurnsPAliveInRowOrder) {
  const auto bg = Make("bgnbd", {kR, kAlpha, kA, kB});
  const auto mbg = Make("mbgnbd", {0.5, 6.0, 0.9, 2.0});
  const auto pnbd = Make("pnbd", {0.553, 10.58, 0.606, 11.67});
  ChurnOptions fallback;
  fallback.one_time_buyer_model = mbg.get();
  const RfmData d = Example();
  const std::vector<double> clv = {100, 200, 300, 400, 50};
  struct Case {
    const PurchaseModel* model;
    ChurnOptions options;
  };
  for (const Case& c : {Case{bg.get(), {}}, Case{bg.get(), fallback}, Case{pnbd.get(), {}}}) {
    Result<ChurnReport> report = AssessChurn(*c.model, d, clv, c.options);
    Result<std::vector<double>> p = ChurnPAlive(*c.model, d, c.options);
    ASSERT_TRUE(report.ok() && p.ok());
    ASSERT_EQ(p->size(), d.size());
    for (const ChurnRow& row : report->ranked) {
      EXPECT_EQ((*p)[static_cast<std::size_t>(row.row)], row.p_alive) << c.model->name() << row.row;
    }
  }
  Result<std::vector<double>> p = ChurnPAlive(*bg, d);
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR((*p)[0], MbgPAliveOneTimeBuyer(30), 1e-10);
  for (std::size_t i = 1; i < d.size(); ++i) {
    EXPECT_NEAR((*p)[i], BgNbdPAlive(d.frequency[i], d.recency[i], d.age[i]), 1e-10) << i;
  }
  RfmData broken = d;
  broken.recency[1] = 50;  // recency > age
  EXPECT_EQ(ChurnPAlive(*bg, broken).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clv::engine
