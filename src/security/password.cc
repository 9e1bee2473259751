#include "security/password.h"

#include <sodium.h>

#include <algorithm>

#include "core/check.h"
#include "security/random.h"

namespace clv::security {
namespace {

std::size_t CountCodePoints(std::string_view s) {
  // Every UTF-8 code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgument("password must be at most " + std::to_string(kMaxPasswordBytes) +
                           " bytes");
  if (CountCodePoints(password) < kMinPasswordChars)
    return InvalidArgument("password must be at least " + std::to_string(kMinPasswordChars) +
                           " characters");
  if (std::all_of(password.begin(), password.end(), IsAsciiSpace))
    return InvalidArgument("password must not be only whitespace");
  return Status::Ok();
}

Argon2Params Argon2Params::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

Argon2Params Argon2Params::Minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  CLV_CHECK(params_.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN);
  CLV_CHECK(params_.memlimit_bytes >= crypto_pwhash_argon2id_MEMLIMIT_MIN);
  CLV_CHECK(params_.opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX);
  EnsureSodiumInitialized();
}

void PasswordHasher::PrepareDummy() const {
  std::call_once(dummy_once_, [this] {
    // The dummy hash is of a random password nobody knows, with our own parameters, so that
    // DummyVerify does the same work as a real verification.
    char out[crypto_pwhash_STRBYTES];
    std::string secret = RandomToken(24);
    CLV_CHECK(crypto_pwhash_str_alg(out, secret.data(), secret.size(), params_.opslimit,
                                    params_.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) == 0);
    dummy_hash_ = out;
  });
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  CLV_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit,
                            params_.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("password hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view password, std::string_view hash) const {
  if (password.size() > kMaxPasswordBytes) return false;
  // libsodium wants a NUL-terminated hash; a hash with an embedded NUL or too long for the
  // buffer is not one we wrote.
  if (hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string_view::npos)
    return false;
  if (hash.substr(0, 10) != "$argon2id$") return false;
  std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::DummyVerify(std::string_view password) const {
  PrepareDummy();
  std::string_view bounded = password.substr(0, kMaxPasswordBytes);
  // The result is discarded on purpose: this exists only to spend the time of a Verify.
  [[maybe_unused]] int ignored =
      crypto_pwhash_str_verify(dummy_hash_.c_str(), bounded.data(), bounded.size());
  return false;
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
  if (hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string_view::npos)
    return true;
  if (hash.substr(0, 10) != "$argon2id$") return true;
  std::string terminated(hash);
  // 0 = matches the parameters, 1 = different parameters, -1 = not a valid hash string.
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), params_.opslimit,
                                        params_.memlimit_bytes) != 0;
}

}  // namespace clv::security
