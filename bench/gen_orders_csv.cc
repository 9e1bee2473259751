// Deterministic orders CSV for the `clv import` benchmark (bench/import_bench.sh). A plain tool,
// not a Google Benchmark binary (hence not named *_bench.cc); the script compiles it with g++.
//
//   gen_orders_csv [--rows N] [--customers N] [--seed S] > orders.csv
//
// The shape of a shop's export: header `id,customer_id,placed_at,total,currency,status,email,
// refund_of`; ids "100000000"+i in chronological order (about 3 years from 2021-01-01, RFC 3339
// with Z); customers "cus_" + 6 digits drawn with a skew (a few heavy buyers, a long tail);
// totals 1.00..500.00 EUR with cents; 1% cancelled, 1% pending; 2% of rows are refunds of an
// earlier order (one of the last 20,000; same customer; at most its total; status
// `refunded`); about 1 row in 3 carries the customer's email. Same flags, same bytes.
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

namespace {

struct Recent {
  std::int64_t id = 0;
  std::int64_t customer = 0;
  std::int64_t total = 0;
};

}  // namespace

int main(int argc, char** argv) {
  long rows = 1'000'000;
  long customers = 200'000;
  unsigned long seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rows") rows = std::atol(argv[i + 1]);
    else if (flag == "--customers") customers = std::atol(argv[i + 1]);
    else if (flag == "--seed") seed = std::strtoul(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "gen_orders_csv: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (rows <= 0 || customers <= 0) return 2;

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<std::int64_t> cents(100, 50'000);
  // 2021-01-01T00:00:00Z plus ~3 years, spread evenly with jitter so times rise like an export.
  const std::int64_t start = 1'609'459'200;
  const double step = 3.0 * 365 * 86'400 / static_cast<double>(rows);
  std::vector<Recent> recent(20'000);
  std::size_t recent_n = 0;

  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 20);
  std::fputs("id,customer_id,placed_at,total,currency,status,email,refund_of\n", stdout);
  char when[32];
  for (long i = 0; i < rows; ++i) {
    const std::int64_t id = 100'000'000 + i;
    const std::time_t t =
        static_cast<std::time_t>(start + static_cast<std::int64_t>(i * step + unit(rng) * step));
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);

    const double r = unit(rng);
    if (r < 0.02 && recent_n > 0) {  // a refund of an earlier order
      const Recent& o = recent[static_cast<std::size_t>(rng() % std::min(recent_n, recent.size()))];
      const std::int64_t amount = std::max<std::int64_t>(1, o.total / (1 + rng() % 3));
      std::printf("%" PRId64 ",cus_%06" PRId64 ",%s,%" PRId64 ".%02" PRId64 ",EUR,refunded,,%" PRId64
                  "\n",
                  id, o.customer, when, amount / 100, amount % 100, o.id);
      continue;
    }
    // Skewed customer choice: u^2 puts more orders on low customer numbers.
    const double u = unit(rng);
    const std::int64_t customer = static_cast<std::int64_t>(u * u * static_cast<double>(customers));
    const std::int64_t total = cents(rng);
    const char* status = r < 0.03 ? "cancelled" : r < 0.04 ? "pending" : "paid";
    std::printf("%" PRId64 ",cus_%06" PRId64 ",%s,%" PRId64 ".%02" PRId64 ",EUR,%s,", id,
                customer, when, total / 100, total % 100, status);
    if (rng() % 3 == 0) std::printf("customer%" PRId64 "@example.com", customer);
    std::fputs(",\n", stdout);
    if (r >= 0.03) {  // cancelled orders are not refunded
      recent[recent_n % recent.size()] = Recent{id, customer, total};
      ++recent_n;
    }
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
