#include "http/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace clv::http {
namespace {

namespace json = boost::json;

TEST(JsonWriterTest, NestedDocumentParsesBackToTheSameValue) {
  std::string out = "prefix:";  // appends, never clears
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.Int(-9223372036854775807 - 1);
  w.Key("b");
  w.BeginArray();
  w.Bool(true);
  w.Null();
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.String("x");
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Raw(R"({"e":[1,2]})");
  w.EndObject();
  w.Key("f");
  w.out() += "\"by hand\"";
  w.Wrote();
  w.Key("g");
  w.Bool(false);
  w.EndObject();
  ASSERT_EQ(out.substr(0, 7), "prefix:");
  const std::string text = out.substr(7);
  EXPECT_EQ(text, R"({"a":-9223372036854775808,"b":[true,null,{},[],"x"],"c":{"d":{"e":[1,2]}},)"
                  R"("f":"by hand","g":false})");
  json::value expected = {{"a", std::numeric_limits<std::int64_t>::min()},
                          {"b", json::array{true, nullptr, json::object{}, json::array{}, "x"}},
                          {"c", {{"d", {{"e", json::array{1, 2}}}}}},
                          {"f", "by hand"},
                          {"g", false}};
  EXPECT_EQ(json::parse(text), expected);
}

TEST(JsonWriterTest, StringsAreEscapedExactlyAsBoostJsonSerializes) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  for (const std::string& s :
       {std::string(), std::string("plain@example.com"), std::string("quote\" back\\slash"),
        std::string("tab\tnl\nbs\bff\fcr\r"), std::string("\x01\x1f\x7f"),
        std::string("caf\xc3\xa9 \xe2\x82\xac"), std::string(1, '\0') + "nul", every_byte}) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, json::serialize(json::value(s))) << s;
    std::string via_writer;
    JsonWriter(via_writer).String(s);
    EXPECT_EQ(via_writer, out);
  }
}

TEST(JsonWriterTest, DoublesRoundTripAndStayDoubles) {
  for (double v : {0.0, -0.0, 1.0, -12.0, 0.8, 0.1 + 0.2, 1e-300, 4.9e-324, 1.7976931348623157e308,
                   123456789012345678.0, 1e21, 0.5, 2.0 / 3.0}) {
    std::string out;
    JsonWriter(out).Double(v);
    json::value back = json::parse(out);
    ASSERT_TRUE(back.is_double()) << out;  // 1.0 must not come back as the integer 1
    EXPECT_EQ(back.as_double(), v) << out;
    EXPECT_EQ(std::signbit(back.as_double()), std::signbit(v)) << out;
  }
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Double(1.0);
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(out, "[1.0,null,null,null]");
}

TEST(JsonWriterTest, FieldsAreTheKeyThenTheValue) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.IntField("i", 7);
  w.DoubleField("d", 2.0);
  w.StringField("s", "a\"b");
  w.EndObject();
  EXPECT_EQ(out, R"({"i":7,"d":2.0,"s":"a\"b"})");
}

TEST(JsonWriterTest, IntegersAtTheLimits) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Int(0);
  w.Int(-1);
  w.Int(std::numeric_limits<std::int64_t>::max());
  w.EndArray();
  EXPECT_EQ(out, "[0,-1,9223372036854775807]");
}

}  // namespace
}  // namespace clv::http
