// The analytics read side (service/clv_queries.h) over a real SQLite store holding a real
// calculation of a synthetic shop: lists are complete, duplicate-free and ordered for every
// sort; filters agree with the aggregates; segment and tier counts add up; the churn list is
// ranked by value at risk; the P(alive) history ends at the stored score and jumps at orders;
// cohort sums equal the order log's; bad parameters are InvalidArgument; tenants are isolated.
// (The same endpoints run on SQLite and PostgreSQL in tests/http/api_clv_test.cc.)
#include "service/clv_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/time.h"
#include "service/clv_queries_fixture.h"

namespace clv::service {
namespace {

using ::testing::HasSubstr;

constexpr UnixMicros kEnd = MidnightUtc(2025, 6, 1);

class ClvQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<storage::Store>> s = storage::OpenStore("sqlite::memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->Migrate().ok());
    Result<storage::TenantWithOwner> a = store_->CreateTenantWithOwner("A", "a@example.com", "x", kEnd);
    Result<storage::TenantWithOwner> b = store_->CreateTenantWithOwner("B", "b@example.com", "x", kEnd);
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = a->tenant.id;
    b_ = b->tenant.id;
    shop_ = clvtest::MakeShop(300, 42, kEnd, 730, "A-");
    clvtest::StoreShop(*store_, a_, shop_, kEnd);
    queries_ = std::make_unique<ClvQueryService>(*store_, clock_);
  }

  void Calculate() {
    Result<clvtest::StoredCalculation> c = clvtest::CalculateAndStore(*store_, a_, kEnd - 1, kEnd);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    calc_ = std::make_unique<clvtest::StoredCalculation>(std::move(c).value());
  }

  // Every item of a listing, following cursors.
  std::vector<storage::ScoredCustomer> All(TenantId tenant, storage::ListScoresOptions o) {
    std::vector<storage::ScoredCustomer> out;
    for (int pages = 0; pages < 1000; ++pages) {
      Result<ScoredPage> p = queries_->ListCustomers(tenant, o);
      EXPECT_TRUE(p.ok()) << p.status().ToString();
      if (!p.ok()) break;
      out.insert(out.end(), p->page.items.begin(), p->page.items.end());
      if (p->page.next_cursor.empty()) break;
      o.cursor = p->page.next_cursor;
    }
    return out;
  }

  FakeClock clock_{kEnd};
  std::unique_ptr<storage::Store> store_;
  TenantId a_, b_;
  clvtest::SyntheticShop shop_;
  std::unique_ptr<ClvQueryService> queries_;
  std::unique_ptr<clvtest::StoredCalculation> calc_;
};

TEST_F(ClvQueriesTest, BeforeAnyCalculationListsAreEmptyNotErrors) {
  Result<ScoredPage> page = queries_->ListCustomers(a_, {});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_FALSE(page->fit.has_value());
  EXPECT_TRUE(page->page.items.empty());
  Result<SegmentReport> seg = queries_->Segments(a_);
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(seg->total_customers, 0);
  EXPECT_EQ(seg->segments.size(), 11u);
  EXPECT_EQ(seg->clv_tiers.size(), 4u);
  Result<ChurnPage> churn = queries_->Churn(a_, 0, "", std::nullopt);
  ASSERT_TRUE(churn.ok());
  EXPECT_EQ(churn->bands.size(), 3u);
  Result<storage::Page<Customer>> customers = store_->ListCustomers(a_, {});
  ASSERT_TRUE(customers.ok());
  Result<CustomerDetail> d = queries_->GetCustomer(a_, customers->items.front().id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->score.has_value());
  EXPECT_TRUE(d->p_alive_history.empty());
  EXPECT_GT(d->purchases + d->refunded_minor, 0);
}

TEST_F(ClvQueriesTest, EverySortIsCompleteDuplicateFreeAndOrdered) {
  Calculate();
  const std::size_t n = calc_->result.customer_ids.size();
  using Key = std::function<double(const storage::CustomerScore&)>;
  const std::vector<std::pair<std::string, Key>> sorts = {
      {"predicted_clv", [](const auto& s) { return s.predicted_clv_minor; }},
      {"historical_clv", [](const auto& s) { return static_cast<double>(s.historical_clv_minor); }},
      {"p_alive", [](const auto& s) { return s.p_alive; }},
      {"expected_purchases", [](const auto& s) { return s.expected_purchases_365d; }},
      {"value_at_risk", [](const auto& s) { return s.value_at_risk_minor; }},
      {"last_order", [](const auto& s) { return static_cast<double>(s.last_order_day); }},
  };
  for (const auto& [name, key] : sorts) {
    for (bool desc : {true, false}) {
      storage::ListScoresOptions o;
      Result<storage::ScoreSort> sort = ParseScoreSort(name);
      ASSERT_TRUE(sort.ok());
      o.sort = *sort;
      o.descending = desc;
      o.limit = 37;  // pages end mid-way through runs of ties
      std::vector<storage::ScoredCustomer> all = All(a_, o);
      ASSERT_EQ(all.size(), n) << name;
      std::set<std::int64_t> ids;
      for (const auto& c : all) ids.insert(c.customer.id.value);
      EXPECT_EQ(ids.size(), n) << name << " has duplicates";
      for (std::size_t i = 1; i < all.size(); ++i) {
        const double prev = key(all[i - 1].score), cur = key(all[i].score);
        const bool in_order = desc ? prev >= cur : prev <= cur;
        ASSERT_TRUE(in_order) << name << (desc ? " desc" : " asc") << " at " << i;
        if (prev == cur) {  // ties: customer id, same direction
          EXPECT_EQ(all[i - 1].customer.id.value < all[i].customer.id.value, !desc) << name;
        }
      }
    }
  }
}

TEST_F(ClvQueriesTest, FiltersAgreeWithTheAggregates) {
  Calculate();
  Result<SegmentReport> seg = queries_->Segments(a_);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  for (const GroupRow& g : seg->segments) {
    storage::ListScoresOptions o;
    o.segment = g.key;
    std::vector<storage::ScoredCustomer> all = All(a_, o);
    EXPECT_EQ(static_cast<std::int64_t>(all.size()), g.customers) << g.key;
    std::int64_t revenue = 0;
    for (const auto& c : all) {
      EXPECT_EQ(c.score.segment, g.key);
      revenue += c.score.historical_clv_minor;
    }
    EXPECT_EQ(revenue, g.historical_clv_minor) << g.key;
  }
  for (const GroupRow& g : seg->clv_tiers) {
    storage::ListScoresOptions o;
    o.clv_tier = g.key;
    EXPECT_EQ(static_cast<std::int64_t>(All(a_, o).size()), g.customers) << g.key;
  }
  // Combined filters: the intersection.
  storage::ListScoresOptions o;
  o.churn_risk = "high";
  o.clv_tier = "rest";
  for (const auto& c : All(a_, o)) {
    EXPECT_EQ(c.score.churn_risk, "high");
    EXPECT_EQ(c.score.clv_tier, "rest");
  }
  for (auto bad : {&storage::ListScoresOptions::segment, &storage::ListScoresOptions::churn_risk,
                   &storage::ListScoresOptions::clv_tier}) {
    storage::ListScoresOptions b;
    b.*bad = "nonsense";
    Result<ScoredPage> r = queries_->ListCustomers(a_, b);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("'nonsense'"));
  }
  EXPECT_EQ(ParseScoreSort("name").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClvQueriesTest, SegmentsAndTiersAddUpAndMatchTheCalculation) {
  Calculate();
  Result<SegmentReport> seg = queries_->Segments(a_);
  ASSERT_TRUE(seg.ok());
  const CalculationResult& r = calc_->result;
  EXPECT_EQ(seg->total_customers, r.customers);
  ASSERT_TRUE(seg->fit.has_value());
  EXPECT_EQ(seg->fit->id, calc_->fit.id);
  std::int64_t sum = 0, tier_sum = 0;
  for (std::size_t i = 0; i < seg->segments.size(); ++i) {
    const GroupRow& g = seg->segments[i];
    sum += g.customers;
    // The engine's own table at calculation time, group by group.
    EXPECT_EQ(g.key, r.segments.groups[i].key);
    EXPECT_EQ(g.name, r.segments.groups[i].name);
    EXPECT_EQ(g.customers, r.segments.groups[i].customers) << g.key;
    EXPECT_EQ(g.historical_clv_minor, r.segments.groups[i].revenue_minor) << g.key;
    EXPECT_NEAR(g.average_predicted_clv_minor, r.segments.groups[i].mean_predicted_clv,
                1e-6 * (1 + r.segments.groups[i].mean_predicted_clv)) << g.key;
  }
  for (std::size_t i = 0; i < seg->clv_tiers.size(); ++i) {
    tier_sum += seg->clv_tiers[i].customers;
    EXPECT_EQ(seg->clv_tiers[i].customers, r.clv_tiers.groups[i].customers);
  }
  EXPECT_EQ(sum, seg->total_customers);
  EXPECT_EQ(tier_sum, seg->total_customers);
  // top 1% of 300 = 3 customers, top 10% = 30 − 3, top 50% = 150 − 30.
  EXPECT_EQ(seg->clv_tiers[0].customers, r.customers / 100);
}

TEST_F(ClvQueriesTest, ChurnIsRankedByValueAtRiskAndBandsAddUp) {
  Calculate();
  std::vector<storage::ScoredCustomer> ranked;
  std::string cursor;
  Result<ChurnPage> first = queries_->Churn(a_, 50, "", std::nullopt);
  ASSERT_TRUE(first.ok());
  for (;;) {
    Result<ChurnPage> p = queries_->Churn(a_, 50, cursor, std::nullopt);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ranked.insert(ranked.end(), p->customers.page.items.begin(), p->customers.page.items.end());
    if (p->customers.page.next_cursor.empty()) break;
    cursor = p->customers.page.next_cursor;
  }
  ASSERT_EQ(static_cast<std::int64_t>(ranked.size()), calc_->result.customers);
  for (std::size_t i = 1; i < ranked.size(); ++i) {
    ASSERT_GE(ranked[i - 1].score.value_at_risk_minor, ranked[i].score.value_at_risk_minor) << i;
  }
  for (const auto& c : ranked) {
    EXPECT_NEAR(c.score.value_at_risk_minor, c.score.predicted_clv_minor * (1 - c.score.p_alive),
                1e-6 * (1 + c.score.predicted_clv_minor));
    // One-time buyers are not "certainly alive" (the engine's correction for BG/NBD).
    if (c.score.frequency == 0 && c.score.age > 10) {
      EXPECT_LT(c.score.p_alive, 1.0);
    }
  }
  std::int64_t band_total = 0;
  for (const GroupRow& b : first->bands) {
    band_total += b.customers;
    Result<ChurnPage> only = queries_->Churn(a_, 1000, "", b.key);
    ASSERT_TRUE(only.ok());
    EXPECT_EQ(static_cast<std::int64_t>(only->customers.page.items.size()), b.customers) << b.key;
    for (const auto& c : only->customers.page.items) EXPECT_EQ(c.score.churn_risk, b.key);
  }
  EXPECT_EQ(band_total, calc_->result.customers);
  EXPECT_EQ(queries_->Churn(a_, 10, "", "doomed").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queries_->Churn(a_, 10, "garbage-cursor", std::nullopt).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ClvQueriesTest, CustomerDetailHistoryEndsAtTheScoreAndJumpsAtOrders) {
  Calculate();
  const CalculationResult& r = calc_->result;
  int checked = 0, repeaters = 0;
  for (std::size_t c = 0; c < r.customer_ids.size(); c += 7) {
    Result<CustomerDetail> d = queries_->GetCustomer(a_, r.customer_ids[c]);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ASSERT_TRUE(d->score.has_value());
    EXPECT_EQ(d->score->fit_id, calc_->fit.id);
    EXPECT_EQ(d->purchases, r.scores.orders[c]);
    EXPECT_EQ(d->net_revenue_minor, r.scores.historical_clv_minor[c]);  // margin 1
    const auto& h = d->p_alive_history;
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(h.front().day, r.scores.first_order_day[c]);
    EXPECT_TRUE(h.front().order);
    EXPECT_EQ(h.back().day, r.as_of_day);
    for (std::size_t i = 1; i < h.size(); ++i) {
      ASSERT_LT(h[i - 1].day, h[i].day);
      EXPECT_GE(h[i].p_alive, 0.0);
      EXPECT_LE(h[i].p_alive, 1.0);
      // A repeat purchase never lowers P(alive) below the day before.
      if (h[i].order && h[i - 1].day == h[i].day - 1) {
        EXPECT_GE(h[i].p_alive, h[i - 1].p_alive - 1e-12);
      }
    }
    // Between orders P(alive) only falls (nothing new is learned but time passing).
    for (std::size_t i = 1; i < h.size(); ++i) {
      if (!h[i].order) {
        EXPECT_LE(h[i].p_alive, h[i - 1].p_alive + 1e-12) << i;
      }
    }
    int orders = 0;
    for (const auto& p : h) orders += p.order ? 1 : 0;
    EXPECT_GE(orders, 1);
    // The last point is the stored score's P(alive): the same model on the same summary. For
    // BG/NBD one-time buyers the calculation used the fitted MBG/NBD, the history MBG/NBD at the
    // BG/NBD parameters, so only repeat customers are compared exactly.
    if (r.scores.frequency[c] > 0 || r.chosen_model != "bgnbd") {
      EXPECT_NEAR(h.back().p_alive, d->score->p_alive, 1e-9) << c;
      ++repeaters;
    }
    ++checked;
  }
  EXPECT_GT(checked, 30);
  EXPECT_GT(repeaters, 5);

  EXPECT_EQ(queries_->GetCustomer(a_, CustomerId{999999}).status().code(), StatusCode::kNotFound);
}

TEST_F(ClvQueriesTest, CohortSumsEqualTheOrderLog) {
  // Net of refunds: what the calculation counts (cancelled orders never count).
  const std::int64_t net = shop_.paid_total_minor - shop_.refunded_total_minor;
  Result<CalculationInput> input = clvtest::ReadInput(*store_, a_, kEnd);
  ASSERT_TRUE(input.ok());
  for (CohortPeriod period : {CohortPeriod::kWeek, CohortPeriod::kMonth, CohortPeriod::kQuarter}) {
    for (engine::CohortMetric metric : {engine::CohortMetric::kRetention, engine::CohortMetric::kRevenue,
                                        engine::CohortMetric::kLtv, engine::CohortMetric::kCustomers}) {
      Result<CohortReport> r = queries_->Cohorts(a_, period, metric);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->as_of_day, UtcDayOf(kEnd));  // no fit yet: today
      EXPECT_EQ(r->total_revenue_minor, net);
      EXPECT_EQ(r->total_orders, static_cast<std::int64_t>(input->num_purchases()));
      EXPECT_EQ(r->total_customers, input->num_customers());
      std::int64_t customers = 0, orders = 0, revenue = 0;
      for (const CohortReportRow& row : r->cohorts) {
        customers += row.customers;
        for (std::int64_t v : row.orders) orders += v;
        for (std::int64_t v : row.revenue_minor) revenue += v;
        ASSERT_EQ(row.values.size(), r->num_periods);
        ASSERT_TRUE(row.values[0].has_value());
        if (metric == engine::CohortMetric::kRetention) {
          EXPECT_DOUBLE_EQ(*row.values[0], 1.0);
        }
        // Ragged: observed cells first, then absent ones.
        for (std::size_t k = 0; k < r->num_periods; ++k) {
          EXPECT_EQ(row.values[k].has_value(), k < row.active.size());
        }
      }
      EXPECT_EQ(customers, r->total_customers);
      EXPECT_EQ(orders, r->total_orders);
      EXPECT_EQ(revenue, net);
      ASSERT_EQ(r->overall.size(), r->num_periods);
      if (metric == engine::CohortMetric::kRevenue) {
        double sum = 0;
        for (const auto& v : r->overall) sum += v.value_or(0);
        EXPECT_DOUBLE_EQ(sum, static_cast<double>(net));
      }
    }
  }
  // Quarters start on Jan 1, Apr 1, Jul 1, Oct 1; the last one contains as_of.
  Result<CohortReport> q = queries_->Cohorts(a_, CohortPeriod::kQuarter, engine::CohortMetric::kRevenue);
  ASSERT_TRUE(q.ok());
  for (const auto& row : q->cohorts) {
    const CivilDay d = CivilFromDays(row.start_day);
    EXPECT_EQ(d.day, 1);
    EXPECT_EQ((d.month - 1) % 3, 0);
  }
  EXPECT_EQ(q->cohorts.front().active.size(), q->num_periods);
  // 2023-06 .. 2025-05 spans quarters 2023Q2 .. 2025Q2: at most 9 columns.
  EXPECT_LE(q->num_periods, 9u);

  // The monthly matrix at the fit's as_of is the calculation's own.
  Calculate();
  Result<CohortReport> m = queries_->Cohorts(a_, CohortPeriod::kMonth, engine::CohortMetric::kRevenue);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->as_of_day, calc_->result.as_of_day);
  ASSERT_EQ(m->cohorts.size(), calc_->result.cohorts.cohorts.size());
  for (std::size_t i = 0; i < m->cohorts.size(); ++i) {
    EXPECT_EQ(m->cohorts[i].start_day, calc_->result.cohorts.cohorts[i].start_day);
    EXPECT_EQ(m->cohorts[i].revenue_minor, calc_->result.cohorts.cohorts[i].revenue_minor);
    EXPECT_EQ(m->cohorts[i].active, calc_->result.cohorts.cohorts[i].active);
  }
  // An explicit as_of cuts the matrix: nothing after it counts.
  Result<CohortReport> cut = queries_->Cohorts(a_, CohortPeriod::kMonth, engine::CohortMetric::kRevenue,
                                               DaysFromCivil(2024, 6, 30));
  ASSERT_TRUE(cut.ok());
  EXPECT_LT(cut->total_revenue_minor, net);
  EXPECT_EQ(cut->cohorts.back().start_day, DaysFromCivil(2024, 6, 1));

  EXPECT_EQ(ParseCohortPeriod("year").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queries_->Cohorts(a_, CohortPeriod::kMonth, engine::CohortMetric::kLtv, -5).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ClvQueriesTest, TenantsNeverSeeEachOther) {
  Calculate();
  // B has orders of its own but no calculation.
  clvtest::StoreShop(*store_, b_, clvtest::MakeShop(20, 7, kEnd, 365, "B-"), kEnd);
  Result<ScoredPage> page = queries_->ListCustomers(b_, {});
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->fit.has_value());
  EXPECT_TRUE(page->page.items.empty());
  Result<SegmentReport> seg = queries_->Segments(b_);
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(seg->total_customers, 0);
  Result<CohortReport> cohorts = queries_->Cohorts(b_, CohortPeriod::kMonth, engine::CohortMetric::kCustomers);
  ASSERT_TRUE(cohorts.ok());
  EXPECT_EQ(cohorts->total_customers, 20);
  // Every id of A, asked as B: either not found or one of B's own customers, never A's.
  for (CustomerId id : calc_->result.customer_ids) {
    Result<CustomerDetail> d = queries_->GetCustomer(b_, id);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
      continue;
    }
    EXPECT_EQ(d->customer.external_id.rfind("B-", 0), 0u) << d->customer.external_id;
    EXPECT_FALSE(d->score.has_value());
  }
}

TEST_F(ClvQueriesTest, WalkCoversEveryRow) {
  Calculate();
  storage::ListScoresOptions o;
  o.sort = storage::ScoreSort::kValueAtRisk;
  o.limit = 3;  // ignored: the walk reads full pages
  CustomerWalk walk(*queries_, a_, o);
  std::set<std::int64_t> ids;
  int pages = 0;
  for (;;) {
    Result<std::optional<ScoredPage>> p = walk.Next();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    if (!*p) break;
    ++pages;
    for (const auto& c : (*p)->page.items) ids.insert(c.customer.id.value);
  }
  EXPECT_EQ(pages, 1);  // 300 customers fit in one page of 1000
  EXPECT_EQ(static_cast<std::int64_t>(ids.size()), calc_->result.customers);

}

// HistoryDays against its definition: every purchase day, the day before each repeat purchase
// after the first day, the weekly (span <= 730 days) or monthly grid, and as_of, sorted, one
// point per day, flagged when a purchase falls on it. Seeded: repeated days, purchases on grid
// days and on as_of, one-purchase customers, both grids.
TEST(HistoryDaysTest, EqualsTheSortedUnionOfItsParts) {
  std::mt19937_64 rng(20261126);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::int64_t first = DaysFromCivil(2020, 1, 1) + static_cast<std::int64_t>(rng() % 400);
    const std::int64_t span = static_cast<std::int64_t>(rng() % (trial % 2 == 0 ? 731 : 2000));
    const std::int64_t as_of = first + span;
    std::vector<std::int64_t> purchases = {first};
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const std::int64_t gap = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 60);
      const std::int64_t d = rng() % 5 == 0 ? first + 7 * static_cast<std::int64_t>(rng() % 8)
                                            : purchases.back() + gap;
      purchases.push_back(std::min(std::max(d, purchases.back()), as_of));
    }
    std::map<std::int64_t, bool> want;  // day -> purchase on it
    for (std::size_t i = 0; i < purchases.size(); ++i) {
      want[purchases[i]] = true;
      if (i > 0 && purchases[i] - 1 > first) want.emplace(purchases[i] - 1, false);
    }
    // The grid by its definition, day by day: every 7th day after the first purchase, or every
    // first of a month after it, before as_of.
    for (std::int64_t d = first + 1; d < as_of; ++d) {
      if (span <= 730 ? (d - first) % 7 == 0 : CivilFromDays(d).day == 1) want.emplace(d, false);
    }
    want.emplace(as_of, false);
    std::vector<PAlivePoint> got = {PAlivePoint{}};  // replaced, not appended to
    HistoryDays(purchases, as_of, got);
    ASSERT_EQ(got.size(), want.size()) << "trial " << trial;
    std::size_t k = 0;
    for (const auto& [day, order] : want) {
      EXPECT_EQ(got[k].day, day) << "trial " << trial << " point " << k;
      EXPECT_EQ(got[k].order, order) << "trial " << trial << " point " << k;
      ++k;
    }
  }
}

}  // namespace
}  // namespace clv::service
