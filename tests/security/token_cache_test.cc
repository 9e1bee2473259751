#include "security/token_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "core/check.h"

namespace clv::security {
namespace {

constexpr UnixMicros kSecond = 1'000'000;
constexpr std::int64_t kNow = 1'700'000'000;  // seconds
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

JwtCodec Codec() {
  JwtOptions options;
  options.lifetime_s = 900;
  options.leeway_s = 30;
  Result<JwtCodec> codec = JwtCodec::Create(kSecret, options);
  CLV_CHECK(codec.ok());
  return *codec;
}

// Every answer equals the codec's own, at every time around the token's validity window —
// whether or not the token was cached before.
TEST(VerifiedTokenCacheTest, AnswersExactlyAsVerifyAcrossTheValidityWindow) {
  const JwtCodec codec = Codec();
  VerifiedTokenCache cache(codec);
  const IssuedAccessToken t = codec.Issue(UserId{42}, TenantId{7}, Role::kAnalyst, kNow * kSecond);
  // exp = kNow + 900, leeway 30: accepted from iat - 30 up to before exp + 30.
  for (std::int64_t at : {kNow, kNow + 1, kNow - 30, kNow - 31, kNow + 929, kNow + 930,
                          kNow + 2000, kNow + 5, kNow - 100}) {
    SCOPED_TRACE(at - kNow);
    const UnixMicros now = at * kSecond + 999'999;  // inside that second
    Result<AccessClaims> want = codec.Verify(t.token, now);
    Result<AccessClaims> got = cache.Verify(t.token, now);
    ASSERT_EQ(got.ok(), want.ok()) << got.status().ToString();
    if (want.ok()) {
      EXPECT_EQ(*got, *want);
      EXPECT_EQ(got->tenant, TenantId{7});
    } else {
      EXPECT_EQ(got.status().code(), want.status().code());
      EXPECT_EQ(got.status().message(), want.status().message());
    }
  }
  EXPECT_EQ(cache.size(), 1u);
}

TEST(VerifiedTokenCacheTest, RejectedTokensAreNotCachedAndNeverMatchAValidOne) {
  const JwtCodec codec = Codec();
  VerifiedTokenCache cache(codec);
  const IssuedAccessToken t = codec.Issue(UserId{1}, TenantId{2}, Role::kViewer, kNow * kSecond);
  ASSERT_TRUE(cache.Verify(t.token, kNow * kSecond).ok());
  // The same token with its last signature character changed, and a prefix of it.
  std::string tampered = t.token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(cache.Verify(tampered, kNow * kSecond).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.Verify(std::string_view(t.token).substr(0, t.token.size() - 1), kNow * kSecond)
                .status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.Verify("", kNow * kSecond).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.size(), 1u);
  // A token signed with another key is refused even though the claims are identical.
  Result<JwtCodec> other = JwtCodec::Create(kSecret + "-other", codec.options());
  ASSERT_TRUE(other.ok());
  const IssuedAccessToken foreign = other->Issue(UserId{1}, TenantId{2}, Role::kViewer, kNow * kSecond);
  EXPECT_EQ(cache.Verify(foreign.token, kNow * kSecond).status().code(),
            StatusCode::kUnauthenticated);
}

TEST(VerifiedTokenCacheTest, StaysWithinItsCapacity) {
  const JwtCodec codec = Codec();
  VerifiedTokenCache cache(codec, 3);
  for (int i = 0; i < 10; ++i) {
    const IssuedAccessToken t = codec.Issue(UserId{i + 1}, TenantId{1}, Role::kViewer, kNow * kSecond);
    Result<AccessClaims> c = cache.Verify(t.token, kNow * kSecond);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->user, UserId{i + 1});
    EXPECT_LE(cache.size(), 3u);
  }
}

}  // namespace
}  // namespace clv::security
