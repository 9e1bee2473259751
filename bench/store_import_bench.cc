// Bulk import throughput of the stores (Store::BeginImport), the path `clv import` uses.
//
//   store_import_bench [--orders N] [--customers N] [--batch N] [--backend sqlite|postgres|all]
//
// Generates N orders (default 1,000,000) over C customers (default 200,000) batch by batch from
// a fixed seed (nothing but one batch is held in memory), imports them into a fresh tenant of a
// fresh database — a temporary SQLite file, and a temporary PostgreSQL database on the server of
// CLV_TEST_POSTGRES_URL when set — then imports the same orders again (all unchanged, the
// idempotent path). Prints orders/s per phase and the process's peak RSS. Results are recorded
// in docs/benchmarks.md ("Store import").
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"
#include "store_bench_backends.h"

namespace {

using clv::bench::PeakRssMiB;
using clv::OrderInput;
using clv::storage::Store;

struct Config {
  long orders = 1'000'000;
  long customers = 200'000;
  long batch = 10'000;
  std::string backend = "all";
};

// Orders o00000000… in a shuffled-looking but reproducible customer assignment; about one in 50
// orders is followed later by a refund, one in 100 is cancelled, one in 5 carries an email.
void MakeBatch(long first, long count, const Config& cfg, std::vector<OrderInput>& out) {
  out.clear();
  std::mt19937_64 rng(0xC1F + static_cast<unsigned long>(first));
  std::uniform_int_distribution<long> customer(0, cfg.customers - 1);
  std::uniform_int_distribution<long> total(100, 50'000);
  std::uniform_int_distribution<long> day(0, 3 * 365);
  char buf[32];
  for (long i = first; i < first + count; ++i) {
    OrderInput o;
    o.source = "csv";
    std::snprintf(buf, sizeof buf, "o%08ld", i);
    o.external_id = buf;
    const long c = customer(rng);
    std::snprintf(buf, sizeof buf, "c%07ld", c);
    o.customer_external_id = buf;
    if (i % 5 == 0) o.email = "customer" + std::to_string(c) + "@example.com";
    o.placed_at_us = 1'600'000'000'000'000 + day(rng) * 86'400'000'000 + i;
    o.currency = "EUR";
    o.total_minor = total(rng);
    if (i % 100 == 7) o.status = clv::OrderStatus::kCancelled;
    if (i % 50 == 49) {  // refund of the previous order (same batch or the previous one)
      std::snprintf(buf, sizeof buf, "o%08ld", i - 1);
      o.refund_of = buf;
      o.total_minor = 500;
    }
    out.push_back(std::move(o));
  }
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int RunImport(Store& store, clv::TenantId tenant, const Config& cfg, const char* phase,
              const char* backend) {
  std::vector<OrderInput> batch;
  batch.reserve(static_cast<std::size_t>(cfg.batch));
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  auto importer = store.BeginImport(tenant, 1'700'000'000'000'000);
  if (!importer.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, importer.status().ToString().c_str());
    return 1;
  }
  for (long first = 0; first < cfg.orders; first += cfg.batch) {
    MakeBatch(first, std::min(cfg.batch, cfg.orders - first), cfg, batch);
    clv::Status s = (*importer)->Add(batch);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", backend, s.ToString().c_str());
      return 1;
    }
  }
  auto result = (*importer)->Commit();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, result.status().ToString().c_str());
    return 1;
  }
  std::printf("%-10s %-9s orders=%ld created=%ld updated=%ld unchanged=%ld customers=%zu "
              "time=%.2fs rate=%.0f orders/s client_cpu=%.2fs peak_rss=%ldMiB\n",
              backend, phase, cfg.orders, static_cast<long>(result->created),
              static_cast<long>(result->updated), static_cast<long>(result->unchanged),
              result->affected_customers.size(), secs, cfg.orders / secs, cpu, PeakRssMiB());
  std::fflush(stdout);
  return 0;
}

int Bench(const std::string& url, const char* backend, const Config& cfg) {
  auto store = clv::storage::OpenStore(url);
  if (!store.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, store.status().ToString().c_str());
    return 1;
  }
  if (auto s = (*store)->Migrate(); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, s.ToString().c_str());
    return 1;
  }
  auto tenant = (*store)->CreateTenantWithOwner("Bench", std::string("bench@") + backend + ".io",
                                                "x", 1'700'000'000'000'000);
  if (!tenant.ok()) {
    std::fprintf(stderr, "%s: %s\n", backend, tenant.status().ToString().c_str());
    return 1;
  }
  int rc = RunImport(**store, tenant->tenant.id, cfg, "fresh", backend);
  if (rc == 0) rc = RunImport(**store, tenant->tenant.id, cfg, "reimport", backend);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--orders") cfg.orders = std::atol(argv[i + 1]);
    else if (flag == "--customers") cfg.customers = std::atol(argv[i + 1]);
    else if (flag == "--batch") cfg.batch = std::atol(argv[i + 1]);
    else if (flag == "--backend") cfg.backend = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (cfg.orders <= 0 || cfg.customers <= 0 || cfg.batch <= 0) return 2;
  return clv::bench::ForEachBackend(
      cfg.backend, "clv_bench",
      [&](const std::string& url, const char* backend) { return Bench(url, backend, cfg); });
}
