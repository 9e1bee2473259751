// BG/BB model for discrete purchase opportunities (Fader, Hardie & Shang 2010, "Customer-Base
// Analysis in a Discrete-Time Noncontractual Setting", Marketing Science 29(6)).
//
// Symbols (engine/models/ only): x = number of opportunities with a transaction (frequency),
// t_x = the opportunity of the last transaction (recency, 0 when x = 0), n = opportunities
// observed (periods). A living customer transacts at each opportunity with probability
// p ~ Beta(alpha, beta) and becomes inactive at the start of an opportunity with probability
// θ ~ Beta(gamma, delta).
//
// Pure and thread-safe. Per-pattern functions return NaN for arguments outside their domain;
// the batch functions and the fit answer InvalidArgument instead.
#pragma once

#include <span>

#include "core/status.h"
#include "engine/optim/mle.h"

namespace clv::engine {

struct BgBbParams {
  double alpha = 0;
  double beta = 0;
  double gamma = 0;
  double delta = 0;
};

// One row of a pattern table: `weight` customers share (x, t_x, n). Whole numbers with
// 0 <= x <= t_x <= n, t_x = 0 exactly when x = 0, weight > 0.
struct BgBbPattern {
  double frequency = 0;  // x
  double recency = 0;    // t_x
  double periods = 0;    // n
  double weight = 1;
};

Status ValidateBgBbParams(const BgBbParams& p);
// InvalidArgument naming the first bad row; also for an empty table.
Status ValidateBgBbPatterns(std::span<const BgBbPattern> patterns);

// log L(alpha, beta, gamma, delta | x, t_x, n), FHS (2010) eq. (5): the alive-through-n term
// plus the sum over the opportunities at which the customer may have become inactive, combined
// in log space.
double BgBbLogLikelihood(const BgBbParams& p, double x, double t_x, double n);

// Weighted sum over the table. InvalidArgument for bad parameters or patterns.
Result<double> BgBbTotalLogLikelihood(const BgBbParams& p, std::span<const BgBbPattern> patterns);

// P(alive at opportunity n + periods_ahead | x, t_x, n); periods_ahead = 1 is FHS eq. (11)
// ("alive in period n+1"); lifetimes' conditional_probability_alive(m_periods_in_future, ...).
double BgBbProbabilityAlive(const BgBbParams& p, double periods_ahead, double x, double t_x,
                            double n);

// E[transactions in opportunities n+1 .. n+future_periods | x, t_x, n], FHS eq. (13), summed as
// Σ_i P(alive at n+i) E[p | history] (exact, also at gamma = 1). Cost O(future_periods).
double BgBbExpectedPurchases(const BgBbParams& p, double future_periods, double x, double t_x,
                             double n);

// E[X(n)] for a new customer, FHS eq. (8) in its sum form: alpha/(alpha+beta) Σ_{i=1}^n
// B(gamma, delta+i)/B(gamma, delta).
double BgBbExpectedPurchasesNewCustomer(const BgBbParams& p, double n);

// Maximum likelihood (engine/optim/mle.h), analytic gradient; params alpha, beta, gamma, delta.
Result<MleResult> FitBgBb(std::span<const BgBbPattern> patterns, const FitOptions& options);

}  // namespace clv::engine
