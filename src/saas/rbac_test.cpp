// Roles and permissions: the seeded catalogue, custom roles and their grants, read-only system roles.
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

class SaasRbac : public SaasTest {
 protected:
  void SetUp() override {
    owner = add_user("owner@example.com");
    admin = add_user("admin@example.com");
    member = add_user("member@example.com");
    org = create_org(owner, "acme");
    add_member(org, admin, "admin");
    add_member(org, member, "member");
  }
  RunResult as(const std::string& who, std::string_view action, boost::json::object in = {}) {
    return run_in(who, org, action, std::move(in));
  }
  std::string owner, admin, member, org;
};

std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

TEST_F(SaasRbac, SystemRolesAreSeeded) {
  auto r = as(member, "listRoles");
  ASSERT_TRUE(succeeds(r));
  const auto& items = r.output.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  std::map<std::string, std::vector<std::string>> perms;
  for (const auto& i : items) {
    EXPECT_TRUE(i.at("is_system").as_bool());
    perms[std::string(i.at("key").as_string())] = strings(i.at("permissions"));
  }
  EXPECT_EQ(perms["owner"].size(), 7u);
  EXPECT_EQ(perms["admin"].size(), 6u);
  EXPECT_EQ(std::count(perms["admin"].begin(), perms["admin"].end(), "org:delete"), 0);
  EXPECT_EQ(perms["member"], std::vector<std::string>{"members:read"});

  auto permissions = run_as(member, "listPermissions");
  ASSERT_TRUE(succeeds(permissions));
  EXPECT_EQ(permissions.output.at("items").as_array().size(), 7u);

  auto sets = run_as(member, "listRoleSets");
  ASSERT_TRUE(succeeds(sets));
  ASSERT_EQ(sets.output.at("items").as_array().size(), 1u);
  const auto& set = sets.output.at("items").at(0);
  EXPECT_TRUE(set.at("is_default").as_bool());
  EXPECT_TRUE(set.at("is_primary").as_bool());
  for (const auto& role : set.at("roles").as_array()) {
    EXPECT_EQ(role.at("is_creator_role").as_bool(), role.at("key") == "owner");
    EXPECT_EQ(role.at("is_default_member_role").as_bool(), role.at("key") == "member");
  }
}

TEST_F(SaasRbac, CustomRoleLifecycle) {
  auto created = as(admin, "createRole",
                    {{"key", "billing"},
                     {"name", "Billing"},
                     {"description", "Pays"},
                     {"permissions", {"billing:manage", "members:read"}}});
  ASSERT_TRUE(succeeds(created));
  EXPECT_FALSE(created.output.at("is_system").as_bool());
  EXPECT_EQ(strings(created.output.at("permissions")), (std::vector<std::string>{"billing:manage", "members:read"}));

  auto granted = as(admin, "grantPermission", {{"roleKey", "billing"}, {"permission", "invitations:manage"}});
  ASSERT_TRUE(succeeds(granted));
  EXPECT_EQ(granted.output.at("permissions").as_array().size(), 3u);
  auto revoked = as(admin, "revokePermission", {{"roleKey", "billing"}, {"permission", "members:read"}});
  ASSERT_TRUE(succeeds(revoked));
  EXPECT_EQ(strings(revoked.output.at("permissions")),
            (std::vector<std::string>{"billing:manage", "invitations:manage"}));
  auto renamed =
      as(admin, "updateRole", {{"roleKey", "billing"}, {"name", "Finance"}, {"permissions", {"billing:manage"}}});
  ASSERT_TRUE(succeeds(renamed));
  EXPECT_EQ(renamed.output.at("name"), "Finance");
  EXPECT_EQ(strings(renamed.output.at("permissions")), std::vector<std::string>{"billing:manage"});

  // A member given the role gets exactly its permissions.
  ASSERT_TRUE(succeeds(as(admin, "changeMemberRole", {{"userId", member}, {"role", "billing"}})));
  auto seen = as(member, "getOrganization");
  ASSERT_TRUE(succeeds(seen));
  EXPECT_EQ(seen.output.at("organization").at("role"), "billing");
  EXPECT_EQ(strings(seen.output.at("permissions")), std::vector<std::string>{"billing:manage"});
  EXPECT_TRUE(fails_with(as(member, "listMembers"), ErrorCode::permission_denied, "permission_denied"));

  // In use: not deleted; once free: gone.
  EXPECT_TRUE(fails_with(as(admin, "deleteRole", {{"roleKey", "billing"}}), ErrorCode::conflict, "role_in_use"));
  ASSERT_TRUE(succeeds(as(admin, "changeMemberRole", {{"userId", member}, {"role", "member"}})));
  ASSERT_TRUE(succeeds(as(admin, "deleteRole", {{"roleKey", "billing"}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM roles WHERE org_id = $1", {org}), 0);
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_permissions WHERE role_id NOT IN (SELECT id FROM roles)"), 0);
}

TEST_F(SaasRbac, PendingInvitationKeepsItsRole) {
  ASSERT_TRUE(succeeds(
      as(owner, "createRole", {{"key", "viewer"}, {"name", "Viewer"}, {"permissions", boost::json::array{}}})));
  ASSERT_TRUE(succeeds(as(owner, "inviteMember", {{"email", "x@example.com"}, {"role", "viewer"}})));
  EXPECT_TRUE(fails_with(as(owner, "deleteRole", {{"roleKey", "viewer"}}), ErrorCode::conflict, "role_in_use"));
}

TEST_F(SaasRbac, SystemRolesAreReadOnly) {
  EXPECT_TRUE(fails_with(as(owner, "deleteRole", {{"roleKey", "owner"}}), ErrorCode::permission_denied, "system_role"));
  EXPECT_TRUE(fails_with(as(owner, "updateRole", {{"roleKey", "member"}, {"name", "Everyone"}}),
                         ErrorCode::permission_denied, "system_role"));
  EXPECT_TRUE(fails_with(as(owner, "grantPermission", {{"roleKey", "member"}, {"permission", "org:delete"}}),
                         ErrorCode::permission_denied, "system_role"));
  EXPECT_TRUE(fails_with(as(owner, "revokePermission", {{"roleKey", "admin"}, {"permission", "org:update"}}),
                         ErrorCode::permission_denied, "system_role"));
  EXPECT_TRUE(
      fails_with(as(owner, "createRole", {{"key", "admin"}, {"name", "Shadow"}, {"permissions", boost::json::array{}}}),
                 ErrorCode::conflict, "role_exists"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_permissions WHERE role_id = 'sys_member'"), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM roles"), 3);
}

TEST_F(SaasRbac, BadInputIsRefused) {
  auto create = [&](boost::json::object in) { return as(owner, "createRole", std::move(in)); };
  EXPECT_TRUE(fails_with(create({{"key", "ops"}, {"name", "Ops"}, {"permissions", {"rockets:launch"}}}),
                         ErrorCode::invalid_argument, "unknown_permission"));
  EXPECT_TRUE(fails_with(create({{"key", "Ops!"}, {"name", "Ops"}, {"permissions", boost::json::array{}}}),
                         ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_TRUE(fails_with(create({{"key", "ops"}, {"name", "Ops"}, {"permissions", {"not a permission"}}}),
                         ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM roles"), 3);
  ASSERT_TRUE(succeeds(create({{"key", "ops"}, {"name", "Ops"}, {"permissions", boost::json::array{}}})));
  EXPECT_TRUE(fails_with(create({{"key", "ops"}, {"name", "Ops again"}, {"permissions", boost::json::array{}}}),
                         ErrorCode::conflict, "role_exists"));
  EXPECT_TRUE(fails_with(as(owner, "grantPermission", {{"roleKey", "ops"}, {"permission", "rockets:launch"}}),
                         ErrorCode::invalid_argument, "unknown_permission"));
  EXPECT_TRUE(fails_with(as(owner, "deleteRole", {{"roleKey", "nope"}}), ErrorCode::not_found, "role_not_found"));
  EXPECT_TRUE(fails_with(as(owner, "updateRole", {{"roleKey", "nope"}, {"name", "X"}}), ErrorCode::not_found,
                         "role_not_found"));
}

TEST_F(SaasRbac, OnlyRoleManagersChangeRolesAndNeverBeyondTheirOwnRights) {
  EXPECT_TRUE(
      fails_with(as(member, "createRole", {{"key", "ops"}, {"name", "Ops"}, {"permissions", boost::json::array{}}}),
                 ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(fails_with(as(admin, "createRole", {{"key", "ops"}, {"name", "Ops"}, {"permissions", {"org:delete"}}}),
                         ErrorCode::permission_denied, "permission_escalation"));
  ASSERT_TRUE(
      succeeds(as(admin, "createRole", {{"key", "ops"}, {"name", "Ops"}, {"permissions", boost::json::array{}}})));
  EXPECT_TRUE(fails_with(as(admin, "grantPermission", {{"roleKey", "ops"}, {"permission", "org:delete"}}),
                         ErrorCode::permission_denied, "permission_escalation"));
  EXPECT_TRUE(fails_with(as(admin, "updateRole", {{"roleKey", "ops"}, {"permissions", {"org:delete"}}}),
                         ErrorCode::permission_denied, "permission_escalation"));
  EXPECT_TRUE(
      fails_with(as(member, "deleteRole", {{"roleKey", "ops"}}), ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(succeeds(as(owner, "grantPermission", {{"roleKey", "ops"}, {"permission", "org:delete"}})));
}

}  // namespace
}  // namespace bb::saas::test
