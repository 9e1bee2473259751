// Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma Model of
// Monetary Value"; lifetimes' GammaGammaFitter).
//
// Symbols: x = repeat purchases (> 0), m = mean repeat-transaction value (z̄ in the note).
// Each transaction value z ~ Gamma(p, rate ν); ν ~ Gamma(q, rate γ) across customers. lifetimes
// calls γ "v"; we use the paper's name gamma. The model assumes spend is independent of the
// purchase process, so the fit reports the correlation between x and m to check that.
//
// Thread safety: pure functions and immutable values.
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "engine/data/rfm.h"
#include "engine/optim/mle.h"

namespace clv::engine {

struct GammaGammaParams {
  double p = 1, q = 1, gamma = 1;
};

// InvalidArgument unless every parameter is positive and finite.
Status ValidateGammaGammaParams(const GammaGammaParams& params);

// Log-likelihood of one customer's mean spend m over x transactions (x > 0, m > 0):
// the density of z̄ (Fader & Hardie 2013, eq. 5), as in lifetimes.
double GammaGammaLogLikelihood(const GammaGammaParams& params, double x, double m);

// E[mean spend | x, m] = p (γ + x m) / (p x + q − 1) (lifetimes'
// conditional_expected_average_profit). Valid for x > 0; for x = 0 it is the population mean
// p γ / (q − 1), which is +infinity when q <= 1.
double GammaGammaExpectedSpend(const GammaGammaParams& params, double x, double m);

struct GammaGammaFit {
  GammaGammaParams params;
  MleResult mle;                     // p, q, gamma
  double frequency_monetary_correlation = 0;  // Pearson, weighted, over the rows used
  double customers_used = 0;         // total weight of rows with x > 0
};

// Fits on the rows with x > 0 of `data` (data.monetary is required; rows with x > 0 need
// m > 0). InvalidArgument for bad data or when no row has x > 0. Monetary values are divided by
// their weighted mean for the optimiser (γ scales with money) and γ is mapped back.
Result<GammaGammaFit> FitGammaGamma(const RfmData& data, const FitOptions& options);

}  // namespace clv::engine
