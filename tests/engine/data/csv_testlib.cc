#include "engine/data/csv_testlib.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace clv::engine::testing {

const std::vector<double>& Csv::operator[](const std::string& name) const {
  static const std::vector<double> kEmpty;
  auto it = columns.find(name);
  if (it == columns.end()) {
    ADD_FAILURE() << "no column " << name;
    return kEmpty;
  }
  return it->second;
}

namespace {
std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}
}  // namespace

Csv ReadCsv(const std::string& path) {
  Csv csv;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return csv;
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::vector<std::string> header = Split(line);
  for (const auto& h : header) csv.columns[h];
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> cells = Split(line);
    for (std::size_t j = 0; j < header.size(); ++j) {
      const std::string cell = j < cells.size() ? cells[j] : "";
      csv.columns[header[j]].push_back(cell.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                    : std::stod(cell));
    }
    ++csv.rows;
  }
  return csv;
}

RfmData CdnowRfm(const Csv& csv, const std::string& x, const std::string& t_x,
                 const std::string& T) {
  RfmData d;
  d.frequency = csv[x];
  d.recency = csv[t_x];
  d.age = csv[T];
  return d;
}

}  // namespace clv::engine::testing
