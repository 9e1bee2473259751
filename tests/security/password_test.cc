#include "security/password.h"

#include <gtest/gtest.h>

#include <string>

namespace clv::security {
namespace {

// Minimum limits keep each hash well under a millisecond; production uses Interactive().
const PasswordHasher& Hasher() {
  static const PasswordHasher hasher(Argon2Params::Minimum());
  return hasher;
}

TEST(PasswordPolicyTest, AcceptsReasonablePasswords) {
  EXPECT_TRUE(CheckPasswordPolicy("correct horse").ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(1024, 'x')).ok());
  EXPECT_TRUE(CheckPasswordPolicy("   padded   ").ok());
}

TEST(PasswordPolicyTest, RejectsShortLongAndBlank) {
  Status short_pw = CheckPasswordPolicy("123456789");
  EXPECT_EQ(short_pw.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(short_pw.message(), "password must be at least 10 characters");
  Status long_pw = CheckPasswordPolicy(std::string(1025, 'x'));
  EXPECT_EQ(long_pw.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(long_pw.message(), "password must be at most 1024 bytes");
  Status blank = CheckPasswordPolicy(std::string(12, ' ') + "\t\n");
  EXPECT_EQ(blank.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blank.message(), "password must not be only whitespace");
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
  // Nine "é" are 18 bytes but nine characters: too short. Ten are enough.
  std::string nine;
  for (int i = 0; i < 9; ++i) nine += "\xc3\xa9";
  EXPECT_FALSE(CheckPasswordPolicy(nine).ok());
  EXPECT_TRUE(CheckPasswordPolicy(nine + "\xc3\xa9").ok());
}

TEST(PasswordHasherTest, RoundTripWithArgon2id) {
  Result<std::string> hash = Hasher().Hash("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$"));
  EXPECT_TRUE(Hasher().Verify("correct horse battery", *hash));
  EXPECT_FALSE(Hasher().Verify("correct horse batterY", *hash));
  EXPECT_FALSE(Hasher().Verify("", *hash));
}

TEST(PasswordHasherTest, SaltsEachHash) {
  Result<std::string> a = Hasher().Hash("same password here");
  Result<std::string> b = Hasher().Hash("same password here");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(Hasher().Verify("same password here", *b));
}

TEST(PasswordHasherTest, HashEnforcesPolicy) {
  Result<std::string> hash = Hasher().Hash("short");
  ASSERT_FALSE(hash.ok());
  EXPECT_EQ(hash.status().code(), StatusCode::kInvalidArgument);
}

TEST(PasswordHasherTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(Hasher().Verify("whatever password", ""));
  EXPECT_FALSE(Hasher().Verify("whatever password", "not a hash"));
  EXPECT_FALSE(Hasher().Verify("whatever password", std::string(500, '$')));
  // An argon2i (not argon2id) hash is refused even if it would match.
  EXPECT_FALSE(Hasher().Verify("password", "$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA"));
  Result<std::string> hash = Hasher().Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  std::string with_nul = *hash;
  with_nul.insert(5, 1, '\0');
  EXPECT_FALSE(Hasher().Verify("correct horse battery", with_nul));
}

TEST(PasswordHasherTest, OverlongPasswordNeverVerifies) {
  EXPECT_FALSE(Hasher().Verify(std::string(2000, 'x'), "$argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA"));
}

TEST(PasswordHasherTest, DummyVerifyIsAlwaysFalse) {
  EXPECT_FALSE(Hasher().DummyVerify("any password at all"));
  EXPECT_FALSE(Hasher().DummyVerify(std::string(5000, 'y')));
}

TEST(PasswordHasherTest, NeedsRehashWhenParametersChange) {
  Result<std::string> weak = Hasher().Hash("correct horse battery");
  ASSERT_TRUE(weak.ok());
  EXPECT_FALSE(Hasher().NeedsRehash(*weak));

  Argon2Params stronger = Argon2Params::Minimum();
  stronger.opslimit += 1;
  PasswordHasher upgraded(stronger);
  EXPECT_TRUE(upgraded.NeedsRehash(*weak));
  // The old hash still verifies under the new hasher: parameters travel with the hash.
  EXPECT_TRUE(upgraded.Verify("correct horse battery", *weak));
  Result<std::string> rehashed = upgraded.Hash("correct horse battery");
  ASSERT_TRUE(rehashed.ok());
  EXPECT_FALSE(upgraded.NeedsRehash(*rehashed));

  EXPECT_TRUE(Hasher().NeedsRehash("garbage"));
  EXPECT_TRUE(Hasher().NeedsRehash(""));
}

TEST(PasswordHasherTest, InteractiveIsTheProductionDefault) {
  Argon2Params p = Argon2Params::Interactive();
  EXPECT_EQ(p.opslimit, 2u);
  EXPECT_EQ(p.memlimit_bytes, 64u * 1024 * 1024);
}

TEST(PasswordHasherDeathTest, RefusesParametersBelowLibsodiumMinimum) {
  Argon2Params too_weak = Argon2Params::Minimum();
  too_weak.memlimit_bytes /= 2;
  EXPECT_DEATH(PasswordHasher{too_weak}, "memlimit");
}

}  // namespace
}  // namespace clv::security
