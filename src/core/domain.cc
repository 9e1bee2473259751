#include "core/domain.h"

#include <array>
#include <utility>

namespace clv {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles = {{
    {Role::kOwner, "owner"},
    {Role::kAdmin, "admin"},
    {Role::kAnalyst, "analyst"},
    {Role::kViewer, "viewer"},
}};

constexpr std::array<std::pair<OrderStatus, std::string_view>, 5> kStatuses = {{
    {OrderStatus::kPaid, "paid"},
    {OrderStatus::kPending, "pending"},
    {OrderStatus::kRefunded, "refunded"},
    {OrderStatus::kPartiallyRefunded, "partially_refunded"},
    {OrderStatus::kCancelled, "cancelled"},
}};

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& [value, name] : table)
    if (name == s) return value;
  return std::nullopt;
}

}  // namespace

std::string_view RoleName(Role role) { return NameOf(kRoles, role); }
std::optional<Role> ParseRole(std::string_view name) { return Parse(kRoles, name); }
std::string_view OrderStatusName(OrderStatus status) { return NameOf(kStatuses, status); }
std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  return Parse(kStatuses, name);
}

}  // namespace clv
