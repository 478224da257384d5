// Invitations: the token is shown once and emailed, works once, before it expires, and only for
// the invited address; inviting follows the same rules as changing a role.
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

class SaasInvitations : public SaasTest {
 protected:
  void SetUp() override {
    owner = add_user("owner@example.com");
    bob = add_user("Bob@Example.com");  // invited as bob@example.com: emails match case-insensitively
    org = create_org(owner, "acme");
  }
  // Invites and returns the token.
  std::string invite(const std::string& email, std::optional<std::string> role = std::nullopt) {
    boost::json::object in{{"email", email}};
    if (role) in["role"] = *role;
    auto r = run_in(owner, org, "inviteMember", in);
    EXPECT_TRUE(succeeds(r));
    return r.ok() ? std::string(r.output.at("token").as_string()) : "";
  }
  RunResult accept(const std::string& user, const std::string& token) {
    return run_as(user, "acceptInvitation", {{"token", token}});
  }
  std::string status_of(const std::string& email) {
    auto row = db().query_one("SELECT status FROM org_invitations WHERE email = $1", {email});
    return row ? std::string(row->at("status").as_string()) : "";
  }
  std::string owner, bob, org;
};

TEST_F(SaasInvitations, InviteEmailsALinkAndAcceptJoins) {
  auto r = run_in(owner, org, "inviteMember", {{"email", "bob@example.com"}});
  ASSERT_TRUE(succeeds(r));
  std::string token(r.output.at("token").as_string());
  EXPECT_EQ(r.output.at("invitation").at("role"), "member");  // the default role set's member role
  EXPECT_EQ(r.output.at("invitation").at("status"), "pending");
  // Only the hash is stored; the mail carries the token.
  EXPECT_EQ(count("SELECT count(*) AS n FROM org_invitations WHERE token_hash = $1", {token}), 0);
  auto mail = db().query_one("SELECT to_address, body_text, kind FROM mail_outbox");
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->at("to_address"), "bob@example.com");
  EXPECT_EQ(mail->at("kind"), "invitation");
  EXPECT_NE(std::string_view(mail->at("body_text").as_string()).find(token), std::string_view::npos);

  auto joined = accept(bob, token);
  ASSERT_TRUE(succeeds(joined));
  EXPECT_EQ(str(joined.output.at("id")), org);
  EXPECT_EQ(joined.output.at("role"), "member");
  EXPECT_EQ(role_of(org, bob), "member");
  EXPECT_EQ(status_of("bob@example.com"), "accepted");
}

TEST_F(SaasInvitations, InvitedRoleIsGiven) {
  auto token = invite("bob@example.com", "admin");
  ASSERT_TRUE(succeeds(accept(bob, token)));
  EXPECT_EQ(role_of(org, bob), "admin");
}

TEST_F(SaasInvitations, WrongEmailIsForbiddenAndLeavesTheInvitation) {
  auto carol = add_user("carol@example.com");
  auto token = invite("bob@example.com");
  EXPECT_TRUE(fails_with(accept(carol, token), ErrorCode::permission_denied, "invitation_email_mismatch"));
  EXPECT_TRUE(fails_with(run_as(carol, "declineInvitation", {{"token", token}}), ErrorCode::permission_denied,
                         "invitation_email_mismatch"));
  EXPECT_EQ(role_of(org, carol), "");
  EXPECT_EQ(status_of("bob@example.com"), "pending");
  EXPECT_TRUE(succeeds(accept(bob, token)));
}

TEST_F(SaasInvitations, TokensWorkOnce) {
  auto token = invite("bob@example.com");
  ASSERT_TRUE(succeeds(accept(bob, token)));
  EXPECT_TRUE(fails_with(accept(bob, token), ErrorCode::conflict, "invitation_not_pending"));
  EXPECT_TRUE(
      fails_with(run_as(bob, "declineInvitation", {{"token", token}}), ErrorCode::conflict, "invitation_not_pending"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM org_memberships WHERE user_id = $1", {bob}), 1);
}

TEST_F(SaasInvitations, ExpiredTokensAreRefused) {
  auto token = invite("bob@example.com");
  db().exec("UPDATE org_invitations SET expires_at = '2000-01-01T00:00:00.000Z'");
  auto listed = run_in(owner, org, "listInvitations");
  ASSERT_TRUE(succeeds(listed));
  EXPECT_EQ(listed.output.at("items").at(0).at("status"), "expired");
  EXPECT_TRUE(fails_with(accept(bob, token), ErrorCode::invalid_argument, "invitation_expired"));
  EXPECT_EQ(role_of(org, bob), "");
  EXPECT_EQ(status_of("bob@example.com"), "expired");
  // A lapsed invitation does not block a new one.
  auto again = invite("bob@example.com");
  EXPECT_TRUE(succeeds(accept(bob, again)));
}

TEST_F(SaasInvitations, ExpiryComesFromTheConfig) {
  auto r = run_in(owner, org, "inviteMember", {{"email", "bob@example.com"}});
  ASSERT_TRUE(succeeds(r));
  std::string expires(r.output.at("invitation").at("expires_at").as_string());
  EXPECT_GT(expires, iso_in(config().saas.invitation_expiry - std::chrono::seconds(60)));
  EXPECT_LT(expires, iso_in(config().saas.invitation_expiry + std::chrono::seconds(60)));
}

TEST_F(SaasInvitations, DeclinedAndRevokedTokensAreDead) {
  auto token = invite("bob@example.com");
  auto declined = run_as(bob, "declineInvitation", {{"token", token}});
  ASSERT_TRUE(succeeds(declined));
  EXPECT_EQ(declined.output.at("status"), "declined");
  EXPECT_TRUE(fails_with(accept(bob, token), ErrorCode::conflict, "invitation_not_pending"));

  auto r = run_in(owner, org, "inviteMember", {{"email", "bob@example.com"}});
  ASSERT_TRUE(succeeds(r));
  std::string id(r.output.at("invitation").at("id").as_string());
  auto revoked = run_in(owner, org, "revokeInvitation", {{"invitationId", id}});
  ASSERT_TRUE(succeeds(revoked));
  EXPECT_EQ(revoked.output.at("status"), "revoked");
  EXPECT_TRUE(fails_with(run_in(owner, org, "revokeInvitation", {{"invitationId", id}}), ErrorCode::conflict,
                         "invitation_not_pending"));
  EXPECT_TRUE(fails_with(accept(bob, std::string(r.output.at("token").as_string())), ErrorCode::conflict,
                         "invitation_not_pending"));
  EXPECT_EQ(role_of(org, bob), "");
}

TEST_F(SaasInvitations, UnknownTokenIsNotFound) {
  EXPECT_TRUE(fails_with(accept(bob, "bbi_nope"), ErrorCode::not_found, "invitation_not_found"));
}

TEST_F(SaasInvitations, InvitingFollowsTheRoleRules) {
  auto admin = add_user("admin@example.com"), member = add_user("member@example.com");
  add_member(org, admin, "admin");
  add_member(org, member, "member");
  auto as = [&](const std::string& who, boost::json::object in) {
    return run_in(who, org, "inviteMember", std::move(in));
  };
  EXPECT_TRUE(fails_with(as(member, {{"email", "x@example.com"}}), ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(fails_with(as(admin, {{"email", "x@example.com"}, {"role", "owner"}}), ErrorCode::permission_denied,
                         "owner_required"));
  EXPECT_TRUE(fails_with(as(admin, {{"email", "x@example.com"}, {"role", "nope"}}), ErrorCode::invalid_argument,
                         "unknown_role"));
  EXPECT_TRUE(fails_with(as(admin, {{"email", "not-an-email"}}), ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_TRUE(fails_with(as(admin, {{"email", "MEMBER@example.com"}}), ErrorCode::conflict, "already_member"));
  EXPECT_TRUE(succeeds(as(admin, {{"email", "x@example.com"}, {"role", "admin"}})));
  EXPECT_TRUE(fails_with(as(admin, {{"email", "X@example.com"}}), ErrorCode::conflict, "invitation_pending"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM org_invitations"), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM mail_outbox"), 1);
  EXPECT_TRUE(fails_with(run_in(member, org, "listInvitations"), ErrorCode::permission_denied, "permission_denied"));
}

TEST_F(SaasInvitations, AcceptingWhileAMemberKeepsTheInvitation) {
  auto token = invite("bob@example.com");
  add_member(org, bob, "admin");
  EXPECT_TRUE(fails_with(accept(bob, token), ErrorCode::conflict, "already_member"));
  EXPECT_EQ(status_of("bob@example.com"), "pending");
  EXPECT_EQ(role_of(org, bob), "admin");
}

}  // namespace
}  // namespace bb::saas::test
