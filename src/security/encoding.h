// Byte-string encodings used by tokens, TOTP secrets and sealed secrets.
//
// All functions are pure and thread-safe. Decoders are strict: they return std::nullopt on any
// character outside the alphabet, on impossible lengths and on non-canonical input (non-zero
// unused trailing bits), so that one byte string has exactly one accepted text form. That
// matters for tokens: two spellings of the same signature must not both verify. The decoders of
// base64url and hex are core/encoding.h's (the configuration decodes the master key with them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clv::security {

// RFC 4648 §5 base64url, without '=' padding (as JWS and our tokens use it).
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Lower-case hexadecimal; the decoder accepts either case.
std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view text);

// RFC 4648 §6 base32 (A–Z, 2–7), upper case, without padding — the form authenticator apps
// expect for TOTP secrets. The decoder is forgiving about what people type or paste: it
// ignores case, spaces, '-' and trailing '=' padding, but still rejects non-canonical bits.
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

}  // namespace clv::security
