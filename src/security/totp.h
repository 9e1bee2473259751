// Time-based one-time passwords (RFC 6238, on HOTP RFC 4226) for MFA, and recovery codes.
//
// Product defaults are what every authenticator app supports: SHA-1, 6 digits, 30-second
// steps; Verify accepts the current step ±1 (clock skew and typing time). Keys are raw bytes;
// they are shown to users, and stored, as base32 (encoding.h). Implemented with OpenSSL HMAC
// rather than liboath: see docs/decisions/0002-totp.md.
//
// Replay: VerifyTotp returns the time step that matched; the caller stores it and passes it
// back as `last_used_step`, so each code works once (RFC 6238 §5.2).
//
// Recovery codes: 10 codes of 80 random bits, shown once as "xxxx-xxxx-xxxx-xxxx" (base32,
// lower case), stored as SHA-256 hex of the normalised code (80 bits need no slow hash).
//
// All functions are pure or use only the CSPRNG, and are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace clv::security {

enum class TotpAlgorithm { kSha1, kSha256, kSha512 };

struct TotpParams {
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;
  int digits = 6;         // 6..8
  int period_s = 30;      // > 0
  int window_steps = 1;   // steps accepted either side of the current one, >= 0
};

// 160 random bits (RFC 4226 §4 recommends the HMAC-SHA-1 output size), raw.
std::string NewTotpKey();

// HOTP value (RFC 4226 §5.3) for `counter`, zero-padded to `digits`. CHECKs 6 <= digits <= 8.
std::string HotpCode(std::string_view key, std::uint64_t counter, int digits,
                     TotpAlgorithm algorithm = TotpAlgorithm::kSha1);

// The time step containing `now_us`: floor(seconds / period).
std::int64_t TotpStep(UnixMicros now_us, const TotpParams& params = {});

// The code for the step containing `now_us`. Times before 1970 use step 0's code.
std::string TotpCode(std::string_view key, UnixMicros now_us, const TotpParams& params = {});

// The matched step if `code` (spaces ignored) is the code for a step within the window
// around now and later than `last_used_step`; InvalidArgument if the code is not `digits`
// digits, Unauthenticated if it does not match or was already used.
Result<std::int64_t> VerifyTotp(std::string_view key, std::string_view code, UnixMicros now_us,
                                std::optional<std::int64_t> last_used_step = std::nullopt,
                                const TotpParams& params = {});

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6
// &period=30 (Google Authenticator key-URI format), issuer and account percent-encoded.
std::string TotpProvisioningUri(std::string_view key, std::string_view issuer,
                                std::string_view account, const TotpParams& params = {});

inline constexpr int kRecoveryCodeCount = 10;

// `count` new codes, "xxxx-xxxx-xxxx-xxxx", distinct.
std::vector<std::string> NewRecoveryCodes(int count = kRecoveryCodeCount);

// What to store for a code: SHA-256 hex of the code lower-cased with '-' and spaces removed,
// so "ABCD EFGH…" typed by a user matches "abcd-efgh-…".
std::string HashRecoveryCode(std::string_view code);

// Index of the stored hash that `code` matches, or nullopt. Compares against every hash in
// constant time per comparison; the caller deletes the matched hash (single use).
std::optional<std::size_t> MatchRecoveryCode(std::string_view code,
                                             std::span<const std::string> stored_hashes);

}  // namespace clv::security
