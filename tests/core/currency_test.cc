#include "core/currency.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace clv {
namespace {

TEST(CurrencyTest, TableCoversIso4217ListOne) {
  // 169 = Debian iso-codes 4.15 (181 codes) minus the 13 "N.A." units plus ZWG.
  EXPECT_EQ(AllCurrencies().size(), 169u);
  std::set<std::string_view> codes;
  for (const auto& c : AllCurrencies()) codes.insert(c.code);
  EXPECT_EQ(codes.size(), AllCurrencies().size());
  for (std::string_view code : {"USD", "EUR", "GBP", "JPY", "CHF", "CNY", "INR", "BRL", "ZAR",
                                "HRK", "SLE", "VES", "XOF", "XPF", "XCD", "ZWG"})
    EXPECT_TRUE(codes.count(code)) << code;
  for (std::string_view code : {"XAU", "XXX", "XTS", "XDR", "BTC", "DEM"})
    EXPECT_FALSE(codes.count(code)) << code;
}

TEST(CurrencyTest, ExponentsFollowIso4217) {
  auto exp = [](std::string_view code) { return (*LookupCurrency(code))->exponent; };
  EXPECT_EQ(exp("USD"), 2);
  EXPECT_EQ(exp("EUR"), 2);
  EXPECT_EQ(exp("JPY"), 0);
  EXPECT_EQ(exp("KRW"), 0);
  EXPECT_EQ(exp("ISK"), 0);
  EXPECT_EQ(exp("CLP"), 0);
  EXPECT_EQ(exp("BHD"), 3);
  EXPECT_EQ(exp("KWD"), 3);
  EXPECT_EQ(exp("TND"), 3);
  EXPECT_EQ(exp("CLF"), 4);
  EXPECT_EQ(exp("UYW"), 4);
  EXPECT_EQ((*LookupCurrency("USD"))->numeric, 840);
  EXPECT_EQ((*LookupCurrency("USD"))->name, "US Dollar");
}

TEST(CurrencyTest, LowerCaseAndBlanksAreNormalised) {
  auto r = LookupCurrency(" usd\t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->code, "USD");
  EXPECT_EQ((*LookupCurrency("eUr"))->code, "EUR");
}

TEST(CurrencyTest, UnknownCodesAreRejectedByName) {
  auto r = LookupCurrency("XXY");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "unknown currency 'XXY'");
  EXPECT_EQ(LookupCurrency("").status().message(), "unknown currency ''");
  EXPECT_EQ(LookupCurrency("US").status().message(), "unknown currency 'US'");
  EXPECT_EQ(LookupCurrency("USDX").status().message(), "unknown currency 'USDX'");
  EXPECT_EQ(LookupCurrency("U\nD").status().message(), "unknown currency 'U\\x0aD'");
  EXPECT_EQ(LookupCurrency(std::string(100, 'A')).status().message(),
            "unknown currency 'AAAAAAAAAAAAAAAA...'");
}

TEST(CurrencyTest, FindCurrencyIsExact) {
  EXPECT_NE(FindCurrency("USD"), nullptr);
  EXPECT_EQ(FindCurrency("usd"), nullptr);
  EXPECT_EQ(FindCurrency("AAA"), nullptr);
  EXPECT_EQ(FindCurrency("ZZZ"), nullptr);
  // Every table entry is found by its own code.
  for (const auto& c : AllCurrencies()) EXPECT_EQ(FindCurrency(c.code), &c);
}

}  // namespace
}  // namespace clv
