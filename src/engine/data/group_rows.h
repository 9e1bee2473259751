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

// Groups rows by the bit patterns of (frequency, recency, age) (-0.0 counts as 0.0). Expected
// O(n) with a hash table sized to the number of groups (cache-friendly when rows repeat).
RowGroups GroupIdenticalRows(const RfmData& data);

}  // namespace clv::engine
