#include "security/token_cache.h"

#include "core/check.h"
#include "core/time.h"

namespace clv::security {
namespace {

// The time rules of JwtCodec::Verify (jwt.cc), in the same overflow-safe form; true when a
// token with these claims is still accepted at now_s.
bool StillValid(const AccessClaims& c, std::int64_t now_s, std::int64_t leeway_s) {
  return now_s - leeway_s < c.expires_at_s && c.issued_at_s - leeway_s <= now_s;
}

}  // namespace

VerifiedTokenCache::VerifiedTokenCache(const JwtCodec& codec, std::size_t capacity)
    : codec_(codec), capacity_(capacity) {
  CLV_CHECK(capacity >= 1);
}

Result<AccessClaims> VerifiedTokenCache::Verify(std::string_view token, UnixMicros now_us) {
  const std::int64_t now_s = FloorSeconds(now_us);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(token);
    if (it != tokens_.end() && StillValid(it->second, now_s, codec_.options().leeway_s)) {
      return it->second;
    }
  }
  // Miss, or a cached token whose time ran out: Verify decides (and words the error).
  Result<AccessClaims> claims = codec_.Verify(token, now_us);
  if (!claims.ok()) return claims;
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_.size() >= capacity_) tokens_.clear();
  tokens_.insert_or_assign(std::string(token), *claims);
  return claims;
}

std::size_t VerifiedTokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_.size();
}

}  // namespace clv::security
