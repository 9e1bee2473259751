// Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, "How to
// project customer retention", J. Interactive Marketing 21(1)), with the discounted expected
// (residual) lifetime of Fader & Hardie (2010), "Customer-base valuation in a contractual
// setting: the perils of ignoring heterogeneity", Marketing Science 29(1).
//
// Each customer churns at the end of each period with probability θ ~ Beta(alpha, beta); T is the
// period in which the customer churns (T = 1, 2, ...). Periods are whole numbers.
// Pure and thread-safe. Functions returning double give NaN outside their domain.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "engine/optim/mle.h"

namespace clv::engine {

struct SbgParams {
  double alpha = 0;
  double beta = 0;
};

Status ValidateSbgParams(const SbgParams& p);
// `alive[t]` = customers alive at the start of period t, t = 0..N (N >= 1 periods observed):
// finite, alive[0] > 0, never increasing, never negative. Counts need not be whole (weights).
Status ValidateSurvivalCounts(std::span<const double> alive);

// S(t) = P(T > t) = B(alpha, beta + t)/B(alpha, beta), t >= 0.
double SbgSurvival(const SbgParams& p, double t);
// r(t) = S(t)/S(t−1) = (beta + t − 1)/(alpha + beta + t − 1), t >= 1.
double SbgRetention(const SbgParams& p, double t);
// P(T = t) = B(alpha + 1, beta + t − 1)/B(alpha, beta), t >= 1.
double SbgChurnProbability(const SbgParams& p, double t);

// FH (2007) eq. (7): Σ_{t=1}^N (alive[t−1] − alive[t]) log P(T = t) + alive[N] log S(N).
Result<double> SbgLogLikelihood(const SbgParams& p, std::span<const double> alive);

// Maximum likelihood of (alpha, beta) from survival counts, analytic gradient.
Result<MleResult> FitSbg(std::span<const double> alive, const FitOptions& options);

// Expected customers alive at the start of periods 0..horizon for a cohort of `cohort_size`
// (projection beyond the fit window: cohort_size · S(t)). Empty for invalid arguments.
std::vector<double> SbgProjectSurvivors(const SbgParams& p, double cohort_size, int horizon);

// DEL(d) = Σ_{t>=0} S(t)/(1+d)^t = 2F1(1, beta; alpha+beta; 1/(1+d)) (FH 2010 eq. 5): the
// discounted number of payments of a new customer, the first one (t = 0) undiscounted.
// d > 0 is the per-period discount rate.
double SbgDiscountedExpectedLifetime(const SbgParams& p, double discount_rate);

// DERL for a customer who has made `renewals` renewals (so is at the end of period
// renewals + 1), computed just before the next potential renewal (FH 2010 eq. 6 with
// n − 1 = renewals): (beta+renewals)/(alpha+beta+renewals) ·
// 2F1(1, beta+renewals+1; alpha+beta+renewals+1; 1/(1+d)). The next payment is undiscounted.
double SbgDiscountedExpectedResidualLifetime(const SbgParams& p, double discount_rate,
                                             double renewals);

}  // namespace clv::engine
