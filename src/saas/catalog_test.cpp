// The catalog every organization shares (permissions, role sets), as the operator changes it: who
// may (the system principal only, never a user, so never over HTTP), the key and role set rules,
// and how a new permission meets the escalation rule.
#include <algorithm>
#include <tuple>

#include "src/saas/org_guards.hpp"
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

// What the API adapter hands the executor: a bearer token, and the route's path parameters.
class BearerRequest : public Request {
 public:
  std::string authorization;

  std::string_view method() const override { return "POST"; }
  std::string_view path() const override { return "/"; }
  std::optional<std::string_view> header(std::string_view name) const override {
    if (name == "authorization" && !authorization.empty()) return std::string_view(authorization);
    return std::nullopt;
  }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return "127.0.0.1"; }
  std::string_view body() const override { return ""; }
};

class SaasCatalog : public SaasTest {
 protected:
  void SetUp() override {
    owner = add_user("owner@example.com");
    member = add_user("member@example.com");
    org = create_org(owner, "acme");
    add_member(org, member, "member");
  }
  RunResult as_operator(std::string_view action, boost::json::object in = {}) {
    return run_with(Auth::system(), action, std::move(in));
  }
  // The operator acting in the organization (as `run --org` does).
  RunResult as_operator_in(std::string_view action, boost::json::object in) {
    Auth a = Auth::system();
    a.org_id = org;
    in["orgId"] = org;
    return run_with(std::move(a), action, std::move(in));
  }
  RunResult as(const std::string& who, std::string_view action, boost::json::object in = {}) {
    return run_in(who, org, action, std::move(in));
  }
  std::int64_t permissions() { return count("SELECT count(*) AS n FROM permissions"); }
  std::int64_t role_sets() { return count("SELECT count(*) AS n FROM role_sets"); }
  std::string default_set() {
    auto row = db().query_one("SELECT key FROM role_sets WHERE is_default");
    return row ? str(row->at("key")) : "";
  }
  std::string owner, member, org;
};

std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

boost::json::object set_role(std::string_view role, bool creator = false, bool default_member = false) {
  return {{"role", role}, {"is_creator_role", creator}, {"is_default_member_role", default_member}};
}

// Every catalog change, with a well-formed input.
const std::vector<std::pair<std::string, boost::json::object>>& changes() {
  static const std::vector<std::pair<std::string, boost::json::object>> all = {
      {"createPermission", {{"key", "reports:export"}, {"name", "Export reports"}}},
      {"updatePermission", {{"key", "org:update"}, {"name", "Renamed"}}},
      {"deletePermission", {{"key", "org:update"}}},
      {"createRoleSet",
       {{"key", "lean"}, {"name", "Lean"}, {"roles", {set_role("owner", true), set_role("member", false, true)}}}},
      {"updateRoleSet", {{"key", "default"}, {"name", "Renamed"}}},
      {"deleteRoleSet", {{"key", "default"}}},
  };
  return all;
}

TEST_F(SaasCatalog, SystemOnlyGuard) {
  EXPECT_EQ(system_only().name, "system_only");
  for (const auto& [name, in] : changes()) {
    const auto* registered = app_.app().registry().find(name);
    ASSERT_TRUE(registered) << name;
    EXPECT_EQ(registered->module_name(), "rbac");
    EXPECT_EQ(registered->guards.back().name, "system_only") << name;
  }
}

TEST_F(SaasCatalog, UsersAreRefusedWhateverTheirRole) {
  for (const auto& [name, in] : changes()) {
    EXPECT_TRUE(fails_with(run_as(owner, name, in), ErrorCode::permission_denied, "operator_only")) << name;
    EXPECT_TRUE(fails_with(as(owner, name, in), ErrorCode::permission_denied, "operator_only")) << name;
    EXPECT_TRUE(fails_with(run_as(member, name, in), ErrorCode::permission_denied, "operator_only")) << name;
    EXPECT_TRUE(fails_with(run_with(Auth{}, name, in), ErrorCode::unauthenticated, "unauthenticated")) << name;
  }
  EXPECT_EQ(permissions(), 7);
  EXPECT_EQ(role_sets(), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM permissions WHERE name = 'Renamed'"), 0);
}

// Through the routes, as the API adapter runs them: a signed-in caller is a user, never the
// operator, so the dashboard's routes answer 403 to everyone until it acts as the operator.
TEST_F(SaasCatalog, OverHttpTheRoutesAnswer403) {
  ASSERT_TRUE(succeeds(app_.run(
      "signUp", {{"email", "http@example.com"}, {"password", "correct horse battery staple"}, {"name", "Http"}})));
  auto signed_in = app_.run("signIn", {{"email", "http@example.com"}, {"password", "correct horse battery staple"}});
  ASSERT_TRUE(succeeds(signed_in));
  const std::string token(signed_in.output.at("token").as_string());
  const std::string prefix = app_.app().config().saas.path;
  const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
      {"POST", "/rbac/permissions", "createPermission"},        {"PATCH", "/rbac/permissions/:key", "updatePermission"},
      {"DELETE", "/rbac/permissions/:key", "deletePermission"}, {"POST", "/rbac/role-sets", "createRoleSet"},
      {"PATCH", "/rbac/role-sets/:key", "updateRoleSet"},       {"DELETE", "/rbac/role-sets/:key", "deleteRoleSet"},
  };
  for (const auto& [method, path, name] : routes) {
    const Route* route = nullptr;
    for (const auto& r : app_.app().registry().routes())
      if (r.method == method && r.path == join_path(prefix, path)) route = &r;
    ASSERT_TRUE(route) << method << " " << path;
    ASSERT_EQ(route->action->name(), name);
    const auto& in =
        std::find_if(changes().begin(), changes().end(), [&](const auto& c) { return c.first == name; })->second;
    for (const bool with_token : {true, false}) {
      BearerRequest req;
      if (with_token) req.authorization = "Bearer " + token;
      Response res;
      Invocation inv{.action = route->action, .input = in, .trigger_type = "api", .request = &req, .response = &res};
      RunResult r = app_.app().executor().run(inv);
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(http_status(r.error->kind()), with_token ? 403 : 401) << name;
      EXPECT_EQ(r.error->code(), with_token ? "operator_only" : "unauthenticated") << name;
    }
  }
  EXPECT_EQ(permissions(), 7);
  EXPECT_EQ(role_sets(), 1);
}

TEST_F(SaasCatalog, OperatorCreatesAndRenamesPermissions) {
  auto created = as_operator("createPermission", {{"key", "reports:export"}, {"name", "Export reports"}});
  ASSERT_TRUE(succeeds(created));
  EXPECT_EQ(created.output.at("key"), "reports:export");
  EXPECT_EQ(created.output.at("feature"), "reports");
  ASSERT_TRUE(
      succeeds(as_operator("createPermission", {{"key", "reports:read"}, {"name", "Read"}, {"feature", "reports"}})));

  auto listed = run_as(member, "listPermissions");
  ASSERT_TRUE(succeeds(listed));
  EXPECT_EQ(listed.output.at("items").as_array().size(), 9u);

  EXPECT_TRUE(fails_with(as_operator("createPermission", {{"key", "reports:export"}, {"name", "Again"}}),
                         ErrorCode::conflict, "permission_exists"));
  EXPECT_TRUE(fails_with(as_operator("createPermission", {{"key", "org:update"}, {"name", "Seeded"}}),
                         ErrorCode::conflict, "permission_exists"));

  auto renamed = as_operator("updatePermission", {{"key", "reports:export"}, {"name", "Export every report"}});
  ASSERT_TRUE(succeeds(renamed));
  EXPECT_EQ(renamed.output.at("name"), "Export every report");
  EXPECT_EQ(renamed.output.at("feature"), "reports");
  EXPECT_EQ(count("SELECT count(*) AS n FROM permissions WHERE name = 'Export every report'"), 1);
  auto unchanged = as_operator("updatePermission", {{"key", "org:update"}});
  ASSERT_TRUE(succeeds(unchanged));
  EXPECT_EQ(unchanged.output.at("name"), "Update the organization");
  EXPECT_TRUE(fails_with(as_operator("updatePermission", {{"key", "rockets:launch"}, {"name", "X"}}),
                         ErrorCode::not_found, "permission_not_found"));
}

TEST_F(SaasCatalog, BadPermissionsAreRefused) {
  for (const char* key : {"Reports:export", "reports", "reports:", ":export", "reports:*", "*:*", "1reports:export",
                          "reports:1export", "reports:export:all", "re ports:export", "reports:exp.ort"})
    EXPECT_TRUE(fails_with(as_operator("createPermission", {{"key", key}, {"name", "X"}}), ErrorCode::invalid_argument,
                           "validation_failed"))
        << key;
  EXPECT_TRUE(fails_with(as_operator("createPermission", {{"key", "reports:export"}, {"name", ""}}),
                         ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_TRUE(fails_with(as_operator("createPermission", {{"key", "reports:export"}}), ErrorCode::invalid_argument,
                         "validation_failed"));
  EXPECT_TRUE(
      fails_with(as_operator("createPermission", {{"key", "reports:export"}, {"name", "X"}, {"feature", "billing"}}),
                 ErrorCode::invalid_argument, "feature_mismatch"));
  EXPECT_EQ(permissions(), 7);
}

// Owners hold every permission: a new one is granted to the owner role with it, so an owner can
// hand it out to custom roles; an admin, who does not hold it, cannot (nobody grants what they lack).
TEST_F(SaasCatalog, NewPermissionGoesToOwnersWhoCanHandItOut) {
  ASSERT_TRUE(succeeds(as_operator("createPermission", {{"key", "reports:export"}, {"name", "Export reports"}})));
  auto owner_view = as(owner, "getOrganization");
  ASSERT_TRUE(succeeds(owner_view));
  EXPECT_TRUE(contains(strings(owner_view.output.at("permissions")), "reports:export"));

  ASSERT_TRUE(
      succeeds(as(owner, "createRole", {{"key", "analyst"}, {"name", "Analyst"}, {"permissions", {"members:read"}}})));
  auto granted = as(owner, "grantPermission", {{"roleKey", "analyst"}, {"permission", "reports:export"}});
  ASSERT_TRUE(succeeds(granted));
  EXPECT_EQ(strings(granted.output.at("permissions")), (std::vector<std::string>{"members:read", "reports:export"}));
  ASSERT_TRUE(succeeds(as(owner, "changeMemberRole", {{"userId", member}, {"role", "analyst"}})));
  auto analyst_view = as(member, "getOrganization");
  ASSERT_TRUE(succeeds(analyst_view));
  EXPECT_TRUE(contains(strings(analyst_view.output.at("permissions")), "reports:export"));

  // No other system role got it: an admin cannot give it.
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_permissions rp JOIN roles r ON r.id = rp.role_id "
                  "WHERE rp.permission_key = 'reports:export' AND r.org_id IS NULL"),
            1);
  const std::string admin = add_user("admin@example.com");
  add_member(org, admin, "admin");
  EXPECT_TRUE(fails_with(
      as(admin, "createRole", {{"key", "exporter"}, {"name", "Exporter"}, {"permissions", {"reports:export"}}}),
      ErrorCode::permission_denied, "permission_escalation"));
}

TEST_F(SaasCatalog, DeletingAPermission) {
  for (const char* builtin : {"billing:manage", "org:delete"})
    EXPECT_TRUE(fails_with(as_operator("deletePermission", {{"key", builtin}}), ErrorCode::conflict, "permission_in_use"))
        << builtin;
  EXPECT_TRUE(fails_with(as_operator("deletePermission", {{"key", "rockets:launch"}}), ErrorCode::not_found,
                         "permission_not_found"));
  EXPECT_EQ(permissions(), 7);

  // An operator's permission goes with its grants (the owner role's and custom roles').
  ASSERT_TRUE(succeeds(as_operator("createPermission", {{"key", "reports:export"}, {"name", "Export reports"}})));
  ASSERT_TRUE(succeeds(as(owner, "createRole", {{"key", "analyst"}, {"name", "Analyst"},
                                                 {"permissions", {"members:read", "reports:export"}}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_permissions WHERE permission_key = 'reports:export'"), 2);
  ASSERT_TRUE(succeeds(as_operator("deletePermission", {{"key", "reports:export"}})));
  EXPECT_EQ(permissions(), 7);
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_permissions WHERE permission_key = 'reports:export'"), 0);
  auto roles = as(owner, "listRoles");
  ASSERT_TRUE(succeeds(roles));
  const auto& items = roles.output.at("items").as_array();
  auto analyst = std::find_if(items.begin(), items.end(), [](const auto& r) { return r.at("key") == "analyst"; });
  ASSERT_NE(analyst, items.end());
  EXPECT_EQ(strings(analyst->at("permissions")), std::vector<std::string>{"members:read"});
}

TEST_F(SaasCatalog, RoleSetRules) {
  auto create = [&](boost::json::array roles, std::string key = "lean") {
    return as_operator("createRoleSet", {{"key", key}, {"name", "Lean"}, {"roles", std::move(roles)}});
  };
  auto refused = [&](boost::json::array roles, std::string_view code) {
    return fails_with(create(std::move(roles)), ErrorCode::invalid_argument, code);
  };
  EXPECT_TRUE(refused({set_role("owner"), set_role("member", false, true)}, "invalid_role_set"));  // no creator
  EXPECT_TRUE(refused({set_role("owner", true), set_role("admin", true), set_role("member", false, true)},
                      "invalid_role_set"));                                                 // two creators
  EXPECT_TRUE(refused({set_role("owner", true), set_role("member")}, "invalid_role_set"));  // no default member
  EXPECT_TRUE(refused({set_role("owner", true), set_role("admin", false, true), set_role("member", false, true)},
                      "invalid_role_set"));  // two default member roles
  EXPECT_TRUE(refused({set_role("admin", true), set_role("member", false, true)}, "invalid_role_set"));  // not owner
  EXPECT_TRUE(refused({set_role("owner", true), set_role("owner", false, true)}, "invalid_role_set"));   // twice
  EXPECT_TRUE(refused({set_role("owner", true), set_role("ghost", false, true)}, "unknown_role"));
  ASSERT_TRUE(succeeds(
      as(owner, "createRole", {{"key", "analyst"}, {"name", "Analyst"}, {"permissions", boost::json::array{}}})));
  EXPECT_TRUE(refused({set_role("owner", true), set_role("analyst", false, true)}, "unknown_role"));  // custom role
  EXPECT_TRUE(refused({}, "validation_failed"));
  EXPECT_TRUE(fails_with(create({set_role("owner", true), set_role("member", false, true)}, "Lean!"),
                         ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_EQ(role_sets(), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_set_roles"), 3);

  // Flags default to false.
  auto made =
      create({{{"role", "owner"}, {"is_creator_role", true}}, {{"role", "member"}, {"is_default_member_role", true}}});
  ASSERT_TRUE(succeeds(made));
  EXPECT_EQ(made.output.at("key"), "lean");
  EXPECT_FALSE(made.output.at("is_default").as_bool());
  EXPECT_FALSE(made.output.at("is_primary").as_bool());
  ASSERT_EQ(made.output.at("roles").as_array().size(), 2u);
  EXPECT_EQ(made.output.at("roles").at(0).at("key"), "member");
  EXPECT_TRUE(made.output.at("roles").at(0).at("is_default_member_role").as_bool());
  EXPECT_TRUE(made.output.at("roles").at(1).at("is_creator_role").as_bool());
  EXPECT_TRUE(succeeds(create({set_role("owner", true, true)}, "solo")));  // one role may be both
  EXPECT_TRUE(fails_with(create({set_role("owner", true), set_role("member", false, true)}), ErrorCode::conflict,
                         "role_set_exists"));
  EXPECT_TRUE(fails_with(create({set_role("owner", true), set_role("member", false, true)}, "default"),
                         ErrorCode::conflict, "role_set_exists"));

  auto listed = run_as(member, "listRoleSets");
  ASSERT_TRUE(succeeds(listed));
  ASSERT_EQ(listed.output.at("items").as_array().size(), 3u);
  EXPECT_EQ(listed.output.at("items").at(0).at("key"), "default");  // the primary first
  EXPECT_EQ(default_set(), "default");
}

TEST_F(SaasCatalog, SwitchingTheDefaultRoleSet) {
  ASSERT_TRUE(succeeds(as_operator(
      "createRoleSet", {{"key", "trusted"},
                        {"name", "Trusted"},
                        {"roles", {set_role("owner", true), set_role("admin", false, true), set_role("member")}}})));
  EXPECT_TRUE(fails_with(as_operator("updateRoleSet", {{"key", "nope"}, {"is_default", true}}), ErrorCode::not_found,
                         "role_set_not_found"));

  auto switched = as_operator("updateRoleSet", {{"key", "trusted"}, {"name", "Trusted people"}, {"is_default", true}});
  ASSERT_TRUE(succeeds(switched));
  EXPECT_TRUE(switched.output.at("is_default").as_bool());
  EXPECT_EQ(switched.output.at("name"), "Trusted people");
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_sets WHERE is_default"), 1);
  EXPECT_EQ(default_set(), "trusted");
  // Invitees now get the new set's default member role; creators still become owners.
  auto invited = as(owner, "inviteMember", {{"email", "new@example.com"}});
  ASSERT_TRUE(succeeds(invited));
  EXPECT_EQ(invited.output.at("invitation").at("role"), "admin");
  auto ada = add_user("ada@example.com");
  auto ada_org = create_org(ada, "ada-org");
  EXPECT_EQ(role_of(ada_org, ada), "owner");

  // Making the default the default again changes nothing; un-defaulting it alone is refused.
  ASSERT_TRUE(succeeds(as_operator("updateRoleSet", {{"key", "trusted"}, {"is_default", true}})));
  EXPECT_TRUE(fails_with(as_operator("updateRoleSet", {{"key", "trusted"}, {"name", "X"}, {"is_default", false}}),
                         ErrorCode::conflict, "default_role_set_required"));
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_sets WHERE name = 'X'"), 0);
  ASSERT_TRUE(succeeds(as_operator("updateRoleSet", {{"key", "default"}, {"is_default", false}})));  // already not
  EXPECT_EQ(default_set(), "trusted");

  // Neither the default nor the primary set can be deleted.
  EXPECT_TRUE(fails_with(as_operator("deleteRoleSet", {{"key", "trusted"}}), ErrorCode::conflict, "role_set_in_use"));
  EXPECT_TRUE(fails_with(as_operator("deleteRoleSet", {{"key", "default"}}), ErrorCode::conflict, "role_set_in_use"));
  ASSERT_TRUE(succeeds(as_operator("updateRoleSet", {{"key", "default"}, {"is_default", true}})));
  EXPECT_EQ(default_set(), "default");
  EXPECT_TRUE(fails_with(as_operator("deleteRoleSet", {{"key", "default"}}), ErrorCode::conflict, "role_set_in_use"));
  ASSERT_TRUE(succeeds(as_operator("deleteRoleSet", {{"key", "trusted"}})));
  EXPECT_EQ(role_sets(), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_set_roles"), 3);
  EXPECT_TRUE(
      fails_with(as_operator("deleteRoleSet", {{"key", "trusted"}}), ErrorCode::not_found, "role_set_not_found"));
}

// The switch is one transaction: when making the new set default fails, the old one stays default.
TEST_F(SaasCatalog, AFailedSwitchKeepsTheOldDefault) {
  ASSERT_TRUE(
      succeeds(as_operator("createRoleSet", {{"key", "trusted"},
                                             {"name", "Trusted"},
                                             {"roles", {set_role("owner", true), set_role("admin", false, true)}}})));
  // A database that refuses the switch half way (a trigger; each dialect writes one its way).
  db().exec_script(db().dialect() == "postgres"
                       ? "CREATE FUNCTION refuse_trusted() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN RAISE EXCEPTION 'refused'; END $$; "
                         "CREATE TRIGGER refuse_trusted BEFORE UPDATE OF is_default ON role_sets FOR EACH ROW "
                         "WHEN (NEW.is_default AND NEW.key = 'trusted') EXECUTE FUNCTION refuse_trusted()"
                       : "CREATE TRIGGER refuse_trusted BEFORE UPDATE OF is_default ON role_sets "
                         "WHEN NEW.is_default AND NEW.key = 'trusted' BEGIN SELECT RAISE(ABORT, 'refused'); END");
  auto r = as_operator("updateRoleSet", {{"key", "trusted"}, {"name", "Renamed"}, {"is_default", true}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorCode::internal);
  EXPECT_EQ(default_set(), "default");
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_sets WHERE is_default"), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM role_sets WHERE name = 'Renamed'"), 0);
}

}  // namespace
}  // namespace bb::saas::test
