#include "service/demo.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "core/time.h"
#include "engine/models/simulate.h"

namespace clv::service {
namespace {

constexpr double kDaysPerWeek = 7.0;
constexpr double kWindowDays = 730.0;       // two years of orders
constexpr double kAcquisitionDays = 548.0;  // first purchases in the first 18 months
constexpr double kRefundShare = 0.02;
constexpr double kCancelShare = 0.01;

std::string Padded(const char* prefix, std::int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%06lld", prefix, static_cast<long long>(n));
  return buf;
}

}  // namespace

Result<DemoShop> CreateDemoShop(storage::Store& store, AccountService& accounts,
                                const Clock& clock, const DemoOptions& options) {
  Result<User> existing = store.FindUserByEmail(kDemoEmail);
  if (existing.ok()) {
    return AlreadyExists("the demo shop exists already; sign in as " + std::string(kDemoEmail));
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  engine::SimulationSpec spec;
  spec.variant = engine::BetaGeoVariant::kBgNbd;
  spec.purchase = {0.243, 4.414 * kDaysPerWeek, 0.793, 2.426};
  spec.spend = engine::GammaGammaParams{6.25, 3.74, 15.44};
  spec.num_customers = options.customers;
  spec.observation_end = kWindowDays;
  spec.acquisition_window = kAcquisitionDays;
  spec.seed = options.seed;
  CLV_ASSIGN_OR_RETURN(engine::SimulatedTransactions tx, engine::SimulateTransactions(spec));

  CLV_ASSIGN_OR_RETURN(Registration reg,
                       accounts.Register(kDemoEmail, kDemoPassword, options.organization));

  // The window ends at the start of today (UTC), so no order lies in the future.
  const UnixMicros end = UtcDayOf(clock.Now()) * kMicrosPerDay;
  const UnixMicros start = end - static_cast<UnixMicros>(kWindowDays * kMicrosPerDay);
  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  std::vector<OrderInput> orders;
  orders.reserve(tx.customer.size() + tx.customer.size() / 40);
  for (std::size_t i = 0; i < tx.customer.size(); ++i) {
    OrderInput o;
    o.source = "demo";
    o.external_id = Padded("D-", static_cast<std::int64_t>(i + 1));
    o.customer_external_id = Padded("C", tx.customer[i] + 1);
    o.email = "customer" + std::to_string(tx.customer[i] + 1) + "@example.com";
    o.placed_at_us = start + static_cast<UnixMicros>(tx.time[i] * kMicrosPerDay);
    o.currency = "USD";
    o.total_minor = std::max<std::int64_t>(100, std::llround(tx.amount[i] * 100));
    const double u = unit(rng);
    if (u < kCancelShare) o.status = OrderStatus::kCancelled;
    orders.push_back(o);
    if (u >= kCancelShare && u < kCancelShare + kRefundShare) {
      // A full refund a few days later, unless that would be in the future.
      const UnixMicros refunded_at = o.placed_at_us + (1 + static_cast<int>(unit(rng) * 10)) * kMicrosPerDay;
      if (refunded_at < end) {
        orders.back().status = OrderStatus::kRefunded;
        OrderInput refund = orders.back();
        refund.external_id = o.external_id + "-R";
        refund.refund_of = o.external_id;
        refund.placed_at_us = refunded_at;
        refund.status = OrderStatus::kPaid;
        orders.push_back(std::move(refund));
      }
    }
  }

  CLV_ASSIGN_OR_RETURN(std::unique_ptr<storage::OrderImporter> importer,
                       store.BeginImport(reg.tenant.id, clock.Now()));
  Status added = importer->Add(orders);
  if (!added.ok()) {
    importer->Abort();
    return added;
  }
  CLV_ASSIGN_OR_RETURN(storage::UpsertResult counts, importer->Commit());
  CLV_ASSIGN_OR_RETURN(std::int64_t customers, store.CountCustomers(reg.tenant.id));
  return DemoShop{reg.tenant.id, std::string(kDemoEmail), std::string(kDemoPassword), customers,
                  counts.created};
}

}  // namespace clv::service
