// Grouping of identical (x, t_x, T) rows, shared by Compress (engine/data/rfm.h) and batch
// scoring (engine/analytics/clv.h). Pure; no allocation beyond the returned vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/rfm.h"

namespace clv::engine {

struct RowGroups {
  std::vector<std::int32_t> group_of_row;  // row -> group, groups numbered by first appearance
  std::vector<std::size_t> first_row;      // group -> its first row
};

// Period-level summaries (whole-number x, t_x, T) pack into one integer key ordered like
// (x, t_x, T): key = x << (2 t_bits) | t_x << t_bits | T. PackedKeyLayout returns bits = 0 when
// some row is not a whole number in [0, 2^20), or has t_x > T (or is NaN).
struct PackedKeyLayout {
  int bits = 0;    // total key width; 0: the data do not pack
  int t_bits = 0;  // width of one time field
  std::uint64_t Pack(double x, double t_x, double T) const {
    return (static_cast<std::uint64_t>(x) << (2 * t_bits)) |
           (static_cast<std::uint64_t>(t_x) << t_bits) | static_cast<std::uint64_t>(T);
  }
};
PackedKeyLayout PackedLayout(const RfmData& data);

// Groups rows by the bit patterns of (frequency, recency, age) (-0.0 counts as 0.0). Expected
// O(n) with a hash table sized to the number of groups (cache-friendly when rows repeat).
RowGroups GroupIdenticalRows(const RfmData& data);

}  // namespace clv::engine
