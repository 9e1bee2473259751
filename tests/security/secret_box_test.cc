#include "security/secret_box.h"

#include <gtest/gtest.h>

#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {
namespace {

SecretBox Box(std::string key = std::string(32, 'k')) {
  Result<SecretBox> box = SecretBox::Create(key);
  CLV_CHECK(box.ok());
  return *box;
}

TEST(SecretBoxTest, SealOpenRoundTrip) {
  SecretBox box = Box(RandomBytes(32));
  for (std::string plain : {std::string(""), std::string("shpat_0123456789abcdef"),
                            std::string("\x00\x01\xff binary", 10), std::string(10000, 'z')}) {
    std::string sealed = box.Seal(plain);
    EXPECT_EQ(sealed.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    Result<std::string> opened = box.Open(sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plain);
  }
}

TEST(SecretBoxTest, FreshNonceEachSeal) {
  SecretBox box = Box();
  EXPECT_NE(box.Seal("same"), box.Seal("same"));
  // 24-byte nonce + 16-byte MAC + 4 bytes of text = 44 bytes = 59 base64url characters.
  EXPECT_EQ(box.Seal("same").size(), 59u);
}

TEST(SecretBoxTest, AnyTamperingFails) {
  SecretBox box = Box();
  std::string bytes = *Base64UrlDecode(box.Seal("webhook secret"));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    Result<std::string> opened = box.Open(Base64UrlEncode(flipped));
    EXPECT_EQ(opened.status().code(), StatusCode::kUnauthenticated) << "byte " << i;
  }
  EXPECT_FALSE(box.Open(Base64UrlEncode(bytes.substr(0, bytes.size() - 1))).ok());
  EXPECT_FALSE(box.Open(Base64UrlEncode(bytes.substr(0, 39))).ok());  // shorter than nonce+MAC
  EXPECT_FALSE(box.Open("").ok());
  EXPECT_FALSE(box.Open("not base64!").ok());
}

TEST(SecretBoxTest, OtherKeyFails) {
  std::string sealed = Box(std::string(32, 'a')).Seal("secret");
  EXPECT_EQ(Box(std::string(32, 'b')).Open(sealed).status().code(), StatusCode::kUnauthenticated);
}

TEST(SecretBoxTest, KeyMustBe32Bytes) {
  EXPECT_EQ(SecretBox::Create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(SecretBox::Create(std::string(33, 'k')).ok());
  EXPECT_FALSE(SecretBox::Create("").ok());
}

}  // namespace
}  // namespace clv::security
