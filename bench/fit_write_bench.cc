// Fit-write throughput of the stores (Store::BeginFitWrite): writing a model fit and all its
// customer scores, the last step of a CLV calculation (issue 4's 30 s budget for 1M customers).
//
//   fit_write_bench [--customers N] [--batch N] [--backend sqlite|postgres|all]
//
// Imports N customers (one order each) into a fresh tenant of a fresh database — a temporary
// SQLite file, and a temporary PostgreSQL database on the server of CLV_TEST_POSTGRES_URL when
// set — then writes a fit with N scores twice: "first" (no scores yet) and "replace" (every
// score replaced, the steady state of recalculation). Scores are generated batch by batch from
// the customer index (deterministic); only one batch is in memory. Prints seconds and scores/s
// per phase, and the process's peak RSS. Results are recorded in docs/benchmarks.md
// ("Fit write").
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/store.h"
#include "store_bench_backends.h"

namespace {

using clv::bench::PeakRssMiB;
using clv::storage::CustomerScore;
using clv::storage::Store;

struct Config {
  long customers = 1'000'000;
  long batch = 10'000;
  std::string backend = "all";
};

int Fail(const char* backend, const clv::Status& s) {
  std::fprintf(stderr, "%s: %s\n", backend, s.ToString().c_str());
  return 1;
}

// Customer ids are 1..N in both backends for the only tenant of a fresh database (SQLite
// numbers per tenant; PostgreSQL's sequence starts at 1), in import order.
void MakeScores(long first, long count, int round, std::vector<CustomerScore>& out) {
  static const char* kSegments[] = {"champions", "loyal", "at_risk", "hibernating", "new"};
  static const char* kRisks[] = {"low", "medium", "high"};
  static const char* kTiers[] = {"top_1", "top_10", "top_50", "rest"};
  out.clear();
  for (long i = first; i < first + count; ++i) {
    CustomerScore s;
    s.customer.value = i + 1;
    const double u = static_cast<double>((i * 7919 + round * 104729) % 1000003) / 1000003.0;
    s.frequency = static_cast<double>(i % 13);
    s.recency = s.frequency * 3.5;
    s.age = 100;
    s.monetary = 1234.5 + static_cast<double>(i % 1000);
    s.orders = s.frequency + 1;
    s.first_order_day = 18000 + i % 700;
    s.last_order_day = 18700 + i % 365;
    s.historical_clv_minor = 1000 + i % 100000;
    s.p_alive = u;
    s.expected_purchases_30d = u * 0.3;
    s.expected_purchases_90d = u * 0.9;
    s.expected_purchases_365d = u * 3.6;
    s.expected_purchases_horizon = u * 3.6;
    s.expected_spend_minor = 4321.0;
    s.predicted_clv_minor = u * 150000.0;
    s.clv_lower_minor = i % 10 == 0 ? std::nan("") : u * 120000.0;
    s.clv_upper_minor = i % 10 == 0 ? std::nan("") : u * 180000.0;
    s.churn_risk = kRisks[i % 3];
    s.value_at_risk_minor = (1 - u) * 50000.0;
    s.rfm_recency = 1 + i % 5;
    s.rfm_frequency = 1 + (i / 5) % 5;
    s.rfm_monetary = 1 + (i / 25) % 5;
    s.segment = kSegments[i % 5];
    s.clv_tier = kTiers[i % 4];
    s.expected_next_order_day = 19000 + i % 90;
    s.updated_at_us = 1'700'000'000'000'000;
    out.push_back(std::move(s));
  }
}

int WriteFit(Store& store, clv::TenantId tenant, const Config& cfg, int round, const char* phase,
             const char* backend) {
  clv::storage::ModelFitRecord fit;
  fit.tenant = tenant;
  fit.created_at_us = 1'700'000'000'000'000 + round;
  fit.as_of_us = fit.created_at_us;
  fit.currency = "EUR";
  fit.model = "bgnbd";
  fit.model_params = {0.24, 4.41, 0.79, 2.43};
  fit.gamma_gamma_params = {6.25, 3.74, 15.44};
  fit.spend_model = "gamma_gamma";
  fit.period = "week";
  fit.resolution = "day";
  fit.horizon_periods = 52;
  fit.customers = cfg.customers;
  fit.report_json = "{}";
  std::vector<CustomerScore> batch;
  batch.reserve(static_cast<std::size_t>(cfg.batch));
  const auto start = std::chrono::steady_clock::now();
  auto writer = store.BeginFitWrite(tenant, fit);
  if (!writer.ok()) return Fail(backend, writer.status());
  double generate = 0;
  for (long first = 0; first < cfg.customers; first += cfg.batch) {
    const auto g = std::chrono::steady_clock::now();
    MakeScores(first, std::min(cfg.batch, cfg.customers - first), round, batch);
    generate += std::chrono::duration<double>(std::chrono::steady_clock::now() - g).count();
    if (auto s = (*writer)->Add(batch); !s.ok()) return Fail(backend, s);
  }
  const auto commit_start = std::chrono::steady_clock::now();
  auto committed = (*writer)->Commit();
  const auto end = std::chrono::steady_clock::now();
  if (!committed.ok()) return Fail(backend, committed.status());
  const double secs = std::chrono::duration<double>(end - start).count() - generate;
  const double commit = std::chrono::duration<double>(end - commit_start).count();
  std::printf("%-10s %-8s scores=%ld time=%.2fs (commit %.2fs) rate=%.0f scores/s "
              "peak_rss=%ldMiB\n",
              backend, phase, cfg.customers, secs, commit, cfg.customers / secs, PeakRssMiB());
  std::fflush(stdout);
  return 0;
}

int Bench(const std::string& url, const char* backend, const Config& cfg) {
  auto store = clv::storage::OpenStore(url);
  if (!store.ok()) return Fail(backend, store.status());
  if (auto s = (*store)->Migrate(); !s.ok()) return Fail(backend, s);
  auto tenant = (*store)->CreateTenantWithOwner("Bench", std::string("bench@") + backend + ".io",
                                                "x", 1'700'000'000'000'000);
  if (!tenant.ok()) return Fail(backend, tenant.status());
  const clv::TenantId id = tenant->tenant.id;
  {
    auto importer = (*store)->BeginImport(id, 1'700'000'000'000'000);
    if (!importer.ok()) return Fail(backend, importer.status());
    std::vector<clv::OrderInput> orders;
    char buf[32];
    for (long first = 0; first < cfg.customers; first += cfg.batch) {
      orders.clear();
      for (long i = first; i < std::min(first + cfg.batch, cfg.customers); ++i) {
        clv::OrderInput o;
        o.source = "csv";
        std::snprintf(buf, sizeof buf, "o%08ld", i);
        o.external_id = buf;
        std::snprintf(buf, sizeof buf, "c%08ld", i);
        o.customer_external_id = buf;
        o.placed_at_us = 1'600'000'000'000'000 + i;
        o.currency = "EUR";
        o.total_minor = 1000;
        orders.push_back(std::move(o));
      }
      if (auto s = (*importer)->Add(orders); !s.ok()) return Fail(backend, s);
    }
    auto r = (*importer)->Commit();
    if (!r.ok()) return Fail(backend, r.status());
  }
  auto n = (*store)->CountCustomers(id);
  if (!n.ok() || *n != cfg.customers) {
    std::fprintf(stderr, "%s: expected %ld customers\n", backend, cfg.customers);
    return 1;
  }
  int rc = WriteFit(**store, id, cfg, 1, "first", backend);
  if (rc == 0) rc = WriteFit(**store, id, cfg, 2, "replace", backend);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--customers") cfg.customers = std::atol(argv[i + 1]);
    else if (flag == "--batch") cfg.batch = std::atol(argv[i + 1]);
    else if (flag == "--backend") cfg.backend = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (cfg.customers <= 0 || cfg.batch <= 0) return 2;
  return clv::bench::ForEachBackend(
      cfg.backend, "clv_fitbench",
      [&](const std::string& url, const char* backend) { return Bench(url, backend, cfg); });
}
