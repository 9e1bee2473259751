// Generates a per-customer summary CSV (customer_id,frequency,recency,T,monetary_value) for the
// `clv fit` benchmark (bench/fit_cli_bench.sh), simulated from the models themselves so that the
// data has the shape real data has (many one-time buyers, a long tail of frequent ones):
//   purchases: BG/NBD (Fader, Hardie & Lee 2005) at the CDNOW estimates r=0.243, alpha=4.414
//     (per week), a=0.793, b=2.426;
//   spend: Gamma-Gamma (Fader & Hardie 2013) at p=6.25, q=3.74, gamma=15.44 (USD);
//   acquisition: first purchases uniform over `--cohort-weeks` weeks, observation end
//     `--end-weeks` weeks after the first possible acquisition.
// Times are measured in days and written in weeks with two decimals (days / 7, as in the CDNOW
// summaries), or in whole weeks with --whole-weeks (lifetimes' freq='W' summaries). Repeat
// purchases on the same day (or week) count once.
//
// Standalone on purpose (no project libraries): the benchmark script compiles it with g++.
//   gen_summary_csv --rows 1000000 --seed 42 [--cohort-weeks 52] [--end-weeks 78]
//                   [--whole-weeks] > summary.csv
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

int main(int argc, char** argv) {
  long rows = 1000000;
  unsigned long long seed = 42;
  double cohort_weeks = 52, end_weeks = 78;
  bool whole_weeks = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "gen_summary_csv: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows") rows = std::atol(next());
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--cohort-weeks") cohort_weeks = std::atof(next());
    else if (a == "--end-weeks") end_weeks = std::atof(next());
    else if (a == "--whole-weeks") whole_weeks = true;
    else {
      std::fprintf(stderr, "gen_summary_csv: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426;
  const double p = 6.25, q = 3.74, gamma = 15.44;
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> lambda_dist(r, 1.0 / alpha);
  std::gamma_distribution<double> ga(a, 1.0), gb(b, 1.0);
  std::gamma_distribution<double> nu_dist(q, 1.0 / gamma);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  const double unit_days = whole_weeks ? 7.0 : 1.0;
  std::string out = "customer_id,frequency,recency,T,monetary_value\n";
  char line[128];
  for (long id = 1; id <= rows; ++id) {
    const double start_days = std::floor(unif(rng) * cohort_weeks * 7);
    const long T_units = static_cast<long>(std::floor((end_weeks * 7 - start_days) / unit_days));
    const double lambda = lambda_dist(rng);  // purchases per week
    const double ga_draw = ga(rng);
    const double drop = ga_draw / (ga_draw + gb(rng));
    const double nu = nu_dist(rng);
    std::gamma_distribution<double> spend_dist(p, 1.0 / nu);
    long x = 0, last_unit = 0;
    double t_weeks = 0, spend = 0;
    std::exponential_distribution<double> wait(lambda > 0 ? lambda : 1e-300);
    while (true) {
      t_weeks += wait(rng);
      const long unit = static_cast<long>(std::floor(t_weeks * 7 / unit_days));
      if (!(unit <= T_units)) break;
      if (unit > last_unit) {  // a new day (week) with a purchase
        ++x;
        last_unit = unit;
        spend += spend_dist(rng);
      }
      if (unif(rng) < drop) break;
    }
    const double monetary = x > 0 ? std::max(0.01, spend / x) : 0.0;
    int n;
    if (whole_weeks) {
      n = std::snprintf(line, sizeof line, "%ld,%ld,%ld,%ld,%.2f\n", id, x, last_unit, T_units,
                        monetary);
    } else {
      n = std::snprintf(line, sizeof line, "%ld,%ld,%.2f,%.2f,%.2f\n", id, x, last_unit / 7.0,
                        T_units / 7.0, monetary);
    }
    out.append(line, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
