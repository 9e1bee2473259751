// Sealing of secrets at rest (integration API keys, webhook secrets, TOTP keys) with the
// deployment's 32-byte master key (CLV_MASTER_KEY): libsodium crypto_secretbox_easy
// (XSalsa20-Poly1305) with a fresh random 24-byte nonce per seal.
//
// Sealed form: base64url (no padding) of nonce || MAC || ciphertext — text, safe for any
// column type. Open fails with Unauthenticated on any change to the sealed text (tampering,
// truncation, another key) and never returns partially decrypted data.
//
// Thread safety: immutable after construction; Seal/Open may run concurrently. The key copy
// is wiped (sodium_memzero) on destruction.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace clv::security {

inline constexpr std::size_t kMasterKeyBytes = 32;

class SecretBox {
 public:
  // InvalidArgument unless `key` is exactly kMasterKeyBytes raw bytes.
  static Result<SecretBox> Create(std::string_view key);

  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  SecretBox(SecretBox&&) = default;
  SecretBox& operator=(SecretBox&&) = default;
  ~SecretBox();

  std::string Seal(std::string_view plaintext) const;
  Result<std::string> Open(std::string_view sealed) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace clv::security
