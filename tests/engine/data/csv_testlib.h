// A minimal CSV reader for engine tests (the engine itself does no I/O): numeric columns by
// header name; empty cells read as NaN.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/data/rfm.h"

namespace clv::engine::testing {

struct Csv {
  std::map<std::string, std::vector<double>> columns;
  std::size_t rows = 0;
  const std::vector<double>& operator[](const std::string& name) const;
};

// Aborts the test (via gtest ADD_FAILURE + empty result) when the file is missing.
Csv ReadCsv(const std::string& path);

// CDNOW cohort as RfmData (weeks), from the columns named.
RfmData CdnowRfm(const Csv& csv, const std::string& x, const std::string& t_x,
                 const std::string& T);

inline std::string DataPath(const std::string& name) {
  return std::string(CLV_TEST_DATA_DIR) + "/" + name;
}

}  // namespace clv::engine::testing
