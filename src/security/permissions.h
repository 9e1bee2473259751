// Roles → permissions: the one table that decides what each member role may do in its
// organisation (tenant). Handlers ask Allows(role, permission); nothing else compares roles.
//
//   permission            owner admin analyst viewer
//   read_data               x     x     x       x     dashboards, customers, segments, cohorts
//   write_orders            x     x     x             POST /orders, CSV import
//   run_calculation         x     x     x             POST /clv/calculate (viewers cannot)
//   manage_members          x     x                   invite, change roles, remove members
//   manage_integrations     x     x                   Shopify/WooCommerce/Stripe connections
//   export_personal_data    x     x                   GDPR export of a customer
//   erase_personal_data     x     x                   GDPR erasure of a customer
//   read_audit_log          x     x
//   manage_organization     x                         rename, settings, billing
//   delete_tenant           x                         erase the whole organisation
//
// Analysts may write orders: importing and correcting order data is analysis work, and the
// data they import is what they already read. They may not change who has access or where
// data flows (members, integrations), nor handle personal-data requests.
// Admins cannot make themselves owners or remove an owner; that rule needs the target's role
// and lives in the service (CanAssignRole below encodes it).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "core/domain.h"

namespace clv::security {

enum class Permission {
  kReadData,
  kWriteOrders,
  kRunCalculation,
  kManageMembers,
  kManageIntegrations,
  kExportPersonalData,
  kErasePersonalData,
  kReadAuditLog,
  kManageOrganization,
  kDeleteTenant,
};

// Every permission, in table order (for tests and documentation).
std::span<const Permission> AllPermissions();

bool Allows(Role role, Permission permission);

// Stable snake_case name ("run_calculation"), used in error messages and the API.
std::string_view PermissionName(Permission permission);
std::optional<Permission> ParsePermission(std::string_view name);

// Whether a member with role `actor` may give `target_new` to a member whose role is
// `target_current` (or invite with `target_new`, passing target_current = kViewer).
// Owners may assign any role; admins may assign admin/analyst/viewer to non-owners; others
// none. Demoting the last owner is a storage-level check, not decided here.
bool CanAssignRole(Role actor, Role target_current, Role target_new);

}  // namespace clv::security
