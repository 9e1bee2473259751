// Access tokens: compact JWS (RFC 7515) with HS256 (HMAC-SHA256) over our JWT claims
// (RFC 7519). Short-lived (15 minutes by default) and stateless; revocation happens through
// refresh tokens (security/tokens.h), which are stored.
//
// Token shape:
//   header  {"alg":"HS256","typ":"JWT"}
//   payload {"iss":"clv","typ":"access","sub":"<user id>","tid":"<tenant id>",
//            "role":"owner|admin|analyst|viewer","iat":<s>,"exp":<s>,"jti":"<32 hex>"}
// sub and tid are decimal strings (RFC 7519 makes sub a string; strings also survive
// JavaScript clients, whose numbers lose precision past 2^53).
//
// Verification rejects, with Unauthenticated and a message for logs (never echo it to the
// client verbatim): wrong segment count, bad base64url (incl. non-canonical), non-JSON or
// non-object header/payload, an alg other than exactly "HS256" (so "none", "hs256", "HS256 "
// all fail), a "crit" header, a bad signature (compared with CRYPTO_memcmp), a wrong iss/typ,
// missing or mistyped claims, exp in the past (beyond the leeway), iat in the future (beyond
// the leeway) and exp <= iat. The clock is a parameter so tests and callers control time.
//
// Thread safety: a JwtCodec is immutable; Issue and Verify may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"

namespace clv::security {

inline constexpr std::size_t kMinJwtSecretBytes = 32;  // 256 bits, HS256's output size
inline constexpr std::size_t kMaxTokenBytes = 4096;     // longer tokens are refused unparsed

struct AccessClaims {
  UserId user;
  TenantId tenant;
  Role role = Role::kViewer;
  std::int64_t issued_at_s = 0;   // iat, Unix seconds
  std::int64_t expires_at_s = 0;  // exp, Unix seconds
  std::string jwt_id;             // jti, 32 random hex characters

  friend bool operator==(const AccessClaims&, const AccessClaims&) = default;
};

struct IssuedAccessToken {
  std::string token;
  AccessClaims claims;
  std::int64_t expires_in_s = 0;  // for the API's "expires_in"
};

struct JwtOptions {
  std::int64_t lifetime_s = 900;  // 15 minutes
  std::int64_t leeway_s = 30;     // tolerated clock skew between instances, for exp and iat
};

// Low-level HS256 over a JWS signing input ("<b64 header>.<b64 payload>"); 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

// Checks the compact-serialisation structure, that the header is {"alg":"HS256",...} with no
// "crit", and the signature with `key`. Returns the decoded payload bytes (not yet validated
// as claims). Exposed so that the RFC 7515 A.1 vector, whose claims are not ours, can be
// checked through the same code path.
Result<std::string> VerifyHs256Signature(std::string_view token, std::string_view key);

class JwtCodec {
 public:
  // InvalidArgument if the secret is shorter than kMinJwtSecretBytes or the options are not
  // positive (lifetime) / non-negative (leeway).
  static Result<JwtCodec> Create(std::string secret, JwtOptions options = {});

  // A signed token for (user, tenant, role), issued at `now_us` and valid for the lifetime.
  IssuedAccessToken Issue(UserId user, TenantId tenant, Role role, UnixMicros now_us) const;

  // The claims of a valid token at `now_us`, or Unauthenticated (see the header comment).
  Result<AccessClaims> Verify(std::string_view token, UnixMicros now_us) const;

  const JwtOptions& options() const { return options_; }

 private:
  JwtCodec(std::string secret, JwtOptions options)
      : secret_(std::move(secret)), options_(options) {}

  std::string secret_;
  JwtOptions options_;
};

}  // namespace clv::security
