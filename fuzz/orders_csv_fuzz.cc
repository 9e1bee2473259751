// libFuzzer target for the orders CSV parser (ingest/orders_csv.h) and the RFC 4180 reader
// under it. The first input byte picks a chunk size, so chunk boundaries are fuzzed too; the
// same input fed whole must give the same orders, errors and status (the streaming contract).
// Any crash, sanitizer report or mismatch (abort) is a finding; keep it in tests as a case.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "ingest/orders_csv.h"

namespace {

struct Outcome {
  std::vector<clv::OrderInput> orders;
  std::vector<clv::ingest::RowError> errors;
  clv::Status status;
};

Outcome Parse(std::string_view text, std::size_t chunk) {
  clv::ingest::OrdersCsvOptions options{clv::ingest::OrderRules(clv::MidnightUtc(2024, 6, 1))};
  options.csv.max_field_bytes = 256;  // small limits so the fuzzer reaches them
  options.csv.max_columns = 16;
  options.csv.max_record_bytes = 1024;
  clv::ingest::OrdersCsvParser parser(options);
  Outcome out;
  for (std::size_t pos = 0; pos < text.size() && out.status.ok(); pos += chunk)
    out.status = parser.Feed(text.substr(pos, chunk), out.orders, out.errors);
  if (out.status.ok()) out.status = parser.Finish(out.orders, out.errors);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 17;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome split = Parse(text, chunk);
  Outcome whole = Parse(text, text.size() + 1);
  if (!(split.status == whole.status) || split.orders != whole.orders ||
      split.errors != whole.errors)
    std::abort();
  return 0;
}
