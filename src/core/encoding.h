// Strict decoders of base64 and hexadecimal text, shared by the configuration (CLV_MASTER_KEY)
// and security/encoding.h (tokens, sealed secrets), which core may not depend on.
//
// Pure and thread-safe. Both return std::nullopt on any character outside the alphabet, on an
// impossible length and on non-canonical input (non-zero unused trailing bits), so one byte
// string has exactly one accepted text form per alphabet (tokens rely on that: two spellings of
// one signature must not both verify).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clv {

enum class Base64Alphabet {
  kUrl,            // RFC 4648 §5 base64url: '-' and '_' for 62 and 63
  kStandardOrUrl,  // §4 '+' '/' or §5 '-' '_', per character (a key pasted from either tool)
};

// Unpadded base64 -> bytes: '=' is outside both alphabets (a caller that allows padding strips
// it first). A length of 1 mod 4 is impossible and rejected.
std::optional<std::string> Base64Decode(std::string_view text, Base64Alphabet alphabet);

// Hexadecimal, either case, two characters a byte.
std::optional<std::string> HexDecode(std::string_view text);

// The value 0..15 of one hexadecimal digit of either case, or -1 for any other character: the
// one digit rule of HexDecode, percent-decoding (http/router) and COPY's \xHH escapes.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace clv
