// The CDNOW sample (tests/data/cdnow_sample.txt; provenance in tests/data/README.md) read line
// by line, for every layer's tests that build their own input from it (engine: a transaction
// log; service: analysis rows and orders; http: an orders CSV). Header-only and core-only, so
// each test binary includes it without linking anything new: `#include "common/cdnow_sample.h"`.
// (The CLI and ingest tests read the file through the product's own parsers instead.)
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace clv::testcommon {

// Lines of cdnow_sample.txt: 6,919 purchases of 2,357 customers.
inline constexpr std::size_t kCdnowPurchases = 6919;

// One line: "<customer id> <cohort id> <YYYYMMDD> <CDs> <dollars>" (CRLF).
struct CdnowPurchase {
  std::string customer;  // the master file's customer id as written, e.g. "00004"
  std::int32_t cohort = 0;  // the customer's number within the cohort (1..2357)
  std::string date;         // YYYYMMDD as written
  int year = 0, month = 0, day = 0;
  int cds = 0;
  std::string dollars_text;  // the amount as written, e.g. "29.33"
  double dollars = 0;
};

// Every line in file order (by customer, then date). A missing file or a line that does not
// parse fails the calling test (ADD_FAILURE); the lines that do parse are still returned.
inline std::vector<CdnowPurchase> ReadCdnowSample() {
  std::ifstream in(std::string(CLV_TEST_DATA_DIR) + "/cdnow_sample.txt");
  if (!in.good()) ADD_FAILURE() << "cannot read " << CLV_TEST_DATA_DIR << "/cdnow_sample.txt";
  std::vector<CdnowPurchase> out;
  out.reserve(kCdnowPurchases);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream ss(line);  // '\r' is white space to >>: CRLF needs no special case
    CdnowPurchase p;
    if (!(ss >> p.customer >> p.cohort >> p.date >> p.cds >> p.dollars_text) ||
        p.date.size() != 8) {
      ADD_FAILURE() << "cdnow_sample.txt line " << number << " does not parse: " << line;
      continue;
    }
    p.year = std::stoi(p.date.substr(0, 4));
    p.month = std::stoi(p.date.substr(4, 2));
    p.day = std::stoi(p.date.substr(6, 2));
    p.dollars = std::stod(p.dollars_text);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace clv::testcommon
