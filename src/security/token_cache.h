// VerifiedTokenCache: JwtCodec::Verify with a memory of the tokens it accepted, so a client that
// sends the same bearer token on every request pays the HMAC, base64 and JSON parsing once.
//
// Why this is safe: access tokens are stateless (jwt.h) — Verify's answer depends only on the
// token text, the codec's key and options (immutable) and the time. A cached entry holds the
// claims Verify returned for exactly that token text (full string compare, no hash-only match);
// a hit is served only while the two time rules still hold (exp not passed and iat not in the
// future, each beyond the leeway); otherwise the token goes through Verify again, which gives
// the precise error. Rejected tokens are never cached. Logout does not revoke access tokens
// (refresh tokens are the revocation point), so there is nothing else to invalidate.
//
// Bounded: at most `capacity` tokens (when full, the map is emptied and refills: a simple bound
// that costs one Verify per live token afterwards). Thread-safe (one mutex, held for a lookup).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "security/jwt.h"

namespace clv::security {

class VerifiedTokenCache {
 public:
  // `codec` must outlive the cache. capacity >= 1.
  explicit VerifiedTokenCache(const JwtCodec& codec, std::size_t capacity = 4096);

  // Same answer as codec.Verify(token, now_us).
  Result<AccessClaims> Verify(std::string_view token, UnixMicros now_us);

  std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const JwtCodec& codec_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, AccessClaims, Hash, std::equal_to<>> tokens_;
};

}  // namespace clv::security
