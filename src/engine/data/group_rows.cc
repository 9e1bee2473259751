#include "engine/data/group_rows.h"

#include <bit>

namespace clv::engine {
namespace {

// SplitMix64's finaliser: the bit patterns of small whole numbers end in dozens of zero bits,
// so the hash must mix every input bit into the low bits the table indexes with.
std::uint64_t Mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t Bits(double v) { return std::bit_cast<std::uint64_t>(v + 0.0); }

}  // namespace

RowGroups GroupIdenticalRows(const RfmData& data) {
  const std::size_t n = data.size();
  RowGroups out;
  out.group_of_row.resize(n);
  // Open addressing, linear probing, load factor <= 1/2. The table grows with the number of
  // groups, not rows: a million customers typically form ~1e5 groups, and a table that fits in
  // cache is several times faster than one sized for every row.
  std::size_t capacity = 1024;
  std::vector<std::int32_t> table(capacity, -1);
  struct Key {
    std::uint64_t x, t_x, T, hash;
  };
  std::vector<Key> keys;  // per group, inline so that probing touches only the table and keys
  auto insert_slot = [&](std::uint64_t h) {
    std::size_t slot = h & (capacity - 1);
    while (table[slot] >= 0) slot = (slot + 1) & (capacity - 1);
    return slot;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t bx = Bits(data.frequency[i]), bt = Bits(data.recency[i]),
                        bT = Bits(data.age[i]);
    const std::uint64_t h = Mix(Mix(Mix(bx) ^ bt) ^ bT);
    std::size_t slot = h & (capacity - 1);
    std::int32_t found = -1;
    while (table[slot] >= 0) {
      const std::int32_t g = table[slot];
      const Key& k = keys[static_cast<std::size_t>(g)];
      if (k.hash == h && k.x == bx && k.t_x == bt && k.T == bT) {
        found = g;
        break;
      }
      slot = (slot + 1) & (capacity - 1);
    }
    if (found < 0) {
      found = static_cast<std::int32_t>(out.first_row.size());
      out.first_row.push_back(i);
      keys.push_back({bx, bt, bT, h});
      table[slot] = found;
      if (2 * out.first_row.size() > capacity) {
        capacity *= 2;
        table.assign(capacity, -1);
        for (std::size_t g = 0; g < keys.size(); ++g)
          table[insert_slot(keys[g].hash)] = static_cast<std::int32_t>(g);
      }
    }
    out.group_of_row[i] = found;
  }
  return out;
}

}  // namespace clv::engine
