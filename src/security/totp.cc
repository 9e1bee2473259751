#include "security/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "core/check.h"
#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {
namespace {

const EVP_MD* Digest(TotpAlgorithm algorithm) {
  switch (algorithm) {
    case TotpAlgorithm::kSha1: return EVP_sha1();
    case TotpAlgorithm::kSha256: return EVP_sha256();
    case TotpAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha1();
}

std::string_view AlgorithmName(TotpAlgorithm algorithm) {
  switch (algorithm) {
    case TotpAlgorithm::kSha1: return "SHA1";
    case TotpAlgorithm::kSha256: return "SHA256";
    case TotpAlgorithm::kSha512: return "SHA512";
  }
  return "SHA1";
}

// RFC 3986 unreserved characters pass; everything else becomes %XX.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string NormaliseRecoveryCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

std::string NewTotpKey() { return RandomBytes(20); }

std::string HotpCode(std::string_view key, std::uint64_t counter, int digits,
                     TotpAlgorithm algorithm) {
  CLV_CHECK(digits >= 6 && digits <= 8);
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  CLV_CHECK(HMAC(Digest(algorithm), key.data(), static_cast<int>(key.size()), message,
                 sizeof message, mac, &mac_len) != nullptr);
  // Dynamic truncation, RFC 4226 §5.3: the low nibble of the last byte picks 4 bytes.
  int offset = mac[mac_len - 1] & 0x0F;
  std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                         (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                         static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::int64_t TotpStep(UnixMicros now_us, const TotpParams& params) {
  CLV_CHECK(params.period_s > 0);
  if (now_us < 0) return 0;
  return now_us / 1'000'000 / params.period_s;
}

std::string TotpCode(std::string_view key, UnixMicros now_us, const TotpParams& params) {
  return HotpCode(key, static_cast<std::uint64_t>(TotpStep(now_us, params)), params.digits,
                  params.algorithm);
}

Result<std::int64_t> VerifyTotp(std::string_view key, std::string_view code, UnixMicros now_us,
                                std::optional<std::int64_t> last_used_step,
                                const TotpParams& params) {
  CLV_CHECK(params.window_steps >= 0);
  std::string digits;
  for (char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return InvalidArgument("one-time code must be digits");
    digits.push_back(c);
  }
  if (digits.size() != static_cast<std::size_t>(params.digits))
    return InvalidArgument("one-time code must be " + std::to_string(params.digits) +
                           " digits");
  const std::int64_t now_step = TotpStep(now_us, params);
  // Check every step in the window (no early exit) and prefer the latest match, so a code
  // that matches two steps is recorded at the later one.
  std::optional<std::int64_t> matched;
  for (std::int64_t step = now_step - params.window_steps;
       step <= now_step + params.window_steps; ++step) {
    if (step < 0) continue;
    std::string expected =
        HotpCode(key, static_cast<std::uint64_t>(step), params.digits, params.algorithm);
    if (ConstantTimeEquals(expected, digits)) matched = step;
  }
  if (!matched) return Unauthenticated("one-time code is not valid");
  if (last_used_step && *matched <= *last_used_step)
    return Unauthenticated("one-time code was already used");
  return *matched;
}

std::string TotpProvisioningUri(std::string_view key, std::string_view issuer,
                                std::string_view account, const TotpParams& params) {
  std::string uri = "otpauth://totp/";
  uri += PercentEncode(issuer);
  uri += ':';
  uri += PercentEncode(account);
  uri += "?secret=";
  uri += Base32Encode(key);
  uri += "&issuer=";
  uri += PercentEncode(issuer);
  uri += "&algorithm=";
  uri += AlgorithmName(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period_s);
  return uri;
}

std::vector<std::string> NewRecoveryCodes(int count) {
  std::vector<std::string> codes;
  while (static_cast<int>(codes.size()) < count) {
    std::string raw = Base32Encode(RandomBytes(10));  // 80 bits → 16 symbols
    std::transform(raw.begin(), raw.end(), raw.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string code = raw.substr(0, 4) + '-' + raw.substr(4, 4) + '-' + raw.substr(8, 4) +
                       '-' + raw.substr(12, 4);
    // A collision among 80-bit values is practically impossible; the check keeps the
    // "distinct" contract unconditional anyway.
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
  }
  return codes;
}

std::string HashRecoveryCode(std::string_view code) {
  return Sha256Hex(NormaliseRecoveryCode(code));
}

std::optional<std::size_t> MatchRecoveryCode(std::string_view code,
                                             std::span<const std::string> stored_hashes) {
  std::string hash = HashRecoveryCode(code);
  std::optional<std::size_t> match;
  for (std::size_t i = 0; i < stored_hashes.size(); ++i)
    if (ConstantTimeEquals(hash, stored_hashes[i]) && !match) match = i;
  return match;
}

}  // namespace clv::security
