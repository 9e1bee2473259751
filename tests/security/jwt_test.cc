#include "security/jwt.h"

#include <gtest/gtest.h>

#include <set>

#include "security/encoding.h"

namespace clv::security {
namespace {

constexpr UnixMicros kSecond = 1'000'000;
constexpr std::int64_t kNow = 1'700'000'000;  // 2023-11-14, seconds
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

JwtCodec Codec(JwtOptions options = {}) {
  Result<JwtCodec> codec = JwtCodec::Create(kSecret, options);
  CLV_CHECK(codec.ok());
  return *codec;
}

// A token with arbitrary header and payload JSON, correctly signed with `key`: lets each
// rejection test change exactly one thing.
std::string Forge(std::string_view header, std::string_view payload,
                  std::string_view key = kSecret) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(HmacSha256(key, input));
}

std::string Payload(std::string_view override_fields = "") {
  std::string p = R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
                  R"("iat":1700000000,"exp":1700000900,"jti":"abc")";
  if (!override_fields.empty()) p = std::string(override_fields);
  return p + "}";
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Status VerifyStatus(std::string_view token, std::int64_t now_s = kNow) {
  return Codec().Verify(token, now_s * kSecond).status();
}

// RFC 7515 Appendix A.1 (also RFC 7519 §3.1): the exact header and payload bytes, with their
// CR LF line breaks, the JWK "k" key, and the published JWS.
TEST(JwtRfcVectorTest, Rfc7515AppendixA1Hs256) {
  const std::string header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
  const std::string payload =
      "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
  std::optional<std::string> key = Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  const std::string expected =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  EXPECT_EQ(Forge(header, payload, *key), expected);
  Result<std::string> verified = VerifyHs256Signature(expected, *key);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(*verified, payload);

  // One flipped bit in the signature, or another key, fails.
  std::string tampered = expected;
  tampered.back() = 'j';
  EXPECT_EQ(VerifyHs256Signature(tampered, *key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(VerifyHs256Signature(expected, kSecret).ok());
  // Our codec refuses it: the signature is fine for that key but the claims are not ours.
  Result<JwtCodec> codec = JwtCodec::Create(*key);
  ASSERT_TRUE(codec.ok());
  EXPECT_FALSE(codec->Verify(expected, 1300819000 * kSecond).ok());
}

TEST(JwtTest, IssueThenVerifyRoundTrips) {
  JwtCodec codec = Codec();
  IssuedAccessToken issued = codec.Issue(UserId{42}, TenantId{7}, Role::kAnalyst, kNow * kSecond);
  EXPECT_EQ(issued.expires_in_s, 900);
  EXPECT_EQ(issued.claims.issued_at_s, kNow);
  EXPECT_EQ(issued.claims.expires_at_s, kNow + 900);
  EXPECT_EQ(issued.claims.jwt_id.size(), 32u);

  Result<AccessClaims> claims = codec.Verify(issued.token, (kNow + 60) * kSecond);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(*claims, issued.claims);
  EXPECT_EQ(claims->user, UserId{42});
  EXPECT_EQ(claims->tenant, TenantId{7});
  EXPECT_EQ(claims->role, Role::kAnalyst);
}

TEST(JwtTest, IssuedTokenHasTheDocumentedShape) {
  IssuedAccessToken issued = Codec().Issue(UserId{42}, TenantId{7}, Role::kOwner, kNow * kSecond);
  std::size_t dot = issued.token.find('.');
  EXPECT_EQ(Base64UrlDecode(issued.token.substr(0, dot)), std::string(kHeader));
  std::string payload =
      *Base64UrlDecode(issued.token.substr(dot + 1, issued.token.rfind('.') - dot - 1));
  EXPECT_EQ(payload, R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"owner",)"
                     R"("iat":1700000000,"exp":1700000900,"jti":")" +
                         issued.claims.jwt_id + R"("})");
}

TEST(JwtTest, JwtIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i)
    ids.insert(Codec().Issue(UserId{1}, TenantId{1}, Role::kViewer, kNow * kSecond).claims.jwt_id);
  EXPECT_EQ(ids.size(), 100u);
}

TEST(JwtTest, ForgedHelperProducesAcceptedTokens) {
  // Guards the rejection tests below: the unmodified forged token is valid.
  EXPECT_TRUE(VerifyStatus(Forge(kHeader, Payload())).ok());
}

TEST(JwtTest, ExpiryHonoursLeeway) {
  std::string token = Forge(kHeader, Payload());
  EXPECT_TRUE(VerifyStatus(token, 1700000900 + 29).ok());  // within the 30 s leeway
  Status expired = VerifyStatus(token, 1700000900 + 30);
  EXPECT_EQ(expired.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.message(), "token expired");
  Result<AccessClaims> strict =
      Codec({.lifetime_s = 900, .leeway_s = 0}).Verify(token, 1700000900 * kSecond);
  EXPECT_FALSE(strict.ok());
}

TEST(JwtTest, RejectsTokensIssuedInTheFuture) {
  std::string token = Forge(kHeader, Payload());
  EXPECT_TRUE(VerifyStatus(token, kNow - 30).ok());  // skew within leeway
  EXPECT_EQ(VerifyStatus(token, kNow - 31).message(), "token issued in the future");
}

TEST(JwtTest, RejectsAlgorithmsOtherThanExactlyHs256) {
  for (std::string_view header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS256 ","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"RS256","typ":"JWT"})", R"({"typ":"JWT"})", R"({"alg":["HS256"]})",
        R"({"alg":null})"}) {
    EXPECT_EQ(VerifyStatus(Forge(header, Payload())).message(), "token algorithm is not HS256")
        << header;
  }
  // "none" with an empty signature, the classic attack.
  std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Payload()) + ".";
  EXPECT_EQ(VerifyStatus(none).code(), StatusCode::kUnauthenticated);
}

TEST(JwtTest, RejectsCriticalHeaderExtensions) {
  EXPECT_EQ(VerifyStatus(Forge(R"({"alg":"HS256","crit":["exp"],"exp":1})", Payload())).message(),
            "token header has unsupported 'crit'");
}

TEST(JwtTest, RejectsMalformedStructure) {
  std::string good = Forge(kHeader, Payload());
  for (std::string bad : {std::string(""), std::string("abc"), std::string("a.b"),
                          good + ".extra", std::string(".."), "." + good}) {
    EXPECT_EQ(VerifyStatus(bad).code(), StatusCode::kUnauthenticated) << bad;
  }
}

TEST(JwtTest, RejectsOverlongTokensUnparsed) {
  std::string padded = Payload(R"({"iss":"clv","typ":"access","sub":"42","tid":"7",)"
                               R"("role":"analyst","iat":1700000000,"exp":1700000900,"jti":")" +
                               std::string(3000, 'a') + "\"");
  EXPECT_EQ(VerifyStatus(Forge(kHeader, padded)).message(), "token is too long");
}

TEST(JwtTest, RejectsBadBase64) {
  std::string good = Forge(kHeader, Payload());
  std::size_t first = good.find('.');
  std::string bang = good;
  bang[0] = '!';
  EXPECT_FALSE(VerifyStatus(bang).ok());                              // header alphabet
  EXPECT_FALSE(VerifyStatus(good + "=").ok());                        // padding on signature
  std::string plus = good;
  plus[first + 3] = '+';                                              // standard alphabet
  EXPECT_FALSE(VerifyStatus(plus).ok());
  // The signature's last character re-spelt with non-zero unused bits: same bytes, other
  // text. Strict decoding refuses the second spelling.
  std::string sig = good.substr(good.rfind('.') + 1);
  ASSERT_EQ(sig.size(), 43u);  // 32 bytes → 2 unused bits in the last symbol
  std::string respelt = good;
  char& last = respelt.back();
  last = static_cast<char>(last == 'A' ? 'B' : last + 1);
  EXPECT_EQ(VerifyStatus(respelt).code(), StatusCode::kUnauthenticated);
}

TEST(JwtTest, RejectsBadJson) {
  EXPECT_EQ(VerifyStatus(Forge("{not json", Payload())).message(), "token header is not valid JSON");
  EXPECT_EQ(VerifyStatus(Forge(R"(["HS256"])", Payload())).message(),
            "token header is not a JSON object");
  EXPECT_EQ(VerifyStatus(Forge(kHeader, "{\"sub\":")).message(), "token payload is not valid JSON");
  EXPECT_EQ(VerifyStatus(Forge(kHeader, "42")).message(), "token payload is not a JSON object");
}

TEST(JwtTest, RejectsBadSignature) {
  EXPECT_EQ(VerifyStatus(Forge(kHeader, Payload(), "another-secret-of-at-least-32-bytes!")).message(),
            "token signature is invalid");
  // Payload swapped under a valid signature (privilege escalation attempt).
  std::string token = Forge(kHeader, Payload());
  std::size_t first = token.find('.');
  std::size_t last = token.rfind('.');
  std::string owner = Payload(R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"owner",)"
                              R"("iat":1700000000,"exp":1700000900,"jti":"abc")");
  std::string swapped =
      token.substr(0, first + 1) + Base64UrlEncode(owner) + token.substr(last);
  EXPECT_EQ(VerifyStatus(swapped).message(), "token signature is invalid");
  // A truncated signature (32 → 30 bytes, still canonical base64url).
  EXPECT_EQ(VerifyStatus(token.substr(0, token.size() - 3)).message(),
            "token signature is invalid");
}

TEST(JwtTest, RejectsMissingClaims) {
  for (std::string_view claim : {"iss", "typ", "sub", "tid", "role", "iat", "exp", "jti"}) {
    std::string p = R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
                    R"("iat":1700000000,"exp":1700000900,"jti":"abc"})";
    // Rename the claim so it is absent while the JSON stays valid.
    std::string quoted;
    quoted.append("\"").append(claim).append("\":");
    std::size_t at = p.find(quoted);
    ASSERT_NE(at, std::string::npos);
    std::string renamed;
    renamed.append("\"x").append(claim).append("\":");
    p.replace(at, quoted.size(), renamed);
    EXPECT_EQ(VerifyStatus(Forge(kHeader, p)).message(),
              "token lacks claim '" + std::string(claim) + "'");
  }
}

TEST(JwtTest, RejectsWrongTypesAndValues) {
  struct Case {
    std::string fields;
    std::string message;
  };
  const std::string rest = R"("iat":1700000000,"exp":1700000900,"jti":"abc")";
  std::vector<Case> cases = {
      {R"({"iss":"joe","typ":"access","sub":"42","tid":"7","role":"analyst",)" + rest,
       "token issuer is not 'clv'"},
      {R"({"iss":"clv","typ":"refresh","sub":"42","tid":"7","role":"analyst",)" + rest,
       "token is not an access token"},
      {R"({"iss":"clv","typ":"access","sub":42,"tid":"7","role":"analyst",)" + rest,
       "token claim 'sub' is not a string"},
      {R"({"iss":"clv","typ":"access","sub":"-4","tid":"7","role":"analyst",)" + rest,
       "token claim 'sub' is not an id"},
      {R"({"iss":"clv","typ":"access","sub":"042","tid":"7","role":"analyst",)" + rest,
       "token claim 'sub' is not an id"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7x","role":"analyst",)" + rest,
       "token claim 'tid' is not an id"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"99999999999999999999","role":"analyst",)" +
           rest,
       "token claim 'tid' is not an id"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"root",)" + rest,
       "token claim 'role' is not a known role"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":"1700000000","exp":1700000900,"jti":"abc")",
       "token claim 'iat' is not a non-negative integer"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":1700000000,"exp":1700000900.5,"jti":"abc")",
       "token claim 'exp' is not a non-negative integer"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":-1,"exp":1700000900,"jti":"abc")",
       "token claim 'iat' is not a non-negative integer"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":1700000000,"exp":18446744073709551615,"jti":"abc")",
       "token claim 'exp' is not a non-negative integer"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":1700000000,"exp":1700000000,"jti":"abc")",
       "token expires before it was issued"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":1700000000,"exp":1700000900,"jti":"")",
       "token claim 'jti' is empty"},
      {R"({"iss":"clv","typ":"access","sub":"42","tid":"7","role":"analyst",)"
       R"("iat":1700000000,"exp":1700000900,"jti":7)",
       "token claim 'jti' is not a string"},
  };
  for (const Case& c : cases) {
    Status s = VerifyStatus(Forge(kHeader, c.fields + "}"));
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << c.fields;
    EXPECT_EQ(s.message(), c.message) << c.fields;
  }
}

TEST(JwtTest, CreateValidatesSecretAndOptions) {
  EXPECT_EQ(JwtCodec::Create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(JwtCodec::Create(std::string(32, 'k')).ok());
  EXPECT_FALSE(JwtCodec::Create(kSecret, {.lifetime_s = 0}).ok());
  EXPECT_FALSE(JwtCodec::Create(kSecret, {.lifetime_s = 60, .leeway_s = -1}).ok());
}

TEST(JwtTest, LifetimeIsConfigurable) {
  JwtCodec codec = Codec({.lifetime_s = 60, .leeway_s = 0});
  IssuedAccessToken issued = codec.Issue(UserId{1}, TenantId{2}, Role::kViewer, kNow * kSecond);
  EXPECT_EQ(issued.claims.expires_at_s, kNow + 60);
  EXPECT_TRUE(codec.Verify(issued.token, (kNow + 59) * kSecond).ok());
  EXPECT_FALSE(codec.Verify(issued.token, (kNow + 60) * kSecond).ok());
}

}  // namespace
}  // namespace clv::security
