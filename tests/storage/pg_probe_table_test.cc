// ProbeTable (pg_import.h): the open-addressing index of the PostgreSQL import paths — record
// indexes found by key (ReImport) and fingerprints as a set (DirectImport) — across growth,
// shared hashes and reservation.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/postgres/pg_import.h"

namespace clv::storage::postgres {
namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;
using Index = ProbeTable<std::uint32_t, kNone>;

// Records "k0".."k{n-1}" indexed by their key, as ReImport does, through `hash`.
struct Keys {
  std::vector<std::string> keys;
  std::function<std::uint64_t(std::string_view)> hash;
  Index index;

  std::uint64_t HashOf(std::uint32_t i) const { return hash(keys[i]); }
  std::uint32_t Find(std::string_view key) const {
    return index.Find(hash(key), [&](std::uint32_t i) { return keys[i] == key; });
  }
  std::uint32_t Add(std::string key) {
    keys.push_back(std::move(key));
    const auto i = static_cast<std::uint32_t>(keys.size() - 1);
    const std::uint32_t found =
        index.Insert(HashOf(i), i, [&](std::uint32_t e) { return keys[e] == keys[i]; },
                     [&](std::uint32_t e) { return HashOf(e); });
    if (found != kNone) keys.pop_back();
    return found;
  }
};

TEST(ProbeTable, AnEmptyTableFindsNothing) {
  const Index index;
  EXPECT_EQ(index.Find(7, [](std::uint32_t) { return true; }), kNone);
  EXPECT_EQ(index.size(), 0u);
}

TEST(ProbeTable, FindsEveryKeyAcrossGrowthAndNothingElse) {
  Keys k{{}, [](std::string_view s) { return std::hash<std::string_view>{}(s); }, {}};
  constexpr int kN = 100'000;
  for (int i = 0; i < kN; ++i) ASSERT_EQ(k.Add("k" + std::to_string(i)), kNone) << i;
  EXPECT_EQ(k.index.size(), static_cast<std::size_t>(kN));
  // At most half full, a power of two: grown from 1,024 slots six times.
  EXPECT_EQ(k.index.slots(), 262'144u);
  for (int i = 0; i < kN; ++i)
    ASSERT_EQ(k.Find("k" + std::to_string(i)), static_cast<std::uint32_t>(i));
  for (int i = kN; i < kN + 1000; ++i) EXPECT_EQ(k.Find("k" + std::to_string(i)), kNone);
  EXPECT_EQ(k.Find(""), kNone);
}

TEST(ProbeTable, InsertingAPresentKeyReturnsTheEntryAndAddsNothing) {
  Keys k{{}, [](std::string_view s) { return std::hash<std::string_view>{}(s); }, {}};
  ASSERT_EQ(k.Add("a"), kNone);
  ASSERT_EQ(k.Add("b"), kNone);
  EXPECT_EQ(k.Add("a"), 0u);
  EXPECT_EQ(k.Add("b"), 1u);
  EXPECT_EQ(k.index.size(), 2u);
  EXPECT_EQ(k.keys.size(), 2u);
}

TEST(ProbeTable, KeysSharingOneHashAreToldApartByMatch) {
  // Every key hashes alike (and so do the 0 and all-ones hashes): one probe chain, grown twice.
  for (std::uint64_t h : {std::uint64_t{0}, std::uint64_t{42}, ~std::uint64_t{0}}) {
    Keys k{{}, [h](std::string_view) { return h; }, {}};
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(k.Add("k" + std::to_string(i)), kNone);
    EXPECT_EQ(k.Add("k1234"), 1234u);
    for (int i = 0; i < 3000; ++i)
      ASSERT_EQ(k.Find("k" + std::to_string(i)), static_cast<std::uint32_t>(i)) << h;
    EXPECT_EQ(k.Find("k3000"), kNone);
  }
}

TEST(ProbeTable, ReserveMakesRoomForThatManyWithoutGrowing) {
  Keys k{{}, [](std::string_view s) { return std::hash<std::string_view>{}(s); }, {}};
  k.index.Reserve(5000, [&](std::uint32_t e) { return k.HashOf(e); });
  EXPECT_EQ(k.index.slots(), 16'384u);  // the first power of two >= 2 x 5,000
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(k.Add("k" + std::to_string(i)), kNone);
  EXPECT_EQ(k.index.slots(), 16'384u);
  ASSERT_EQ(k.Add("k5000"), kNone);  // one more than reserved still fits at half load
  // Reserving after entries are in re-slots them and they are all still found.
  k.index.Reserve(40'000, [&](std::uint32_t e) { return k.HashOf(e); });
  EXPECT_EQ(k.index.slots(), 131'072u);
  for (int i = 0; i <= 5000; ++i)
    ASSERT_EQ(k.Find("k" + std::to_string(i)), static_cast<std::uint32_t>(i));
  // A smaller reservation never shrinks it.
  k.index.Reserve(10, [&](std::uint32_t e) { return k.HashOf(e); });
  EXPECT_EQ(k.index.slots(), 131'072u);
}

TEST(ProbeTable, HoldsFingerprintsAsASet) {
  // DirectImport's use: the entry is its own hash, 0 marks a free slot.
  ProbeTable<std::uint64_t, 0> set;
  auto insert = [&](std::uint64_t fp) {
    return set.Insert(fp, fp, [fp](std::uint64_t e) { return e == fp; },
                      [](std::uint64_t e) { return e; }) == 0;
  };
  auto contains = [&](std::uint64_t fp) {
    return set.Find(fp, [fp](std::uint64_t e) { return e == fp; }) != 0;
  };
  for (std::uint64_t i = 1; i <= 20'000; ++i) ASSERT_TRUE(insert(i * 0x100000001ull));
  EXPECT_FALSE(insert(7 * 0x100000001ull));
  EXPECT_EQ(set.size(), 20'000u);
  for (std::uint64_t i = 1; i <= 20'000; ++i) ASSERT_TRUE(contains(i * 0x100000001ull));
  EXPECT_FALSE(contains(20'001 * 0x100000001ull));
  EXPECT_FALSE(contains(3));
}

}  // namespace
}  // namespace clv::storage::postgres
