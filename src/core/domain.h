// The platform's records, shared by ingest/ (which produces them), storage/ (which keeps them)
// and service/ (which moves them between the two). Plain values; no behaviour beyond names.
//
// Times are UTC microseconds since the Unix epoch (UnixMicros); money is an integer number of
// the currency's minor units plus its ISO 4217 code (core/money.h), never a floating point.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clv {

using UnixMicros = std::int64_t;

// Strong ids: a TenantId cannot be passed where a CustomerId is expected.
template <typename Tag>
struct Id {
  std::int64_t value = 0;
  friend auto operator<=>(const Id&, const Id&) = default;
};
using TenantId = Id<struct TenantTag>;
using UserId = Id<struct UserTag>;
using CustomerId = Id<struct CustomerTag>;
using OrderId = Id<struct OrderTag>;
using JobId = Id<struct JobTag>;

enum class Role { kOwner, kAdmin, kAnalyst, kViewer };
std::string_view RoleName(Role role);                  // "owner", "admin", "analyst", "viewer"
std::optional<Role> ParseRole(std::string_view name);

enum class OrderStatus { kPaid, kPending, kRefunded, kPartiallyRefunded, kCancelled };
std::string_view OrderStatusName(OrderStatus status);  // "paid", "pending", "refunded", ...
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);

// A normalised order (or refund) from any source, validated by ingest/, ready to store.
struct OrderInput {
  std::string source;                // "api", "csv", "shopify", "woocommerce", "stripe", ...
  std::string external_id;           // the shop's order id; unique per (tenant, source)
  std::string customer_external_id;  // the shop's customer id
  std::string email;                 // optional; empty when unknown
  UnixMicros placed_at_us = 0;
  std::string currency;              // ISO 4217, upper case
  std::int64_t total_minor = 0;      // >= 0, in the currency's minor units
  OrderStatus status = OrderStatus::kPaid;
  // For a refund: the external id of the refunded order (same source); total_minor is then
  // the refunded amount. Empty for an order.
  std::string refund_of;

  friend bool operator==(const OrderInput&, const OrderInput&) = default;
};

struct Order {
  TenantId tenant;
  OrderId id;
  CustomerId customer;
  OrderInput data;
  UnixMicros created_at_us = 0;
  UnixMicros updated_at_us = 0;
};

struct Customer {
  TenantId tenant;
  CustomerId id;
  std::string source;
  std::string external_id;
  std::string email;
  UnixMicros first_order_at_us = 0;
  UnixMicros last_order_at_us = 0;
  std::int64_t order_count = 0;
  UnixMicros created_at_us = 0;
};

struct Tenant {
  TenantId id;
  std::string name;
  UnixMicros created_at_us = 0;
};

struct User {
  TenantId tenant;
  UserId id;
  std::string email;          // lower-cased; unique across the platform (it is the login)
  std::string password_hash;  // argon2id string (security/password.h)
  Role role = Role::kViewer;
  UnixMicros created_at_us = 0;
};

}  // namespace clv
