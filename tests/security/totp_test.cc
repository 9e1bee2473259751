#include "security/totp.h"

#include <gtest/gtest.h>

#include <set>

#include "security/encoding.h"

namespace clv::security {
namespace {

constexpr UnixMicros kSecond = 1'000'000;

// RFC 4226 Appendix D: HOTP with the ASCII secret "12345678901234567890", counters 0..9.
TEST(HotpTest, Rfc4226AppendixD) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < 10; ++counter)
    EXPECT_EQ(HotpCode("12345678901234567890", counter, 6), expected[counter]) << counter;
}

// RFC 6238 Appendix B: 8-digit TOTP, 30 s steps, with the seeds of the reference code
// (20-, 32- and 64-byte ASCII keys for SHA-1, SHA-256 and SHA-512).
TEST(TotpTest, Rfc6238AppendixB) {
  const std::string sha1_key = "12345678901234567890";
  const std::string sha256_key = "12345678901234567890123456789012";
  const std::string sha512_key =
      "1234567890123456789012345678901234567890123456789012345678901234";
  struct Vector {
    std::int64_t time_s;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Vector& v : vectors) {
    UnixMicros t = v.time_s * kSecond;
    EXPECT_EQ(TotpCode(sha1_key, t, {.algorithm = TotpAlgorithm::kSha1, .digits = 8}), v.sha1);
    EXPECT_EQ(TotpCode(sha256_key, t, {.algorithm = TotpAlgorithm::kSha256, .digits = 8}),
              v.sha256);
    EXPECT_EQ(TotpCode(sha512_key, t, {.algorithm = TotpAlgorithm::kSha512, .digits = 8}),
              v.sha512);
    // The product's 6-digit code is the same value's last six digits (RFC 4226 §5.3).
    EXPECT_EQ(TotpCode(sha1_key, t), std::string(v.sha1).substr(2));
  }
}

TEST(TotpTest, VerifyAcceptsOneStepEitherSide) {
  const std::string key = "12345678901234567890";
  const UnixMicros now = 1111111111 * kSecond;  // step 37037037
  const std::int64_t step = TotpStep(now);
  EXPECT_EQ(step, 37037037);
  for (std::int64_t delta : {-1, 0, 1}) {
    std::string code = HotpCode(key, static_cast<std::uint64_t>(step + delta), 6);
    Result<std::int64_t> matched = VerifyTotp(key, code, now);
    ASSERT_TRUE(matched.ok()) << delta;
    EXPECT_EQ(*matched, step + delta);
  }
  for (std::int64_t delta : {-2, 2}) {
    std::string code = HotpCode(key, static_cast<std::uint64_t>(step + delta), 6);
    EXPECT_EQ(VerifyTotp(key, code, now).status().code(), StatusCode::kUnauthenticated);
  }
}

TEST(TotpTest, VerifyRejectsReplayAndBadInput) {
  const std::string key = NewTotpKey();
  const UnixMicros now = 1'700'000'000 * kSecond;
  std::string code = TotpCode(key, now);
  Result<std::int64_t> first = VerifyTotp(key, code, now);
  ASSERT_TRUE(first.ok());
  Status replay = VerifyTotp(key, code, now, *first).status();
  EXPECT_EQ(replay.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(replay.message(), "one-time code was already used");
  // A later code is still accepted after an earlier one was used.
  std::string next = TotpCode(key, now + 30 * kSecond);
  EXPECT_TRUE(VerifyTotp(key, next, now + 30 * kSecond, *first).ok());

  EXPECT_TRUE(VerifyTotp(key, code.substr(0, 3) + " " + code.substr(3), now).ok());
  EXPECT_EQ(VerifyTotp(key, "12345", now).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyTotp(key, "12345a", now).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyTotp(key, "", now).status().code(), StatusCode::kInvalidArgument);
  std::string wrong = code;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  EXPECT_EQ(VerifyTotp(key, wrong, now).status().code(), StatusCode::kUnauthenticated);
}

TEST(TotpTest, KeysAreRandom160Bits) {
  std::string key = NewTotpKey();
  EXPECT_EQ(key.size(), 20u);
  EXPECT_NE(key, NewTotpKey());
  EXPECT_EQ(Base32Encode(key).size(), 32u);
}

TEST(TotpTest, ProvisioningUri) {
  std::string key = "12345678901234567890";
  EXPECT_EQ(TotpProvisioningUri(key, "CLV Tracker", "ann+shop@example.com"),
            "otpauth://totp/CLV%20Tracker:ann%2Bshop%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=CLV%20Tracker"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(RecoveryCodesTest, FormatUniquenessAndMatching) {
  std::vector<std::string> codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  std::set<std::string> distinct(codes.begin(), codes.end());
  EXPECT_EQ(distinct.size(), 10u);
  for (const std::string& code : codes) {
    ASSERT_EQ(code.size(), 19u);
    EXPECT_EQ(code[4], '-');
    EXPECT_EQ(code[9], '-');
    EXPECT_EQ(code[14], '-');
    EXPECT_EQ(code.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567-"), std::string::npos);
  }
  std::vector<std::string> hashes;
  for (const std::string& code : codes) hashes.push_back(HashRecoveryCode(code));
  EXPECT_EQ(MatchRecoveryCode(codes[3], hashes), 3u);
  // Typed in upper case, with spaces instead of dashes.
  std::string typed = codes[7];
  for (char& c : typed) c = c == '-' ? ' ' : static_cast<char>(std::toupper(c));
  EXPECT_EQ(MatchRecoveryCode(typed, hashes), 7u);
  EXPECT_FALSE(MatchRecoveryCode("aaaa-aaaa-aaaa-aaaa", hashes).has_value());
  EXPECT_FALSE(MatchRecoveryCode(codes[0], {}).has_value());
  // Only hashes are kept: no stored value contains the code.
  for (const std::string& h : hashes) EXPECT_EQ(h.size(), 64u);
}

}  // namespace
}  // namespace clv::security
