#include "security/permissions.h"

#include <array>

namespace clv::security {
namespace {

struct Row {
  Permission permission;
  std::string_view name;
  bool owner, admin, analyst, viewer;
};

// Keep in step with the table in permissions.h; tests pin both.
constexpr std::array<Row, 10> kTable = {{
    {Permission::kReadData, "read_data", true, true, true, true},
    {Permission::kWriteOrders, "write_orders", true, true, true, false},
    {Permission::kRunCalculation, "run_calculation", true, true, true, false},
    {Permission::kManageMembers, "manage_members", true, true, false, false},
    {Permission::kManageIntegrations, "manage_integrations", true, true, false, false},
    {Permission::kExportPersonalData, "export_personal_data", true, true, false, false},
    {Permission::kErasePersonalData, "erase_personal_data", true, true, false, false},
    {Permission::kReadAuditLog, "read_audit_log", true, true, false, false},
    {Permission::kManageOrganization, "manage_organization", true, false, false, false},
    {Permission::kDeleteTenant, "delete_tenant", true, false, false, false},
}};

constexpr std::array<Permission, kTable.size()> kAll = [] {
  std::array<Permission, kTable.size()> all{};
  for (std::size_t i = 0; i < kTable.size(); ++i) all[i] = kTable[i].permission;
  return all;
}();

const Row* Find(Permission p) {
  for (const Row& row : kTable)
    if (row.permission == p) return &row;
  return nullptr;
}

}  // namespace

std::span<const Permission> AllPermissions() { return kAll; }

bool Allows(Role role, Permission permission) {
  const Row* row = Find(permission);
  if (row == nullptr) return false;  // an out-of-range enum value grants nothing
  switch (role) {
    case Role::kOwner: return row->owner;
    case Role::kAdmin: return row->admin;
    case Role::kAnalyst: return row->analyst;
    case Role::kViewer: return row->viewer;
  }
  return false;
}

std::string_view PermissionName(Permission permission) {
  const Row* row = Find(permission);
  return row == nullptr ? "unknown" : row->name;
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const Row& row : kTable)
    if (row.name == name) return row.permission;
  return std::nullopt;
}

bool CanAssignRole(Role actor, Role target_current, Role target_new) {
  if (actor == Role::kOwner) return true;
  if (actor == Role::kAdmin)
    return target_current != Role::kOwner && target_new != Role::kOwner;
  return false;
}

}  // namespace clv::security
