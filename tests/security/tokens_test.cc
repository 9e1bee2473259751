#include "security/tokens.h"

#include <gtest/gtest.h>

#include <set>

#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {
namespace {

TEST(TokensTest, RefreshTokenHasPrefixAnd256RandomBits) {
  std::string token = NewRefreshToken();
  EXPECT_EQ(token.size(), 48u);
  EXPECT_TRUE(token.starts_with("clvr_"));
  std::optional<std::string> bytes = Base64UrlDecode(token.substr(5));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 32u);
  EXPECT_TRUE(IsWellFormedRefreshToken(token));
}

TEST(TokensTest, RefreshTokensAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(NewRefreshToken());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(TokensTest, WellFormednessRejectsGarbage) {
  std::string token = NewRefreshToken();
  EXPECT_FALSE(IsWellFormedRefreshToken(""));
  EXPECT_FALSE(IsWellFormedRefreshToken(token.substr(0, 47)));
  EXPECT_FALSE(IsWellFormedRefreshToken(token + "A"));
  EXPECT_FALSE(IsWellFormedRefreshToken("clvx_" + token.substr(5)));
  std::string bad_char = token;
  bad_char[10] = '+';
  EXPECT_FALSE(IsWellFormedRefreshToken(bad_char));
}

// SHA-256("abc") from FIPS 180-2 Appendix B.1.
TEST(TokensTest, HashTokenIsSha256Hex) {
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string token = NewRefreshToken();
  EXPECT_EQ(HashToken(token), HashToken(token));
  EXPECT_EQ(HashToken(token).size(), 64u);
  EXPECT_EQ(HashToken(token).find(token.substr(5, 8)), std::string::npos);
  EXPECT_NE(HashToken(token), HashToken(NewRefreshToken()));
}

TEST(TokensTest, FamilyAndRandomIds) {
  std::string family = NewTokenFamilyId();
  EXPECT_EQ(family.size(), 32u);
  EXPECT_EQ(family.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(family, NewTokenFamilyId());
  EXPECT_EQ(RandomToken(32).size(), 43u);
  EXPECT_EQ(RandomToken(16).size(), 22u);
  EXPECT_NE(RandomId(), RandomId());
}

TEST(TokensTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace clv::security
