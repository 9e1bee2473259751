// core/encoding.h: RFC 4648 §10 vectors in both base64 alphabets, strictness (one accepted
// spelling per byte string), and hexadecimal.
#include "core/encoding.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <utility>

namespace clv {
namespace {

constexpr Base64Alphabet kUrl = Base64Alphabet::kUrl;
constexpr Base64Alphabet kAny = Base64Alphabet::kStandardOrUrl;

TEST(Base64DecodeTest, DecodesRfc4648VectorsUnpadded) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},           {"Zg", "f"},          {"Zm8", "fo"},         {"Zm9v", "foo"},
      {"Zm9vYg", "foob"}, {"Zm9vYmE", "fooba"}, {"Zm9vYmFy", "foobar"}};
  for (const auto& [text, bytes] : kVectors) {
    EXPECT_EQ(Base64Decode(text, kUrl), bytes) << text;
    EXPECT_EQ(Base64Decode(text, kAny), bytes) << text;
  }
}

TEST(Base64DecodeTest, AlphabetsDifferOnlyIn62And63) {
  const std::string fb_ff("\xfb\xff", 2);
  EXPECT_EQ(Base64Decode("-_8", kUrl), fb_ff);
  EXPECT_EQ(Base64Decode("-_8", kAny), fb_ff);
  EXPECT_EQ(Base64Decode("+/8", kAny), fb_ff);
  EXPECT_EQ(Base64Decode("+_8", kAny), fb_ff);  // mixed, as a hand-edited key might be
  EXPECT_FALSE(Base64Decode("+/8", kUrl));
  EXPECT_FALSE(Base64Decode("Zm9v+g", kUrl));
}

TEST(Base64DecodeTest, IsStrict) {
  for (Base64Alphabet a : {kUrl, kAny}) {
    EXPECT_FALSE(Base64Decode("Zg==", a));   // padding is the caller's to strip
    EXPECT_FALSE(Base64Decode("Z", a));      // impossible length (1 mod 4)
    EXPECT_FALSE(Base64Decode("Zm9vY", a));  // likewise
    EXPECT_FALSE(Base64Decode("Zh", a));     // non-canonical: "Zg" is the only spelling of "f"
    EXPECT_FALSE(Base64Decode("Zm9 v", a));
    EXPECT_FALSE(Base64Decode("Zm9v\n", a));
  }
}

TEST(HexDecodeTest, EitherCaseTwoCharactersAByte) {
  EXPECT_EQ(HexDecode(""), "");
  EXPECT_EQ(HexDecode("00ABff7e"), std::string("\x00\xab\xff\x7e", 4));
  EXPECT_FALSE(HexDecode("abc"));  // odd length
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_FALSE(HexDecode("0g"));
  EXPECT_FALSE(HexDecode(" 0"));
}

TEST(HexDigitValueTest, SixteenDigitsOfEitherCaseAndNothingElse) {
  const std::string digits = "0123456789abcdef";
  int accepted = 0;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const int v = HexDigitValue(c);
    if (v < 0) {
      EXPECT_EQ(v, -1) << "byte " << b;
      continue;
    }
    ++accepted;
    EXPECT_EQ(digits[v], std::tolower(static_cast<unsigned char>(c))) << "byte " << b;
  }
  EXPECT_EQ(accepted, 22);  // 0-9, a-f, A-F
}

}  // namespace
}  // namespace clv
