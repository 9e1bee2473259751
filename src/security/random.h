// Randomness and hashing primitives shared by the security layer: libsodium initialisation,
// cryptographically secure random bytes/ids/tokens, SHA-256 and constant-time comparison.
//
// Thread-safe. Every function here initialises libsodium on first use (std::call_once), so
// callers never need to.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clv::security {

// Idempotent and thread-safe; aborts (CLV_CHECK) if libsodium cannot initialise, since
// without a working RNG no token or key this process makes could be trusted.
void EnsureSodiumInitialized();

// `count` bytes from the operating system's CSPRNG (libsodium randombytes_buf).
std::string RandomBytes(std::size_t count);

// base64url (no padding) of `bytes` random bytes: 32 bytes → 43 characters.
std::string RandomToken(std::size_t bytes = 32);

// 128 random bits as 32 lower-case hex characters: JWT ids, token family ids, request ids.
std::string RandomId();

// SHA-256 of `data` (OpenSSL), as 32 raw bytes and as 64 lower-case hex characters.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// True iff a == b, in time that depends only on the lengths (CRYPTO_memcmp), for comparing
// secrets such as signatures and codes.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace clv::security
