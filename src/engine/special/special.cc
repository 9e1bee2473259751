#include "engine/special/special.h"

#include <math.h>  // lgamma_r (glibc; declared under _GNU_SOURCE, which g++ defines)

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/digamma.hpp>

namespace clv::engine::special {
namespace {
using NoThrow = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;
}  // namespace

double LogGamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

double Digamma(double x) { return boost::math::digamma(x, NoThrow()); }

double LogBeta(double a, double b) { return LogGamma(a) + LogGamma(b) - LogGamma(a + b); }

double LogGammaPoissonPmf(int k, double shape, double rate, double t) {
  const double kd = static_cast<double>(k);
  if (t <= 0) return k == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
  const double log_total = std::log(rate + t);
  return LogGamma(shape + kd) - LogGamma(shape) - LogGamma(kd + 1) +
         shape * (std::log(rate) - log_total) + kd * (std::log(t) - log_total);
}

}  // namespace clv::engine::special
