#include "core/money.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/currency.h"

namespace clv {
namespace {

std::int64_t Minor(std::string_view text, int exponent) {
  auto r = ParseDecimalToMinor(text, exponent, "USD");
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : -999;
}

std::string Error(std::string_view text, int exponent, std::string_view currency = "USD") {
  auto r = ParseDecimalToMinor(text, exponent, currency);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? *r : 0);
  return r.ok() ? "" : r.status().message();
}

TEST(MoneyTest, ParsesDecimalText) {
  EXPECT_EQ(Minor("12", 2), 1200);
  EXPECT_EQ(Minor("12.5", 2), 1250);
  EXPECT_EQ(Minor("12.50", 2), 1250);
  EXPECT_EQ(Minor("12.500", 2), 1250);  // extra zeros are fine
  EXPECT_EQ(Minor("19.99", 2), 1999);
  EXPECT_EQ(Minor("+19.99", 2), 1999);
  EXPECT_EQ(Minor("-19.99", 2), -1999);
  EXPECT_EQ(Minor("-0", 2), 0);
  EXPECT_EQ(Minor("0.01", 2), 1);
  EXPECT_EQ(Minor(".5", 2), 50);
  EXPECT_EQ(Minor("5.", 2), 500);
  EXPECT_EQ(Minor("  7.25 ", 2), 725);
  EXPECT_EQ(Minor("007.10", 2), 710);
  EXPECT_EQ(Minor("1999", 0), 1999);
  EXPECT_EQ(Minor("1999.000", 0), 1999);
  EXPECT_EQ(Minor("1.234", 3), 1234);
  EXPECT_EQ(Minor("1.2345", 4), 12345);
}

TEST(MoneyTest, RejectsWhatIsNotAPlainDecimal) {
  EXPECT_EQ(Error("12.505", 2), "'12.505' has more than 2 decimal places for USD");
  EXPECT_EQ(Error("12.5", 0, "JPY"), "'12.5' has more than 0 decimal places for JPY");
  EXPECT_EQ(Error("1e3", 2), "'1e3' is not a decimal amount: exponent notation is not accepted");
  EXPECT_EQ(Error("1.5E+2", 2),
            "'1.5E+2' is not a decimal amount: exponent notation is not accepted");
  EXPECT_EQ(Error("1,000.00", 2),
            "'1,000.00' is not a decimal amount: use '.' as the decimal separator and no "
            "thousands separators");
  EXPECT_EQ(Error("12,50", 2),
            "'12,50' is not a decimal amount: use '.' as the decimal separator and no "
            "thousands separators");
  EXPECT_EQ(Error("$5.00", 2), "'$5.00' is not a decimal amount: remove the currency symbol");
  EXPECT_EQ(Error("NaN", 2), "'NaN' is not a finite decimal amount");
  EXPECT_EQ(Error("-inf", 2), "'-inf' is not a finite decimal amount");
  EXPECT_EQ(Error("", 2), "empty amount; expected a decimal such as 19.99");
  EXPECT_EQ(Error("   ", 2), "empty amount; expected a decimal such as 19.99");
  EXPECT_EQ(Error("12 EUR", 2), "'12 EUR' is not a decimal amount");
  EXPECT_EQ(Error(".", 2), "'.' is not a decimal amount");
  EXPECT_EQ(Error("-", 2), "'-' is not a decimal amount");
  EXPECT_EQ(Error("1.2.3", 2), "'1.2.3' is not a decimal amount");
  EXPECT_EQ(Error("--1", 2), "'--1' is not a decimal amount");
  EXPECT_EQ(Error("1 000", 2), "'1 000' is not a decimal amount");
  EXPECT_EQ(Error("0x10", 2), "'0x10' is not a decimal amount");
}

TEST(MoneyTest, EnforcesTheCap) {
  EXPECT_EQ(Minor("90000000000000.00", 2), kMaxAmountMinor);
  EXPECT_EQ(Minor("-90000000000000", 2), -kMaxAmountMinor);
  EXPECT_EQ(Minor("9000000000000000", 0), kMaxAmountMinor);
  const std::string too_large = "'90000000000000.01' is too large (at most 9000000000000000 "
                                "minor units)";
  EXPECT_EQ(Error("90000000000000.01", 2), too_large);
  EXPECT_FALSE(ParseDecimalToMinor("99999999999999999999999999999", 2).ok());
  EXPECT_FALSE(ParseDecimalToMinor("900000000000.0001", 4).ok());
  EXPECT_TRUE(ParseDecimalToMinor("900000000000.0000", 4).ok());
  // A syntax error is reported even when the number would also be too large.
  EXPECT_EQ(Error("99999999999999999999e3", 2),
            "'99999999999999999999e3' is not a decimal amount: exponent notation is not "
            "accepted");
}

TEST(MoneyTest, DoublesUseTheirShortestDecimal) {
  EXPECT_EQ(*DoubleToMinor(19.99, 2), 1999);
  EXPECT_EQ(*DoubleToMinor(0.1, 2), 10);
  EXPECT_EQ(*DoubleToMinor(4.35, 2), 435);  // 4.35 * 100 = 434.99999999999994 in doubles
  EXPECT_EQ(*DoubleToMinor(1.1, 3), 1100);
  EXPECT_EQ(*DoubleToMinor(12.0, 0), 12);
  EXPECT_EQ(*DoubleToMinor(-0.0, 2), 0);
  EXPECT_EQ(*DoubleToMinor(-3.5, 2), -350);
  EXPECT_EQ(*DoubleToMinor(90000000000000.0, 2), kMaxAmountMinor);
  EXPECT_EQ(DoubleToMinor(1.005, 2, "USD").status().message(),
            "'1.005' has more than 2 decimal places for USD");
  EXPECT_EQ(DoubleToMinor(0.1 + 0.2, 2, "USD").status().message(),
            "'0.30000000000000004' has more than 2 decimal places for USD");
  EXPECT_EQ(DoubleToMinor(std::nan(""), 2).status().message(), "amount must be a finite number");
  EXPECT_FALSE(DoubleToMinor(std::numeric_limits<double>::infinity(), 2).ok());
  EXPECT_FALSE(DoubleToMinor(-std::numeric_limits<double>::infinity(), 2).ok());
  EXPECT_EQ(DoubleToMinor(1e300, 2).status().message(),
            "'1e+300' is too large (at most 9000000000000000 minor units)");
  EXPECT_FALSE(DoubleToMinor(1e15, 2).ok());
  EXPECT_FALSE(DoubleToMinor(1e-300, 2).ok());
  EXPECT_FALSE(DoubleToMinor(5e-324, 2).ok());
}

TEST(MoneyTest, EveryCentValueSurvivesADoubleRoundTrip) {
  // What a JSON client that holds amounts as doubles sends: value/100 as a double.
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    std::int64_t cents = static_cast<std::int64_t>(rng() % 100000000000ULL);  // < 1e9 USD
    double d = static_cast<double>(cents) / 100.0;
    auto r = DoubleToMinor(d, 2);
    ASSERT_TRUE(r.ok()) << cents;
    ASSERT_EQ(*r, cents);
  }
}

TEST(MoneyTest, IntegersScaleByTheExponent) {
  EXPECT_EQ(*IntegerToMinor(std::int64_t{12}, 2), 1200);
  EXPECT_EQ(*IntegerToMinor(std::int64_t{-12}, 3), -12000);
  EXPECT_EQ(*IntegerToMinor(std::uint64_t{12}, 0), 12);
  EXPECT_EQ(*IntegerToMinor(std::int64_t{90000000000000}, 2), kMaxAmountMinor);
  EXPECT_FALSE(IntegerToMinor(std::int64_t{90000000000001}, 2).ok());
  EXPECT_FALSE(IntegerToMinor(std::numeric_limits<std::int64_t>::min(), 2).ok());
  EXPECT_FALSE(IntegerToMinor(std::numeric_limits<std::uint64_t>::max(), 0).ok());
}

TEST(MoneyTest, FormatsWithTheCurrencyExponent) {
  EXPECT_EQ(FormatMinor(1999, 2), "19.99");
  EXPECT_EQ(FormatMinor(5, 2), "0.05");
  EXPECT_EQ(FormatMinor(-5, 2), "-0.05");
  EXPECT_EQ(FormatMinor(0, 2), "0.00");
  EXPECT_EQ(FormatMinor(1999, 0), "1999");
  EXPECT_EQ(FormatMinor(1, 3), "0.001");
  EXPECT_EQ(FormatMinor(12345, 4), "1.2345");
  EXPECT_EQ(FormatMinor(std::numeric_limits<std::int64_t>::min(), 2), "-92233720368547758.08");
  EXPECT_EQ(*FormatMoney({1999, "USD"}), "19.99");
  EXPECT_EQ(*FormatMoney({1999, "JPY"}), "1999");
  EXPECT_EQ(*FormatMoney({1999, "KWD"}), "1.999");
  EXPECT_EQ(*FormatMoney({1999, "BHD"}), "1.999");
  EXPECT_FALSE(FormatMoney({1, "XXY"}).ok());
}

TEST(MoneyTest, RoundTripsForEveryCurrency) {
  std::mt19937_64 rng(7);
  for (const CurrencyInfo& c : AllCurrencies()) {
    for (std::int64_t minor : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1},
                               std::int64_t{1999}, kMaxAmountMinor, -kMaxAmountMinor,
                               static_cast<std::int64_t>(rng() % kMaxAmountMinor)}) {
      std::string text = FormatMinor(minor, c.exponent);
      auto back = ParseDecimalToMinor(text, c.exponent, c.code);
      ASSERT_TRUE(back.ok()) << c.code << " " << text << ": " << back.status().ToString();
      EXPECT_EQ(*back, minor) << c.code << " " << text;
      auto money = ParseMoney(text, c.code);
      ASSERT_TRUE(money.ok());
      EXPECT_EQ(*FormatMoney(*money), text);
    }
  }
}

TEST(MoneyTest, ParseMoneyNormalisesTheCurrency) {
  auto m = ParseMoney("19.99", "usd");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (Money{1999, "USD"}));
  EXPECT_EQ(ParseMoney("1", "XXY").status().message(), "unknown currency 'XXY'");
  EXPECT_EQ(ParseMoney("1.5", "jpy").status().message(),
            "'1.5' has more than 0 decimal places for JPY");
}

}  // namespace
}  // namespace clv
