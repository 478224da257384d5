// Members: who may change roles, the owner-only steps, and the organization's last owner.
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

class SaasMembers : public SaasTest {
 protected:
  void SetUp() override {
    owner = add_user("owner@example.com");
    admin = add_user("admin@example.com");
    member = add_user("member@example.com");
    org = create_org(owner, "acme");
    add_member(org, admin, "admin");
    add_member(org, member, "member");
  }
  RunResult change(const std::string& as, const std::string& who, const std::string& role) {
    return run_in(as, org, "changeMemberRole", {{"userId", who}, {"role", role}});
  }
  std::string owner, admin, member, org;
};

TEST_F(SaasMembers, MembersListEachOther) {
  auto r = run_in(member, org, "listMembers");
  ASSERT_TRUE(succeeds(r));
  ASSERT_EQ(r.output.at("items").as_array().size(), 3u);
  EXPECT_EQ(r.output.at("items").at(0).at("email"), "owner@example.com");
  EXPECT_EQ(r.output.at("items").at(0).at("role"), "owner");
}

TEST_F(SaasMembers, MemberCannotChangeRoles) {
  EXPECT_TRUE(fails_with(change(member, member, "admin"), ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(fails_with(change(member, admin, "member"), ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(fails_with(run_in(member, org, "removeMember", {{"userId", admin}}), ErrorCode::permission_denied,
                         "permission_denied"));
  EXPECT_EQ(role_of(org, member), "member");
  EXPECT_EQ(role_of(org, admin), "admin");
}

TEST_F(SaasMembers, AdminManagesNonOwnersOnly) {
  auto r = change(admin, member, "admin");
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(r.output.at("role"), "admin");
  EXPECT_TRUE(succeeds(change(admin, member, "member")));
  EXPECT_TRUE(fails_with(change(admin, member, "owner"), ErrorCode::permission_denied, "owner_required"));
  EXPECT_TRUE(fails_with(change(admin, admin, "owner"), ErrorCode::permission_denied, "owner_required"));
  EXPECT_TRUE(fails_with(change(admin, owner, "member"), ErrorCode::permission_denied, "owner_required"));
  EXPECT_TRUE(fails_with(run_in(admin, org, "removeMember", {{"userId", owner}}), ErrorCode::permission_denied,
                         "owner_required"));
  EXPECT_EQ(role_of(org, owner), "owner");
  EXPECT_EQ(role_of(org, member), "member");
  ASSERT_TRUE(succeeds(run_in(admin, org, "removeMember", {{"userId", member}})));
  EXPECT_EQ(role_of(org, member), "");
}

TEST_F(SaasMembers, OwnerPromotesToOwner) {
  ASSERT_TRUE(succeeds(change(owner, admin, "owner")));
  EXPECT_EQ(role_of(org, admin), "owner");
  // The second owner can now demote the first.
  ASSERT_TRUE(succeeds(change(admin, owner, "member")));
  EXPECT_EQ(role_of(org, owner), "member");
}

TEST_F(SaasMembers, LastOwnerStays) {
  EXPECT_TRUE(fails_with(run_in(owner, org, "leaveOrganization"), ErrorCode::conflict, "last_owner"));
  EXPECT_TRUE(fails_with(change(owner, owner, "admin"), ErrorCode::conflict, "last_owner"));
  EXPECT_TRUE(fails_with(run_in(owner, org, "removeMember", {{"userId", owner}}), ErrorCode::conflict, "last_owner"));
  EXPECT_EQ(role_of(org, owner), "owner");
  // With a second owner, the first may go.
  ASSERT_TRUE(succeeds(change(owner, admin, "owner")));
  ASSERT_TRUE(succeeds(run_in(owner, org, "leaveOrganization")));
  EXPECT_EQ(role_of(org, owner), "");
  EXPECT_TRUE(fails_with(run_in(admin, org, "leaveOrganization"), ErrorCode::conflict, "last_owner"));
}

TEST_F(SaasMembers, MembersLeave) {
  ASSERT_TRUE(succeeds(run_in(member, org, "leaveOrganization")));
  EXPECT_EQ(role_of(org, member), "");
  EXPECT_TRUE(fails_with(run_in(member, org, "getOrganization"), ErrorCode::permission_denied, "not_a_member"));
}

TEST_F(SaasMembers, BadTargetsAreRefused) {
  EXPECT_TRUE(fails_with(change(owner, member, "superuser"), ErrorCode::invalid_argument, "unknown_role"));
  EXPECT_TRUE(fails_with(change(owner, member, "Not A Key"), ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_TRUE(fails_with(change(owner, new_id(), "admin"), ErrorCode::not_found, "member_not_found"));
  EXPECT_TRUE(
      fails_with(run_in(owner, org, "removeMember", {{"userId", new_id()}}), ErrorCode::not_found, "member_not_found"));
  EXPECT_EQ(role_of(org, member), "member");
}

TEST_F(SaasMembers, NobodyHandsOutMoreThanTheyHave) {
  // An admin lacks org:delete: no role carrying it can come from them.
  ASSERT_TRUE(succeeds(
      run_in(owner, org, "createRole", {{"key", "deleter"}, {"name", "Deleter"}, {"permissions", {"org:delete"}}})));
  EXPECT_TRUE(fails_with(change(admin, member, "deleter"), ErrorCode::permission_denied, "permission_escalation"));
  EXPECT_TRUE(fails_with(change(admin, admin, "deleter"), ErrorCode::permission_denied, "permission_escalation"));
  EXPECT_TRUE(succeeds(change(owner, member, "deleter")));
}

TEST_F(SaasMembers, ApiKeyScopesNarrowTheRole) {
  Auth key{.kind = Auth::Kind::user,
           .via = Auth::Via::api_key,
           .user_id = owner,
           .api_key_id = "k",
           .scopes = {"members:read"}};
  key.org_id = org;
  EXPECT_TRUE(succeeds(run_with(key, "listMembers", {{"orgId", org}})));
  EXPECT_TRUE(fails_with(run_with(key, "changeMemberRole", {{"orgId", org}, {"userId", member}, {"role", "admin"}}),
                         ErrorCode::permission_denied, "permission_denied"));
  key.scopes = {"members:*"};
  EXPECT_TRUE(succeeds(run_with(key, "changeMemberRole", {{"orgId", org}, {"userId", admin}, {"role", "member"}})));
  // The admin role grants more than the key carries.
  EXPECT_TRUE(fails_with(run_with(key, "changeMemberRole", {{"orgId", org}, {"userId", member}, {"role", "admin"}}),
                         ErrorCode::permission_denied, "permission_escalation"));
  key.scopes = {"*"};
  EXPECT_TRUE(succeeds(run_with(key, "updateOrganization", {{"orgId", org}, {"name", "Renamed"}})));
}

TEST_F(SaasMembers, AScopedKeyIsDeniedWhatNoScopeOfItNames) {
  Auth key{.kind = Auth::Kind::user, .via = Auth::Via::api_key, .user_id = member, .api_key_id = "k",
           .scopes = {"members:read"}};
  key.org_id = org;
  // leaveOrganization names no permission; it declares the scope orgs:leave.
  EXPECT_TRUE(fails_with(run_with(key, "leaveOrganization", {{"orgId", org}}), ErrorCode::permission_denied,
                         "insufficient_scope"));
  EXPECT_TRUE(fails_with(run_with(key, "listRoles", {{"orgId", org}}), ErrorCode::permission_denied,
                         "insufficient_scope"));
  key.scopes = {"members:read", "orgs:*"};
  EXPECT_TRUE(succeeds(run_with(key, "leaveOrganization", {{"orgId", org}})));
}

}  // namespace
}  // namespace bb::saas::test
