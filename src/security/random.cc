#include "security/random.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <mutex>

#include "core/check.h"
#include "security/encoding.h"

namespace clv::security {

void EnsureSodiumInitialized() {
  static std::once_flag once;
  // sodium_init() is itself safe to call repeatedly, but call_once documents the intent and
  // keeps the check (0 = initialised now, 1 = already, -1 = failure) in one place.
  std::call_once(once, [] { CLV_CHECK(sodium_init() >= 0); });
}

std::string RandomBytes(std::size_t count) {
  EnsureSodiumInitialized();
  std::string out(count, '\0');
  if (count > 0) randombytes_buf(out.data(), count);
  return out;
}

std::string RandomToken(std::size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::string RandomId() { return HexEncode(RandomBytes(16)); }

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace clv::security
