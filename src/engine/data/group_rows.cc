#include "engine/data/group_rows.h"

#include <algorithm>
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

// Whole number test that vectorises (floor does not on baseline x86-64): for 0 <= v < 2^52,
// (v + 2^52) − 2^52 rounds v to the nearest integer.
inline bool IsWhole(double v) {
  constexpr double kTwo52 = 4503599627370496.0;
  return v >= kTwo52 || (v + kTwo52) - kTwo52 == v;
}

// The packed case: keys of at most 32 bits live in the table slot next to their group id, so a
// row costs one probe into one array (the general path below touches the table and a key array).
void GroupPacked(const RfmData& data, const PackedKeyLayout& layout, RowGroups& out) {
  const std::size_t n = data.size();
  constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // a group id is < 2^31, never 0xFFFFFFFF
  std::size_t capacity = 1024;
  std::vector<std::uint64_t> table(capacity, kEmpty);
  std::vector<std::uint32_t> group_key;  // per group
  for (std::size_t i = 0; i < n; ++i) {
    const auto key = static_cast<std::uint32_t>(
        layout.Pack(data.frequency[i], data.recency[i], data.age[i]));
    std::size_t slot = Mix(key) & (capacity - 1);
    std::int32_t found = -1;
    while (table[slot] != kEmpty) {
      if (static_cast<std::uint32_t>(table[slot] >> 32) == key) {
        found = static_cast<std::int32_t>(table[slot] & 0xFFFFFFFFu);
        break;
      }
      slot = (slot + 1) & (capacity - 1);
    }
    if (found < 0) {
      found = static_cast<std::int32_t>(out.first_row.size());
      out.first_row.push_back(i);
      group_key.push_back(key);
      table[slot] = (std::uint64_t{key} << 32) | static_cast<std::uint32_t>(found);
      if (2 * out.first_row.size() > capacity) {
        capacity *= 2;
        table.assign(capacity, kEmpty);
        for (std::size_t g = 0; g < group_key.size(); ++g) {
          std::size_t s = Mix(group_key[g]) & (capacity - 1);
          while (table[s] != kEmpty) s = (s + 1) & (capacity - 1);
          table[s] = (std::uint64_t{group_key[g]} << 32) | static_cast<std::uint32_t>(g);
        }
      }
    }
    out.group_of_row[i] = found;
  }
}

}  // namespace

PackedKeyLayout PackedLayout(const RfmData& data) {
  const std::size_t n = data.size();
  constexpr double kLimit = 1 << 20;
  double max_x = 0, max_t = 0;
  bool whole = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = data.frequency[i], t_x = data.recency[i], T = data.age[i];
    whole = whole && x >= 0 && t_x >= 0 && t_x <= T && x < kLimit && T < kLimit && IsWhole(x) &&
            IsWhole(t_x) && IsWhole(T);
    max_x = std::max(max_x, x);
    max_t = std::max(max_t, T);
  }
  PackedKeyLayout layout;
  if (!whole || n == 0) return layout;
  layout.t_bits = std::bit_width(static_cast<std::uint64_t>(max_t));
  layout.bits = std::bit_width(static_cast<std::uint64_t>(max_x)) + 2 * layout.t_bits;
  if (layout.bits == 0) layout.bits = 1;  // every key is 0: still packable
  return layout;
}

RowGroups GroupIdenticalRows(const RfmData& data) {
  const std::size_t n = data.size();
  RowGroups out;
  out.group_of_row.resize(n);
  if (const PackedKeyLayout layout = PackedLayout(data); layout.bits > 0 && layout.bits <= 32) {
    GroupPacked(data, layout, out);
    return out;
  }
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
