// The organization guards on their own: where the org id comes from (header, path, session),
// what they fill in, their refusals and their names.
#include <bunbase/guards.hpp>
#include <map>

#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

class FakeRequest : public Request {
 public:
  std::map<std::string, std::string> headers, params;

  std::string_view method() const override { return "GET"; }
  std::string_view path() const override { return "/"; }
  std::optional<std::string_view> header(std::string_view name) const override { return find(headers, name); }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return "127.0.0.1"; }
  std::string_view body() const override { return ""; }
  std::optional<std::string_view> param(std::string_view name) const override { return find(params, name); }

 private:
  static std::optional<std::string_view> find(const std::map<std::string, std::string>& m, std::string_view k) {
    auto it = m.find(std::string(k));
    if (it == m.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

class SaasGuards : public SaasTest {
 protected:
  void SetUp() override {
    ada = add_user("ada@example.com");
    eve = add_user("eve@example.com");
    org_a = create_org(ada, "org-a");
    org_b = create_org(eve, "org-b");
  }
  Context context(Auth auth, const Request* request = nullptr) {
    return Context{
        .db = db(), .log = Log(nullptr, {}), .auth = std::move(auth), .config = &app_.app().config(), .request = request};
  }
  // Runs the guard; returns the error code, or "" when it passed.
  static std::string check(const Guard& g, Context& ctx) {
    try {
      g.check(ctx);
      return "";
    } catch (const Error& e) {
      return e.code();
    }
  }
  std::string ada, eve, org_a, org_b;
  FakeRequest req;
};

TEST_F(SaasGuards, Names) {
  EXPECT_EQ(guards::in_org().name, "in_org");
  EXPECT_EQ(guards::has_role("owner", "admin").name, "has_role(owner, admin)");
  EXPECT_EQ(guards::has_permission("members:manage").name, "has_permission(members:manage)");
}

TEST_F(SaasGuards, PathParamResolvesAndFillsTheContext) {
  req.params["orgId"] = org_a;
  auto ctx = context(Auth::user(ada), &req);
  ASSERT_EQ(check(guards::in_org(), ctx), "");
  EXPECT_EQ(ctx.auth.org_id, org_a);
  EXPECT_EQ(ctx.auth.role, "owner");
  EXPECT_EQ(ctx.auth.permissions.size(), 7u);
  ASSERT_TRUE(ctx.org);
  EXPECT_EQ(ctx.org->slug, "org-a");
}

TEST_F(SaasGuards, HeaderResolvesAndMustAgreeWithThePath) {
  req.headers["x-org-id"] = org_a;
  auto ctx = context(Auth::user(ada), &req);
  EXPECT_EQ(check(guards::in_org(), ctx), "");
  req.params["orgId"] = org_b;
  auto mixed = context(Auth::user(ada), &req);
  EXPECT_EQ(check(guards::in_org(), mixed), "org_mismatch");
  EXPECT_TRUE(mixed.auth.org_id.empty());
}

TEST_F(SaasGuards, NonMembersAndUnknownOrgsGetTheSame403) {
  req.params["orgId"] = org_a;
  auto ctx = context(Auth::user(eve), &req);
  EXPECT_EQ(check(guards::in_org(), ctx), "not_a_member");
  EXPECT_TRUE(ctx.auth.org_id.empty());
  EXPECT_FALSE(ctx.org);
  req.params["orgId"] = new_id();
  auto unknown = context(Auth::user(eve), &req);
  EXPECT_EQ(check(guards::in_org(), unknown), "not_a_member");
}

TEST_F(SaasGuards, NoOrgAnywhereIs400AndNoCallerIs401) {
  auto ctx = context(Auth::user(ada), &req);
  EXPECT_EQ(check(guards::in_org(), ctx), "org_required");
  req.params["orgId"] = org_a;
  auto anonymous = context(Auth{}, &req);
  EXPECT_EQ(check(guards::in_org(), anonymous), "unauthenticated");
  auto no_request = context(Auth{});
  EXPECT_EQ(check(guards::has_permission("members:read"), no_request), "unauthenticated");
}

TEST_F(SaasGuards, SessionActiveOrgIsTheFallback) {
  std::string session = new_id();
  db().exec(
      "INSERT INTO sessions (id, user_id, token_hash, active_org_id, expires_at, created_at, last_seen_at) "
      "VALUES ($1, $2, 'h', $3, '2999-01-01T00:00:00.000Z', $4, $4)",
      {session, ada, org_a, iso_now()});
  auto ctx =
      context(Auth{.kind = Auth::Kind::user, .via = Auth::Via::session, .user_id = ada, .session_id = session}, &req);
  ASSERT_EQ(check(guards::in_org(), ctx), "");
  EXPECT_EQ(ctx.auth.org_id, org_a);
}

TEST_F(SaasGuards, RoleAndPermissionGuardsResolveFirst) {
  auto bob = add_user("bob@example.com");
  add_member(org_a, bob, "member");
  req.params["orgId"] = org_a;
  auto ctx = context(Auth::user(bob), &req);
  EXPECT_EQ(check(guards::has_permission("members:read"), ctx), "");
  EXPECT_EQ(ctx.auth.role, "member");
  EXPECT_EQ(check(guards::has_permission("members:read", "members:manage"), ctx), "permission_denied");
  EXPECT_EQ(check(guards::has_role("owner", "admin"), ctx), "missing_role");
  EXPECT_EQ(check(guards::has_role("member"), ctx), "");
  auto outsider = context(Auth::user(eve), &req);
  EXPECT_EQ(check(guards::has_role("owner"), outsider), "not_a_member");
}

TEST_F(SaasGuards, SystemPrincipalIsAdmitted) {
  auto bare = context(Auth::system());
  EXPECT_EQ(check(guards::has_permission("org:delete"), bare), "");
  EXPECT_EQ(check(guards::has_role("owner"), bare), "");
  req.params["orgId"] = org_b;
  auto ctx = context(Auth::system(), &req);
  ASSERT_EQ(check(guards::in_org(), ctx), "");
  EXPECT_EQ(ctx.auth.role, "owner");
  EXPECT_EQ(ctx.auth.permissions.size(), 7u);
  req.params["orgId"] = new_id();
  auto unknown = context(Auth::system(), &req);
  EXPECT_EQ(check(guards::in_org(), unknown), "org_not_found");
}

}  // namespace
}  // namespace bb::saas::test
