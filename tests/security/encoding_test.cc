#include "security/encoding.h"

#include <gtest/gtest.h>

namespace clv::security {
namespace {

// RFC 4648 §10 test vectors (base64 alphabet where it coincides with base64url, unpadded).
TEST(EncodingTest, Base64UrlMatchesRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\x00"})
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
}

TEST(EncodingTest, Base64UrlDecodeIsStrict) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm9v+g"));  // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Z"));       // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zh"));      // non-canonical: "Zg" is the only spelling of "f"
  EXPECT_FALSE(Base64UrlDecode("Zm9 v"));
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
}

TEST(EncodingTest, HexRoundTripAndRejects) {
  EXPECT_EQ(HexEncode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(HexDecode("00ABff"), std::string("\x00\xab\xff", 3));
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
}

// RFC 4648 §10 base32 vectors, without padding.
TEST(EncodingTest, Base32MatchesRfc4648Vectors) {
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(Base32Decode("mzxw 6ytb-oi"), "foobar");  // as a user might type it
  EXPECT_FALSE(Base32Decode("MZXW1"));                // '1' is not in the alphabet
  EXPECT_FALSE(Base32Decode("M"));                    // impossible length
  EXPECT_FALSE(Base32Decode("MZ"));                   // non-canonical ("MY" is "f")
}

}  // namespace
}  // namespace clv::security
