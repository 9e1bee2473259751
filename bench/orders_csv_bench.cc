// Orders CSV parsing throughput (ingest/orders_csv.h): the parsing half of `clv import`, whose
// end-to-end target is >= 200,000 orders/s including the database; parsing alone should do
// >= 1.5 M rows/s. Baseline in the same run: the bare RFC 4180 reader (csv_reader.h) over the
// same bytes, so the cost of validation is visible.
//
// Input: 1,000,000 realistic rows generated in memory (seeded): ids like ORD-00012345,
// ~200k customers, RFC 3339 times with Z or an offset over 2019-2024, amounts with cents,
// four currencies, a status on every row and an email on half of them. Fed in 64 KiB chunks.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/csv_reader.h"
#include "ingest/orders_csv.h"

namespace {

constexpr int kRows = 1'000'000;
constexpr std::size_t kChunk = 64 * 1024;

const std::string& Input() {
  static const std::string text = [] {
    std::mt19937_64 rng(20240501);
    std::string out = "id,customer_id,placed_at,total,currency,status,email\n";
    out.reserve(static_cast<std::size_t>(kRows) * 96);
    const char* currencies[] = {"USD", "EUR", "GBP", "JPY"};
    const char* statuses[] = {"paid", "paid", "paid", "refunded", "pending"};
    const char* offsets[] = {"Z", "+02:00", "-05:00", "+05:30"};
    const clv::UnixMicros start = clv::MidnightUtc(2019, 1, 1);
    const clv::UnixMicros span = clv::MidnightUtc(2024, 5, 1) - start;
    char line[256];
    for (int i = 0; i < kRows; ++i) {
      const unsigned customer = static_cast<unsigned>(rng() % 200000);
      std::string ts = clv::FormatRfc3339(start + static_cast<clv::UnixMicros>(rng() % span) /
                                                      1'000'000 * 1'000'000);
      ts.pop_back();  // drop the Z; append an offset
      const int c = static_cast<int>(rng() % 4);
      const unsigned cents = static_cast<unsigned>(rng() % 50000);
      char total[32];
      if (c == 3) {
        std::snprintf(total, sizeof total, "%u", cents);
      } else {
        std::snprintf(total, sizeof total, "%u.%02u", cents / 100, cents % 100);
      }
      const bool email = rng() % 2 == 0;
      char email_text[48] = "";
      if (email) std::snprintf(email_text, sizeof email_text, "user%u@example.com", customer);
      std::snprintf(line, sizeof line, "ORD-%08d,CUST-%06u,%s%s,%s,%s,%s,%s\n", i, customer,
                    ts.c_str(), offsets[rng() % 4], total, currencies[c], statuses[rng() % 5],
                    email_text);
      out += line;
    }
    return out;
  }();
  return text;
}

void BM_CsvReaderOnly(benchmark::State& state) {
  const std::string& text = Input();
  for (auto _ : state) {
    clv::ingest::CsvReader reader;
    std::int64_t records = 0;
    auto sink = [&](const clv::ingest::CsvRecord&) {
      ++records;
      return clv::Status::Ok();
    };
    for (std::size_t pos = 0; pos < text.size(); pos += kChunk)
      if (!reader.Feed(std::string_view(text).substr(pos, kChunk), sink).ok()) std::abort();
    if (!reader.Finish(sink).ok()) std::abort();
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_CsvReaderOnly)->Unit(benchmark::kMillisecond);

void BM_OrdersCsv(benchmark::State& state) {
  const std::string& text = Input();
  const clv::UnixMicros now = clv::MidnightUtc(2024, 6, 1);
  for (auto _ : state) {
    clv::ingest::OrdersCsvParser parser(clv::ingest::OrdersCsvOptions{clv::ingest::OrderRules(now)});
    std::vector<clv::OrderInput> orders;
    std::vector<clv::ingest::RowError> errors;
    std::int64_t parsed = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += kChunk) {
      if (!parser.Feed(std::string_view(text).substr(pos, kChunk), orders, errors).ok())
        std::abort();
      parsed += static_cast<std::int64_t>(orders.size());
      orders.clear();  // as the importer does after handing a batch to storage
    }
    if (!parser.Finish(orders, errors).ok() || !errors.empty()) std::abort();
    parsed += static_cast<std::int64_t>(orders.size());
    if (parsed != kRows) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_OrdersCsv)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
