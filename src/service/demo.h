// The demo shop: an organization with a known login and about two years of realistic orders,
// so that a newcomer's first screen is not empty (`clv demo`, and `make run` on a fresh database).
//
// The orders come from the BG/NBD + Gamma-Gamma generative process (engine/models/simulate.h)
// with the CDNOW parameters of Fader, Hardie & Lee (2005) converted to days (r=0.243,
// α=4.414 weeks = 30.898 days, a=0.793, b=2.426; spend p=6.25, q=3.74, γ=15.44 USD), so the
// models have something true to find. Customers are acquired over the first 18 months of a
// two-year window that ends today; about 2% of orders are later refunded and 1% cancelled.
// The draws depend only on the seed; dates are relative to the clock's today.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/domain.h"
#include "core/status.h"
#include "service/accounts.h"
#include "storage/store.h"

namespace clv::service {

inline constexpr std::string_view kDemoEmail = "demo@example.com";
inline constexpr std::string_view kDemoPassword = "demo-password";

struct DemoOptions {
  std::int32_t customers = 5000;
  std::uint64_t seed = 20050101;
  std::string organization = "Demo Shop";
};

struct DemoShop {
  TenantId tenant;
  std::string email;
  std::string password;
  std::int64_t customers = 0;
  std::int64_t orders = 0;  // including refunds
};

// AlreadyExists when the demo login exists already (the shop is not created twice).
Result<DemoShop> CreateDemoShop(storage::Store& store, AccountService& accounts,
                                const Clock& clock, const DemoOptions& options = {});

}  // namespace clv::service
