#include "security/secret_box.h"

#include <sodium.h>

#include "core/check.h"
#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {

Result<SecretBox> SecretBox::Create(std::string_view key) {
  static_assert(crypto_secretbox_KEYBYTES == kMasterKeyBytes);
  if (key.size() != kMasterKeyBytes)
    return InvalidArgument("master key must be " + std::to_string(kMasterKeyBytes) + " bytes");
  EnsureSodiumInitialized();
  return SecretBox(std::string(key));
}

SecretBox::~SecretBox() {
  if (!key_.empty()) sodium_memzero(key_.data(), key_.size());
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  CLV_CHECK(key_.size() == kMasterKeyBytes);  // a moved-from box must not be used
  // 24-byte random nonces: the collision probability stays negligible for any number of
  // secrets this product will ever seal, so no counter needs to be kept.
  std::string out = RandomBytes(crypto_secretbox_NONCEBYTES);
  out.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  auto* nonce = reinterpret_cast<const unsigned char*>(out.data());
  auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + crypto_secretbox_NONCEBYTES;
  CLV_CHECK(crypto_secretbox_easy(cipher, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                  plaintext.size(), nonce,
                                  reinterpret_cast<const unsigned char*>(key_.data())) == 0);
  return Base64UrlEncode(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  CLV_CHECK(key_.size() == kMasterKeyBytes);
  std::optional<std::string> bytes = Base64UrlDecode(sealed);
  if (!bytes) return Unauthenticated("sealed secret is not base64url");
  if (bytes->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return Unauthenticated("sealed secret is too short");
  auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  auto* cipher = nonce + crypto_secretbox_NONCEBYTES;
  std::size_t cipher_len = bytes->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(cipher_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), cipher,
                                 cipher_len, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return Unauthenticated("sealed secret failed authentication (tampered or wrong key)");
  }
  return plain;
}

}  // namespace clv::security
