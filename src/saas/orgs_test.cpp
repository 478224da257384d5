// Organizations: creation (the creator owns it), listing, reading, updating and deleting.
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

using SaasOrgs = SaasTest;

TEST_F(SaasOrgs, CreatorIsOwnerWithEveryPermission) {
  auto ada = add_user("ada@example.com");
  auto r = run_as(ada, "createOrganization", {{"name", "Acme"}, {"slug", "acme"}});
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(r.output.at("role"), "owner");
  EXPECT_EQ(r.output.at("slug"), "acme");
  std::string org(r.output.at("id").as_string());
  EXPECT_EQ(role_of(org, ada), "owner");

  auto got = run_in(ada, org, "getOrganization");
  ASSERT_TRUE(succeeds(got));
  EXPECT_EQ(got.output.at("organization").at("name"), "Acme");
  EXPECT_EQ(got.output.at("permissions").as_array().size(), 7u);

  auto mine = run_as(ada, "listMyOrganizations");
  ASSERT_TRUE(succeeds(mine));
  ASSERT_EQ(mine.output.at("items").as_array().size(), 1u);
  EXPECT_EQ(mine.output.at("items").at(0).at("role"), "owner");
}

TEST_F(SaasOrgs, CreationWithASessionMakesTheOrgActive) {
  auto ada = add_user("ada@example.com");
  std::string session = new_id();
  db().exec(
      "INSERT INTO sessions (id, user_id, token_hash, expires_at, created_at, last_seen_at) "
      "VALUES ($1, $2, 'h', '2999-01-01T00:00:00.000Z', $3, $3)",
      {session, ada, iso_now()});
  Auth a{.kind = Auth::Kind::user, .via = Auth::Via::session, .user_id = ada, .session_id = session};
  auto r = run_with(a, "createOrganization", {{"name", "Acme"}, {"slug", "acme"}});
  ASSERT_TRUE(succeeds(r));
  auto row = db().query_one("SELECT active_org_id FROM sessions WHERE id = $1", {session});
  EXPECT_EQ(row->at("active_org_id"), r.output.at("id"));
  // With no org named anywhere, in_org() falls back to the session's active org.
  auto got = run_with(a, "getOrganization", {{"orgId", r.output.at("id")}});
  EXPECT_TRUE(succeeds(got));
}

TEST_F(SaasOrgs, BadInputIsRefusedAndChangesNothing) {
  auto ada = add_user("ada@example.com");
  for (const char* slug : {"A", "-acme", "a", "acme!", "Acme", ""})
    EXPECT_TRUE(fails_with(run_as(ada, "createOrganization", {{"name", "Acme"}, {"slug", slug}}),
                           ErrorCode::invalid_argument, "validation_failed"))
        << slug;
  EXPECT_TRUE(fails_with(run_as(ada, "createOrganization", {{"name", ""}, {"slug", "acme"}}),
                         ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM organizations"), 0);
}

TEST_F(SaasOrgs, DuplicateSlugIsAConflict) {
  auto ada = add_user("ada@example.com"), bob = add_user("bob@example.com");
  create_org(ada, "acme");
  EXPECT_TRUE(fails_with(run_as(bob, "createOrganization", {{"name", "Other"}, {"slug", "acme"}}), ErrorCode::conflict,
                         "slug_taken"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM organizations"), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM org_memberships WHERE user_id = $1", {bob}), 0);
}

TEST_F(SaasOrgs, UpdateNeedsOrgUpdate) {
  auto ada = add_user("ada@example.com"), bob = add_user("bob@example.com"), cy = add_user("cy@example.com");
  auto org = create_org(ada, "acme");
  create_org(ada, "taken");
  add_member(org, bob, "member");
  add_member(org, cy, "admin");
  EXPECT_TRUE(fails_with(run_in(bob, org, "updateOrganization", {{"name", "Hacked"}}), ErrorCode::permission_denied,
                         "permission_denied"));
  auto r = run_in(cy, org, "updateOrganization", {{"name", "Acme Inc"}});
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(r.output.at("name"), "Acme Inc");
  EXPECT_EQ(r.output.at("role"), "admin");
  EXPECT_TRUE(
      fails_with(run_in(cy, org, "updateOrganization", {{"slug", "taken"}}), ErrorCode::conflict, "slug_taken"));
  EXPECT_TRUE(fails_with(run_in(cy, org, "updateOrganization", {{"slug", "Bad Slug"}}), ErrorCode::invalid_argument,
                         "validation_failed"));
}

TEST_F(SaasOrgs, OnlyOwnersDelete) {
  auto ada = add_user("ada@example.com"), cy = add_user("cy@example.com");
  auto org = create_org(ada, "acme");
  add_member(org, cy, "admin");
  EXPECT_TRUE(fails_with(run_in(cy, org, "deleteOrganization"), ErrorCode::permission_denied, "permission_denied"));
  ASSERT_TRUE(succeeds(run_in(ada, org, "deleteOrganization")));
  EXPECT_EQ(count("SELECT count(*) AS n FROM organizations"), 0);
  EXPECT_EQ(count("SELECT count(*) AS n FROM org_memberships"), 0);
}

TEST_F(SaasOrgs, AnonymousCallersAreRefused) {
  EXPECT_TRUE(
      fails_with(app_.run("listMyOrganizations", boost::json::object{}, {.auth = Auth{}}),
                 ErrorCode::unauthenticated, "unauthenticated"));
}

TEST_F(SaasOrgs, SystemPrincipalActsAsOwnerOfAnExistingOrg) {
  auto ada = add_user("ada@example.com");
  auto org = create_org(ada, "acme");
  Auth sys = Auth::system();
  sys.org_id = org;
  auto r = run_with(sys, "getOrganization", {{"orgId", org}});
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(r.output.at("organization").at("role"), "owner");
  sys.org_id = new_id();
  EXPECT_TRUE(
      fails_with(run_with(sys, "getOrganization", {{"orgId", sys.org_id}}), ErrorCode::not_found, "org_not_found"));
  EXPECT_TRUE(fails_with(run_with(Auth::system(), "createOrganization", {{"name", "X"}, {"slug", "xx"}}),
                         ErrorCode::invalid_argument, "user_required"));
}

}  // namespace
}  // namespace bb::saas::test
