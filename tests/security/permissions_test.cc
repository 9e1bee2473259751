#include "security/permissions.h"

#include <gtest/gtest.h>

#include <string>

namespace clv::security {
namespace {

// The whole table, written out once more: any change to who may do what must change this
// test too, deliberately. Columns: owner admin analyst viewer.
TEST(PermissionsTest, TableIsPinned) {
  struct Row {
    Permission p;
    std::string name;
    bool owner, admin, analyst, viewer;
  };
  const Row expected[] = {
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
  };
  ASSERT_EQ(AllPermissions().size(), std::size(expected));
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    const Row& row = expected[i];
    EXPECT_EQ(AllPermissions()[i], row.p);
    EXPECT_EQ(PermissionName(row.p), row.name);
    EXPECT_EQ(ParsePermission(row.name), row.p);
    EXPECT_EQ(Allows(Role::kOwner, row.p), row.owner) << row.name;
    EXPECT_EQ(Allows(Role::kAdmin, row.p), row.admin) << row.name;
    EXPECT_EQ(Allows(Role::kAnalyst, row.p), row.analyst) << row.name;
    EXPECT_EQ(Allows(Role::kViewer, row.p), row.viewer) << row.name;
  }
}

TEST(PermissionsTest, ViewerOnlyReads) {
  EXPECT_TRUE(Allows(Role::kViewer, Permission::kReadData));
  EXPECT_FALSE(Allows(Role::kViewer, Permission::kRunCalculation));
  EXPECT_FALSE(Allows(Role::kViewer, Permission::kWriteOrders));
  for (Permission p : AllPermissions()) {
    if (p != Permission::kReadData) {
      EXPECT_FALSE(Allows(Role::kViewer, p)) << PermissionName(p);
    }
  }
}

TEST(PermissionsTest, OnlyOwnerDeletesTenantAndOwnerMayDoEverything) {
  EXPECT_TRUE(Allows(Role::kOwner, Permission::kDeleteTenant));
  EXPECT_FALSE(Allows(Role::kAdmin, Permission::kDeleteTenant));
  EXPECT_FALSE(Allows(Role::kAnalyst, Permission::kDeleteTenant));
  for (Permission p : AllPermissions()) EXPECT_TRUE(Allows(Role::kOwner, p));
}

TEST(PermissionsTest, UnknownValuesGrantNothing) {
  auto bogus = static_cast<Permission>(999);
  EXPECT_FALSE(Allows(Role::kOwner, bogus));
  EXPECT_EQ(PermissionName(bogus), "unknown");
  EXPECT_FALSE(ParsePermission("delete_everything").has_value());
}

TEST(PermissionsTest, RoleAssignment) {
  EXPECT_TRUE(CanAssignRole(Role::kOwner, Role::kViewer, Role::kOwner));
  EXPECT_TRUE(CanAssignRole(Role::kOwner, Role::kOwner, Role::kAdmin));
  EXPECT_TRUE(CanAssignRole(Role::kAdmin, Role::kViewer, Role::kAdmin));
  EXPECT_TRUE(CanAssignRole(Role::kAdmin, Role::kAnalyst, Role::kViewer));
  EXPECT_FALSE(CanAssignRole(Role::kAdmin, Role::kViewer, Role::kOwner));
  EXPECT_FALSE(CanAssignRole(Role::kAdmin, Role::kOwner, Role::kViewer));
  EXPECT_FALSE(CanAssignRole(Role::kAnalyst, Role::kViewer, Role::kAnalyst));
  EXPECT_FALSE(CanAssignRole(Role::kViewer, Role::kViewer, Role::kViewer));
}

}  // namespace
}  // namespace clv::security
