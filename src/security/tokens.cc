#include "security/tokens.h"

#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {

std::string NewRefreshToken() {
  return std::string(kRefreshTokenPrefix) + RandomToken(32);
}

bool IsWellFormedRefreshToken(std::string_view token) {
  if (token.size() != kRefreshTokenLength || !token.starts_with(kRefreshTokenPrefix))
    return false;
  std::optional<std::string> bytes = Base64UrlDecode(token.substr(kRefreshTokenPrefix.size()));
  return bytes && bytes->size() == 32;
}

std::string HashToken(std::string_view token) { return Sha256Hex(token); }

std::string NewTokenFamilyId() { return RandomId(); }

}  // namespace clv::security
