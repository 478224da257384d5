// Tenant isolation: a member of one organization reads and changes nothing of another, through any
// action, and an unknown organization looks exactly like someone else's (403, no existence leak).
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

class SaasIsolation : public SaasTest {
 protected:
  void SetUp() override {
    ada = add_user("ada@example.com");  // owner of A
    eve = add_user("eve@example.com");  // owner of B, the attacker
    bob = add_user("bob@example.com");  // member of A
    org_a = create_org(ada, "org-a");
    org_b = create_org(eve, "org-b");
    add_member(org_a, bob, "member");
    auto inv = run_in(ada, org_a, "inviteMember", {{"email", "zed@example.com"}});
    ASSERT_TRUE(succeeds(inv));
    invitation_a = std::string(inv.output.at("invitation").at("id").as_string());
    ASSERT_TRUE(succeeds(run_in(ada, org_a, "createRole",
                                {{"key", "auditor"}, {"name", "Auditor"}, {"permissions", {"members:read"}}})));
  }

  // Every org-scoped action, with input that would be valid in org A.
  std::vector<std::pair<std::string, boost::json::object>> org_actions() const {
    return {{"getOrganization", {}},
            {"updateOrganization", {{"name", "Pwned"}}},
            {"deleteOrganization", {}},
            {"listMembers", {}},
            {"changeMemberRole", {{"userId", bob}, {"role", "admin"}}},
            {"removeMember", {{"userId", bob}}},
            {"leaveOrganization", {}},
            {"inviteMember", {{"email", "eve2@example.com"}}},
            {"listInvitations", {}},
            {"revokeInvitation", {{"invitationId", invitation_a}}},
            {"listRoles", {}},
            {"createRole", {{"key", "evil"}, {"name", "Evil"}, {"permissions", boost::json::array{}}}},
            {"updateRole", {{"roleKey", "auditor"}, {"name", "Pwned"}}},
            {"deleteRole", {{"roleKey", "auditor"}}},
            {"grantPermission", {{"roleKey", "auditor"}, {"permission", "org:delete"}}},
            {"revokePermission", {{"roleKey", "auditor"}, {"permission", "members:read"}}}};
  }

  // A's state (and the system roles'), to compare before and after an attack.
  std::string snapshot() {
    std::string s;
    for (const char* sql :
         {"SELECT id, name, slug, updated_at FROM organizations WHERE id = $1",
          "SELECT user_id, role FROM org_memberships WHERE org_id = $1 ORDER BY id",
          "SELECT id, status FROM org_invitations WHERE org_id = $1 ORDER BY id",
          "SELECT id, key, name FROM roles WHERE org_id = $1 OR org_id IS NULL ORDER BY id",
          "SELECT p.role_id, p.permission_key FROM role_permissions p JOIN roles r ON r.id = p.role_id "
          "WHERE r.org_id = $1 OR r.org_id IS NULL ORDER BY 1, 2"})
      s += boost::json::serialize(db().query(sql, {org_a}));
    return s;
  }

  std::string ada, eve, bob, org_a, org_b, invitation_a;
};

TEST_F(SaasIsolation, NonMembersGet403FromEveryOrgAction) {
  const std::string before = snapshot();
  for (auto& [name, input] : org_actions()) {
    EXPECT_TRUE(fails_with(run_in(eve, org_a, name, input), ErrorCode::permission_denied, "not_a_member")) << name;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(SaasIsolation, UnknownOrgLooksLikeAForeignOne) {
  const std::string unknown = new_id();
  for (auto& [name, input] : org_actions())
    EXPECT_TRUE(fails_with(run_in(eve, unknown, name, input), ErrorCode::permission_denied, "not_a_member")) << name;
}

TEST_F(SaasIsolation, InputNamingAnotherOrgThanTheResolvedOneIsRefused) {
  const std::string before = snapshot();
  for (auto& [name, input] : org_actions()) {
    boost::json::object in = input;
    in["orgId"] = org_a;  // eve is resolved in B, names A in the input
    EXPECT_TRUE(fails_with(run_as(eve, name, in, org_b), ErrorCode::invalid_argument, "org_mismatch")) << name;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(SaasIsolation, OwnerOfBCannotReachAsRowsThroughBsRoutes) {
  const std::string before = snapshot();
  // A's invitation, A's member, A's custom role: none exists from B's side.
  EXPECT_TRUE(fails_with(run_in(eve, org_b, "revokeInvitation", {{"invitationId", invitation_a}}), ErrorCode::not_found,
                         "invitation_not_found"));
  EXPECT_TRUE(
      fails_with(run_in(eve, org_b, "removeMember", {{"userId", bob}}), ErrorCode::not_found, "member_not_found"));
  EXPECT_TRUE(fails_with(run_in(eve, org_b, "changeMemberRole", {{"userId", bob}, {"role", "member"}}),
                         ErrorCode::not_found, "member_not_found"));
  EXPECT_TRUE(
      fails_with(run_in(eve, org_b, "deleteRole", {{"roleKey", "auditor"}}), ErrorCode::not_found, "role_not_found"));
  EXPECT_TRUE(fails_with(run_in(eve, org_b, "grantPermission", {{"roleKey", "auditor"}, {"permission", "org:delete"}}),
                         ErrorCode::not_found, "role_not_found"));
  // A's custom role cannot be handed out in B, and B's listings show nothing of A.
  auto carl = add_user("carl@example.com");
  add_member(org_b, carl, "member");
  EXPECT_TRUE(fails_with(run_in(eve, org_b, "changeMemberRole", {{"userId", carl}, {"role", "auditor"}}),
                         ErrorCode::invalid_argument, "unknown_role"));
  auto roles = run_in(eve, org_b, "listRoles");
  ASSERT_TRUE(succeeds(roles));
  EXPECT_EQ(roles.output.at("items").as_array().size(), 3u);
  auto members = run_in(eve, org_b, "listMembers");
  ASSERT_TRUE(succeeds(members));
  EXPECT_EQ(members.output.at("items").as_array().size(), 2u);
  auto invitations = run_in(eve, org_b, "listInvitations");
  ASSERT_TRUE(succeeds(invitations));
  EXPECT_TRUE(invitations.output.at("items").as_array().empty());
  EXPECT_EQ(snapshot(), before);
}

TEST_F(SaasIsolation, ListMyOrganizationsShowsOnlyMine) {
  auto r = run_as(bob, "listMyOrganizations");
  ASSERT_TRUE(succeeds(r));
  ASSERT_EQ(r.output.at("items").as_array().size(), 1u);
  EXPECT_EQ(str(r.output.at("items").at(0).at("id")), org_a);
}

}  // namespace
}  // namespace bb::saas::test
