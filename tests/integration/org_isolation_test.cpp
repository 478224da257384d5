// Tenant isolation and RBAC over real HTTP: the organizations API of the saas-demo server
// (/_cockpit/...) asked by owners, admins, members, outsiders and anonymous callers. Every
// refused request is followed by a look at the database: nothing may have changed.
//
//   OrgIsolationMatrix   every org-scoped route x every role, expected status from the seed roles
//   OrgIsolationTenants  org A's people see and touch nothing of org B (path, X-Org-Id, B's ids)
//   OrgIsolationRevoke   removal, demotion, sign-out and API key revocation count at once
//   OrgIsolationInvites  expired, used, declined, revoked and someone else's invitations
//   OrgIsolationOwners   the last owner stays; a second one frees the first
//   OrgIsolationRbac     no escalation: members, admins, custom roles, scoped API keys
//   OrgIsolationDemoUsers  the demo's /users API against another tenant's owner account
//   OrgIsolationInput    bad input is a clear 4xx, never a 500, and changes nothing
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kCockpit = "/_cockpit";
const std::string kPassword = "correct horse battery";
// An organization id nobody has: shaped like a real one, and a made-up word.
const std::string kUnknownOrg = "0190a4c2-7d1e-7c4b-9a3f-2b1c0d9e8f7a";

// The seed roles' permissions (src/saas/migrations.cpp) with the demo's billing ones
// (examples/saas-demo/db/migrations/002_billing.sql), sorted as the API lists them.
const std::vector<std::string> kOwnerPerms = {"billing:manage",   "invitations:manage", "invoices:create",
                                              "invoices:read",    "invoices:send",      "members:manage",
                                              "members:read",     "org:delete",         "org:update",
                                              "payments:process", "roles:manage"};
const std::vector<std::string> kAdminPerms = {"billing:manage", "invitations:manage", "invoices:create",
                                              "invoices:read",  "invoices:send",      "members:manage",
                                              "members:read",   "org:update",         "payments:process",
                                              "roles:manage"};
const std::vector<std::string> kMemberPerms = {"invoices:create", "invoices:read", "members:read"};

const std::vector<std::string>& seed_permissions(std::string_view role) {
  static const std::vector<std::string> none;
  if (role == "owner") return kOwnerPerms;
  if (role == "admin") return kAdminPerms;
  if (role == "member") return kMemberPerms;
  return none;
}

struct User {
  std::string id, email, token;
};

struct Invite {
  std::string id, token;
};

std::string field_of(const Response& r, std::string_view field) {
  auto v = r.json();
  if (!v.is_object() || !v.get_object().contains(field)) return "<no " + std::string(field) + ">";
  return str(v.at(field));
}
std::string code_of(const Response& r) { return field_of(r, "code"); }

std::string replace_all(std::string s, const std::map<std::string, std::string>& subs) {
  for (const auto& [from, to] : subs)
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::vector<std::string> strings_at(const boost::json::value& items, std::string_view field) {
  std::vector<std::string> out;
  if (!items.is_array()) return out;
  for (const auto& i : items.get_array())
    if (i.is_object() && i.get_object().contains(field)) out.push_back(str(i.at(field)));
  return out;
}

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The rows of the tables the organizations feature (and auth) own, one line per row, minus the
// columns every authenticated request may touch (sessions.last_seen_at, api_keys.last_used_at).
const std::vector<std::string> kSnapshotQueries = {
    "SELECT 'org', id, name, slug, owner_id, updated_at FROM organizations ORDER BY id",
    "SELECT 'membership', org_id, user_id, role FROM org_memberships ORDER BY org_id, user_id",
    "SELECT 'invitation', id, org_id, email, role, status, expires_at, responded_at FROM org_invitations ORDER BY id",
    "SELECT 'role', id, key, name, description, is_system, org_id FROM roles ORDER BY id",
    "SELECT 'role_permission', role_id, permission_key FROM role_permissions ORDER BY role_id, permission_key",
    "SELECT 'session', id, user_id, active_org_id FROM sessions ORDER BY id",
    "SELECT 'api_key', id, user_id, name, scopes, revoked_at FROM api_keys ORDER BY id",
    "SELECT 'mail', id, to_address, kind FROM mail_outbox ORDER BY id",
    "SELECT 'user', id, email, name FROM users ORDER BY id",
};

// Lines only in `before` ("- ") or only in `after` ("+ "); empty when the two are equal.
std::string diff(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  std::multiset<std::string> a(before.begin(), before.end()), b(after.begin(), after.end());
  std::string out;
  for (const auto& l : before)
    if (!b.count(l)) out += "- " + l + "\n";
  for (const auto& l : after)
    if (!a.count(l)) out += "+ " + l + "\n";
  if (out.empty() && before != after) out = "(same rows, other order or multiplicity)\n";
  return out;
}

class OrgIsolation : public ::testing::Test {
 protected:
  OrgIsolation() : server(options(config_dir_)) {}

  // The demo's config with sign-in and mail (sign-up) limits these suites do not reach (they sign
  // up dozens of users from one IP); the server signs nobody in: every user here is explicit.
  static ServerOptions options(const TempDir& dir) {
    write_demo_config(dir.path());
    std::string config = read_file(dir / "bunbase.toml");
    auto at = config.find("[auth]\n");
    if (at == std::string::npos) throw std::runtime_error("the demo config has no [auth] table");
    config.insert(at + 7, "sign_in_limit = 100000\nmail_client_limit = 100000\n");
    write_file(dir / "bunbase.toml", config);
    return {.args = {"--config", (dir / "bunbase.toml").string(), "serve"}, .sign_in = false};
  }

  // --- HTTP

  Response call(const User& u, std::string_view method, const std::string& path, std::string_view body = {},
                Headers headers = {}) {
    if (!u.token.empty()) headers.emplace_back("Authorization", "Bearer " + u.token);
    return http(server.port(), method, path, body, headers);
  }
  Response anonymous(std::string_view method, const std::string& path, std::string_view body = {}) {
    return http(server.port(), method, path, body);
  }
  static std::string org_path(const std::string& org, const std::string& rest = "") {
    return kCockpit + "/orgs/" + org + rest;
  }
  // A setup step that must work: throws (failing the test) with the response otherwise.
  static Response must(Response r, int status, std::string_view what) {
    if (r.status != status) {
      std::ostringstream os;
      os << "setup step failed: " << what << ": expected " << status << ", got\n" << r;
      throw std::runtime_error(os.str());
    }
    return r;
  }

  std::string fresh(std::string_view prefix) { return std::string(prefix) + std::to_string(++counter_); }
  std::string fresh_email(std::string_view prefix = "user") { return fresh(prefix) + "@example.com"; }

  User sign_up(const std::string& email) {
    boost::json::object body{{"email", email}, {"password", kPassword}, {"name", "Person " + email}};
    must(http(server.port(), "POST", "/auth/sign-up", boost::json::serialize(body)), 202, "sign up " + email);
    return sign_in(User{"", email, ""});
  }
  User sign_in(const User& u) {
    boost::json::object body{{"email", u.email}, {"password", kPassword}};
    Response r = must(http(server.port(), "POST", "/auth/sign-in", boost::json::serialize(body)), 200, "sign in " + u.email);
    return {str(r.json().at("user").at("id")), u.email, str(r.json().at("token"))};
  }

  std::string create_org(const User& u, const std::string& slug) {
    boost::json::object body{{"name", "Org " + slug}, {"slug", slug}};
    Response r = must(call(u, "POST", kCockpit + "/orgs", boost::json::serialize(body)), 201, "create org " + slug);
    return str(r.json().at("id"));
  }
  Invite invite(const User& by, const std::string& org, const std::string& email, const std::string& role) {
    boost::json::object body{{"email", email}, {"role", role}};
    Response r = must(call(by, "POST", org_path(org, "/invitations"), boost::json::serialize(body)), 201,
                      "invite " + email + " as " + role);
    return {str(r.json().at("invitation").at("id")), str(r.json().at("token"))};
  }
  Response accept(const User& u, const std::string& token) {
    return call(u, "POST", kCockpit + "/invitations/" + token + "/accept");
  }
  // `who` joins `org` with `role`: invited by `by`, accepted over HTTP.
  void join(const std::string& org, const User& by, const User& who, const std::string& role) {
    Invite inv = invite(by, org, who.email, role);
    must(accept(who, inv.token), 200, "accept the invitation of " + who.email);
  }
  std::string create_role(const User& by, const std::string& org, const std::string& key,
                          std::vector<std::string> permissions) {
    boost::json::array perms(permissions.begin(), permissions.end());
    boost::json::object body{{"key", key}, {"name", "Role " + key}, {"permissions", perms}};
    must(call(by, "POST", org_path(org, "/roles"), boost::json::serialize(body)), 201, "create role " + key);
    return key;
  }
  Response set_role(const User& by, const std::string& org, const std::string& user_id, const std::string& role) {
    return call(by, "PATCH", org_path(org, "/members/" + user_id), boost::json::serialize(boost::json::object{{"role", role}}));
  }

  // --- the database

  std::vector<std::string> snapshot() {
    Db db(server.db_url());
    std::vector<std::string> lines;
    for (const auto& q : kSnapshotQueries)
      for (const auto& row : db.query(q)) {
        std::string line;
        for (const auto& [k, v] : row) line += k + "=" + v.value_or("NULL") + " ";
        lines.push_back(std::move(line));
      }
    return lines;
  }
  // The first column of the first row, "<none>" without a row, "NULL" for NULL.
  std::string db_value(const std::string& sql, const std::vector<std::string>& params = {}) {
    Db db(server.db_url());
    auto rows = db.query(sql, params);
    if (rows.empty()) return "<none>";
    return rows[0].begin()->second.value_or("NULL");
  }
  std::int64_t db_count(const std::string& sql, const std::vector<std::string>& params = {}) {
    Db db(server.db_url());
    return db.count(sql, params);
  }
  void db_exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    Db db(server.db_url());
    db.query(sql, params);
  }
  std::string role_in(const std::string& org, const std::string& user_id) {
    return db_value("SELECT role FROM org_memberships WHERE org_id = ? AND user_id = ?", {org, user_id});
  }

  // A refused request: the status and problem code, and not one row changed.
  void expect_refused(const Response& r, int status, std::string_view code, const std::vector<std::string>& before,
                      std::string_view what) {
    SCOPED_TRACE(std::string(what));
    expect_problem(r, status, code);
    const std::string changed = diff(before, snapshot());
    EXPECT_TRUE(changed.empty()) << what << " was refused but changed the database:\n" << changed;
  }

  void expect_still_serving() {
    EXPECT_TRUE(server.healthy()) << "the server stopped answering GET /healthz";
    EXPECT_TRUE(server.process().running());
  }

  TempDir config_dir_;
  DemoServer server;
  int counter_ = 0;
};

// ---------------------------------------------------------------------------------------------
// 1. Roles x actions

// Who may do it: signed_in (any authenticated user), member (any member of the org), or a member
// whose role grants at least one of `any_of`.
enum class Need { signed_in, member, permission };

struct Actor {
  std::string role;  // owner | admin | member | outsider | anonymous
  User user;         // no token for anonymous
};

struct Cell {
  const Actor* actor;
  std::string org;         // the org the request is about (A, or a throwaway org)
  std::map<std::string, std::string> subs;
};

struct Row {
  std::string method, path, body;
  Need need = Need::member;
  std::vector<std::string> any_of;
  int ok = 200;
  bool mutates = false;
  // A fresh organization per cell (built by another user, with the actor in its role): for the
  // actions that destroy the actor's place in it (leave, delete).
  bool throwaway_org = false;
  std::function<void(Cell&)> prepare;                        // after the targets, before the snapshot
  std::function<void(const Cell&, const Response&)> verify;  // after a success
  std::string label() const {
    std::string need_text = need == Need::signed_in ? "signed-in" : need == Need::member ? "member" : "";
    for (const auto& p : any_of) need_text += (need_text.empty() ? "" : "|") + p;
    return method + " " + path + " [needs " + need_text + "]";
  }
};

class OrgIsolationMatrix : public OrgIsolation {
 protected:
  // The routes under test; {org}, {user}, {inv}, {role}, {email}, {key}, {name} are filled per cell
  // with throwaway targets prepared by the org's owner.
  std::vector<Row> rows() {
    std::vector<Row> r;
    // Any signed-in user.
    r.push_back({.method = "GET", .path = kCockpit + "/orgs", .need = Need::signed_in,
                 .verify = [this](const Cell& c, const Response& res) {
                   auto ids = strings_at(res.json().at("items"), "id");
                   EXPECT_EQ(has(ids, org_a_), c.actor->role != "outsider") << res;
                   EXPECT_EQ(has(ids, org_b_), c.actor->role == "outsider") << res;
                 }});
    r.push_back({.method = "GET", .path = kCockpit + "/rbac/permissions", .need = Need::signed_in,
                 .verify = [](const Cell&, const Response& res) {
                   auto keys = strings_at(res.json().at("items"), "key");
                   std::sort(keys.begin(), keys.end());
                   EXPECT_EQ(keys, kOwnerPerms) << res;
                 }});
    r.push_back({.method = "GET", .path = kCockpit + "/rbac/role-sets", .need = Need::signed_in,
                 .verify = [](const Cell&, const Response& res) {
                   EXPECT_EQ(strings_at(res.json().at("items"), "key"), std::vector<std::string>{"default"}) << res;
                 }});
    // The organization.
    r.push_back({.method = "GET", .path = "/orgs/{org}",
                 .verify = [](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("organization").at("id")), c.org) << res;
                   EXPECT_EQ(str(res.json().at("organization").at("role")), c.actor->role) << res;
                   std::vector<std::string> perms;
                   const auto body = res.json();
                   for (const auto& p : body.at("permissions").as_array()) perms.push_back(str(p));
                   std::sort(perms.begin(), perms.end());
                   EXPECT_EQ(perms, seed_permissions(c.actor->role)) << res;
                 }});
    r.push_back({.method = "PATCH", .path = "/orgs/{org}", .body = R"({"name":"{name}"})", .need = Need::permission,
                 .any_of = {"org:update"}, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("name")), c.subs.at("{name}")) << res;
                   EXPECT_EQ(db_value("SELECT name FROM organizations WHERE id = ?", {c.org}), c.subs.at("{name}"));
                 }});
    r.push_back({.method = "DELETE", .path = "/orgs/{org}", .need = Need::permission, .any_of = {"org:delete"},
                 .ok = 204, .mutates = true, .throwaway_org = true,
                 .verify = [this](const Cell& c, const Response&) {
                   EXPECT_EQ(db_count("SELECT count(*) FROM organizations WHERE id = ?", {c.org}), 0);
                   EXPECT_EQ(db_count("SELECT count(*) FROM org_memberships WHERE org_id = ?", {c.org}), 0);
                 }});
    r.push_back({.method = "POST", .path = "/orgs/{org}/activate", .mutates = true,
                 .prepare = [this](Cell& c) {
                   if (!c.actor->user.id.empty())
                     db_exec("UPDATE sessions SET active_org_id = NULL WHERE user_id = ?", {c.actor->user.id});
                 },
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("id")), c.org) << res;
                   EXPECT_EQ(db_value("SELECT active_org_id FROM sessions WHERE user_id = ?", {c.actor->user.id}), c.org);
                 }});
    r.push_back({.method = "POST", .path = "/orgs/{org}/leave", .ok = 204, .mutates = true, .throwaway_org = true,
                 .verify = [this](const Cell& c, const Response&) {
                   EXPECT_EQ(role_in(c.org, c.actor->user.id), "<none>");
                   EXPECT_EQ(db_count("SELECT count(*) FROM org_memberships WHERE org_id = ?", {c.org}), 1)
                       << "the org's other owner stays";
                 }});
    // Members.
    r.push_back({.method = "GET", .path = "/orgs/{org}/members", .need = Need::permission, .any_of = {"members:read"},
                 .verify = [this](const Cell& c, const Response& res) {
                   auto ids = strings_at(res.json().at("items"), "user_id");
                   EXPECT_TRUE(has(ids, c.actor->user.id)) << res;
                   EXPECT_EQ(static_cast<std::int64_t>(ids.size()),
                             db_count("SELECT count(*) FROM org_memberships WHERE org_id = ?", {c.org}));
                 }});
    r.push_back({.method = "PATCH", .path = "/orgs/{org}/members/{user}", .body = R"({"role":"admin"})",
                 .need = Need::permission, .any_of = {"members:manage"}, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("role")), "admin") << res;
                   EXPECT_EQ(role_in(c.org, c.subs.at("{user}")), "admin");
                 }});
    r.push_back({.method = "DELETE", .path = "/orgs/{org}/members/{user}", .need = Need::permission,
                 .any_of = {"members:manage"}, .ok = 204, .mutates = true,
                 .verify = [this](const Cell& c, const Response&) {
                   EXPECT_EQ(role_in(c.org, c.subs.at("{user}")), "<none>");
                 }});
    // Invitations.
    r.push_back({.method = "GET", .path = "/orgs/{org}/invitations", .need = Need::permission,
                 .any_of = {"invitations:manage", "members:manage"},
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(static_cast<std::int64_t>(strings_at(res.json().at("items"), "id").size()),
                             db_count("SELECT count(*) FROM org_invitations WHERE org_id = ?", {c.org}));
                   for (const auto& o : strings_at(res.json().at("items"), "org_id")) EXPECT_EQ(o, c.org);
                   EXPECT_THAT(res.body, ::testing::Not(HasSubstr("token"))) << "a listing shows invitation tokens";
                 }});
    r.push_back({.method = "POST", .path = "/orgs/{org}/invitations", .body = R"({"email":"{email}","role":"member"})",
                 .need = Need::permission, .any_of = {"invitations:manage", "members:manage"}, .ok = 201, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_THAT(str(res.json().at("token")), StartsWith("bbi_")) << res;
                   EXPECT_EQ(str(res.json().at("invitation").at("org_id")), c.org) << res;
                   EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE org_id = ? AND email = ?",
                                      {c.org, c.subs.at("{email}")}),
                             "pending");
                 }});
    r.push_back({.method = "DELETE", .path = "/orgs/{org}/invitations/{inv}", .need = Need::permission,
                 .any_of = {"invitations:manage", "members:manage"}, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("status")), "revoked") << res;
                   EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {c.subs.at("{inv}")}), "revoked");
                 }});
    // Roles.
    r.push_back({.method = "GET", .path = "/orgs/{org}/roles",
                 .verify = [](const Cell&, const Response& res) {
                   auto keys = strings_at(res.json().at("items"), "key");
                   EXPECT_TRUE(has(keys, "owner") && has(keys, "admin") && has(keys, "member")) << res;
                 }});
    r.push_back({.method = "POST", .path = "/orgs/{org}/roles",
                 .body = R"({"key":"{key}","name":"Custom","permissions":["members:read"]})", .need = Need::permission,
                 .any_of = {"roles:manage"}, .ok = 201, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_EQ(str(res.json().at("key")), c.subs.at("{key}")) << res;
                   EXPECT_EQ(db_value("SELECT org_id FROM roles WHERE key = ?", {c.subs.at("{key}")}), c.org);
                 }});
    r.push_back({.method = "PATCH", .path = "/orgs/{org}/roles/{role}", .body = R"({"name":"{name}"})",
                 .need = Need::permission, .any_of = {"roles:manage"}, .mutates = true,
                 .verify = [this](const Cell& c, const Response&) {
                   EXPECT_EQ(db_value("SELECT name FROM roles WHERE org_id = ? AND key = ?", {c.org, c.subs.at("{role}")}),
                             c.subs.at("{name}"));
                 }});
    r.push_back({.method = "DELETE", .path = "/orgs/{org}/roles/{role}", .need = Need::permission,
                 .any_of = {"roles:manage"}, .ok = 204, .mutates = true,
                 .verify = [this](const Cell& c, const Response&) {
                   EXPECT_EQ(db_count("SELECT count(*) FROM roles WHERE org_id = ? AND key = ?", {c.org, c.subs.at("{role}")}), 0);
                 }});
    r.push_back({.method = "POST", .path = "/orgs/{org}/roles/{role}/permissions",
                 .body = R"({"permission":"members:manage"})", .need = Need::permission, .any_of = {"roles:manage"},
                 .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_THAT(res.json().at("permissions").as_array(),
                               ::testing::Contains(boost::json::value("members:manage")))
                       << res;
                   EXPECT_EQ(role_permission_count(c, "members:manage"), 1);
                 }});
    r.push_back({.method = "DELETE", .path = "/orgs/{org}/roles/{role}/permissions/members:read",
                 .need = Need::permission, .any_of = {"roles:manage"}, .mutates = true,
                 .verify = [this](const Cell& c, const Response& res) {
                   EXPECT_TRUE(res.json().at("permissions").as_array().empty()) << res;
                   EXPECT_EQ(role_permission_count(c, "members:read"), 0);
                 }});
    for (auto& row : r)
      if (row.path.starts_with("/orgs/")) row.path = kCockpit + row.path;
    return r;
  }

  std::int64_t role_permission_count(const Cell& c, const std::string& permission) {
    return db_count(
        "SELECT count(*) FROM role_permissions rp JOIN roles r ON r.id = rp.role_id "
        "WHERE r.org_id = ? AND r.key = ? AND rp.permission_key = ?",
        {c.org, c.subs.at("{role}"), permission});
  }

  // Fills the row's placeholders with targets of its own, so that no cell depends on another.
  Cell prepare(const Row& row, const Actor& actor) {
    Cell c{.actor = &actor, .org = org_a_};
    const User* org_owner = &owner_;
    if (row.throwaway_org) {
      c.org = create_org(builder_, fresh("throwaway-"));
      org_owner = &builder_;
      if (actor.role == "owner" || actor.role == "admin" || actor.role == "member") join(c.org, builder_, actor.user, actor.role);
    }
    c.subs["{org}"] = c.org;
    const std::string text = row.path + row.body;
    if (text.find("{user}") != std::string::npos) {
      User target = sign_up(fresh_email("target"));
      join(c.org, *org_owner, target, "member");
      c.subs["{user}"] = target.id;
    }
    if (text.find("{inv}") != std::string::npos) c.subs["{inv}"] = invite(*org_owner, c.org, fresh_email("invitee"), "member").id;
    if (text.find("{role}") != std::string::npos)
      c.subs["{role}"] = create_role(*org_owner, c.org, fresh("custom"), {"members:read"});
    if (text.find("{email}") != std::string::npos) c.subs["{email}"] = fresh_email("invited");
    if (text.find("{key}") != std::string::npos) c.subs["{key}"] = fresh("newrole");
    if (text.find("{name}") != std::string::npos) c.subs["{name}"] = fresh("Renamed ");
    if (row.prepare) row.prepare(c);
    return c;
  }

  void SetUp() override {
    owner_ = sign_up("owner@example.com");
    admin_ = sign_up("admin@example.com");
    member_ = sign_up("member@example.com");
    outsider_ = sign_up("outsider@example.com");
    builder_ = sign_up("builder@example.com");
    org_a_ = create_org(owner_, "org-a");
    join(org_a_, owner_, admin_, "admin");
    join(org_a_, owner_, member_, "member");
    org_b_ = create_org(outsider_, "org-b");
  }

  User owner_, admin_, member_, outsider_, builder_;
  std::string org_a_, org_b_;
};

TEST_F(OrgIsolationMatrix, EveryRoleGetsExactlyWhatItsPermissionsAllowOnEveryRoute) {
  ASSERT_EQ(role_in(org_a_, owner_.id), "owner");
  ASSERT_EQ(role_in(org_a_, admin_.id), "admin");
  ASSERT_EQ(role_in(org_a_, member_.id), "member");
  ASSERT_EQ(role_in(org_a_, outsider_.id), "<none>");

  const std::vector<Actor> actors = {{"owner", owner_},       {"admin", admin_},      {"member", member_},
                                     {"outsider", outsider_}, {"anonymous", User{}}};
  int cells = 0, allowed = 0;
  for (const Row& row : rows()) {
    for (const Actor& actor : actors) {
      const std::string where = actor.role + " -> " + row.label();
      SCOPED_TRACE(where);
      Cell c = prepare(row, actor);
      const std::string path = replace_all(row.path, c.subs);
      const std::string body = replace_all(row.body, c.subs);
      const auto before = snapshot();
      Response res = call(actor.user, row.method, path, body);
      ++cells;

      int want_status = row.ok;
      std::string want_code;
      if (actor.role == "anonymous") {
        want_status = 401, want_code = "unauthenticated";
      } else if (row.need != Need::signed_in && actor.role == "outsider") {
        want_status = 403, want_code = "not_a_member";
      } else if (row.need == Need::permission) {
        const auto& perms = seed_permissions(actor.role);
        bool any = false;
        for (const auto& p : row.any_of) any = any || has(perms, p);
        if (!any) want_status = 403, want_code = "permission_denied";
      }

      if (want_code.empty()) {
        ++allowed;
        if (res.status != want_status) {
          ADD_FAILURE() << where << " (" << path << ") should be allowed with " << want_status << "\n" << res;
          continue;
        }
        const std::string changed = diff(before, snapshot());
        if (row.mutates) {
          EXPECT_FALSE(changed.empty()) << where << " answered " << res.status << " but changed nothing";
        } else {
          EXPECT_TRUE(changed.empty()) << where << " is a read but changed the database:\n" << changed;
        }
        if (row.verify) row.verify(c, res);
      } else {
        expect_refused(res, want_status, want_code, before, where);
      }
    }
  }
  // Sanity: the table covered what it claims (20 rows x 5 callers), with both outcomes.
  EXPECT_EQ(cells, 100);
  // Allowed: 3 signed-in rows x 4 callers; 5 any-member rows (GET org, activate, leave, GET roles,
  // GET members) x 3 roles; 11 rows owner and admin hold; DELETE org for the owner alone.
  EXPECT_EQ(allowed, 3 * 4 + 5 * 3 + 11 * 2 + 1) << "the number of allowed cells moved: check the table";
  expect_still_serving();
}

// ---------------------------------------------------------------------------------------------
// 2. Cross-tenant

class OrgIsolationTenants : public OrgIsolationMatrix {
 protected:
  void SetUp() override {
    OrgIsolationMatrix::SetUp();
    // Org B (the outsider's) has a member, a pending invitation and a custom role of its own.
    b_member_ = sign_up("b-member@example.com");
    join(org_b_, outsider_, b_member_, "member");
    b_invitation_ = invite(outsider_, org_b_, "b-invitee@example.com", "member");
    b_role_ = create_role(outsider_, org_b_, "brole", {"members:read"});
  }

  User b_member_;
  Invite b_invitation_;
  std::string b_role_;
};

TEST_F(OrgIsolationTenants, AMemberOfAGetsTheSameNotAMemberForBAsForAnUnknownOrgOnEveryRoute) {
  const std::map<std::string, std::string> b_targets = {{"{user}", b_member_.id}, {"{inv}", b_invitation_.id},
                                                        {"{role}", b_role_},       {"{email}", "new@example.com"},
                                                        {"{key}", "newrole"},      {"{name}", "Hijacked"}};
  const User* callers[] = {&member_, &admin_, &owner_};  // every role of A, owner included
  int checked = 0;
  for (const User* who : callers) {
    for (const Row& row : rows()) {
      if (row.need == Need::signed_in) continue;
      for (const std::string& org : {org_b_, kUnknownOrg, std::string("no-such-org")}) {
        auto subs = b_targets;
        subs["{org}"] = org;
        const std::string path = replace_all(row.path, subs), body = replace_all(row.body, subs);
        const std::string where = who->email + " " + row.method + " " + path;
        const auto before = snapshot();
        Response r = call(*who, row.method, path, body);
        expect_refused(r, 403, "not_a_member", before, where);
        ++checked;
      }
      // The existing org and the unknown ones answer alike (no existence oracle).
      auto b_subs = b_targets, u_subs = b_targets;
      b_subs["{org}"] = org_b_;
      u_subs["{org}"] = kUnknownOrg;
      Response rb = call(*who, row.method, replace_all(row.path, b_subs), replace_all(row.body, b_subs));
      Response ru = call(*who, row.method, replace_all(row.path, u_subs), replace_all(row.body, u_subs));
      EXPECT_EQ(rb.status, ru.status) << row.label();
      EXPECT_EQ(code_of(rb), code_of(ru)) << row.label();
      EXPECT_EQ(field_of(rb, "title"), field_of(ru, "title")) << row.label();
      EXPECT_EQ(field_of(rb, "detail"), field_of(ru, "detail")) << row.label();
    }
  }
  EXPECT_EQ(checked, 3 * 17 * 3);
  // B is as it was: its member, invitation and role untouched.
  EXPECT_EQ(role_in(org_b_, b_member_.id), "member");
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {b_invitation_.id}), "pending");
  EXPECT_EQ(db_value("SELECT name FROM organizations WHERE id = ?", {org_b_}), "Org org-b");
  EXPECT_EQ(db_count("SELECT count(*) FROM roles WHERE org_id = ? AND key = 'brole'", {org_b_}), 1);
}

TEST_F(OrgIsolationTenants, XOrgIdThatDisagreesWithThePathIsRefusedAsAMismatch) {
  struct Probe {
    const User* who;
    std::string method, path, body, header;
  };
  const std::vector<Probe> probes = {
      {&member_, "GET", org_path(org_a_), "", org_b_},
      {&member_, "GET", org_path(org_a_, "/members"), "", org_b_},
      {&owner_, "GET", org_path(org_a_, "/invitations"), "", org_b_},
      {&owner_, "PATCH", org_path(org_a_), R"({"name":"Hijacked"})", org_b_},
      {&owner_, "DELETE", org_path(org_a_, "/members/" + b_member_.id), "", org_b_},
      {&owner_, "PATCH", org_path(org_a_, "/members/" + member_.id), R"({"role":"admin"})", org_b_},
      {&owner_, "DELETE", org_path(org_a_), "", org_b_},
      {&owner_, "POST", org_path(org_a_, "/roles"), R"({"key":"sneaky","name":"S","permissions":[]})", org_b_},
      {&owner_, "POST", org_path(org_a_, "/invitations"), R"({"email":"x@example.com"})", kUnknownOrg},
      // B's own people, naming A in the header and B in the path.
      {&outsider_, "GET", org_path(org_b_, "/members"), "", org_a_},
      {&outsider_, "DELETE", org_path(org_b_), "", org_a_},
  };
  for (const auto& p : probes) {
    const std::string where = p.who->email + " " + p.method + " " + p.path + " with X-Org-Id " + p.header;
    const auto before = snapshot();
    Response r = call(*p.who, p.method, p.path, p.body, {{"X-Org-Id", p.header}});
    expect_refused(r, 400, "org_mismatch", before, where);
  }
  // Agreeing header and path work; a B header on B's path is B's answer (403 for A's member).
  Response same = call(member_, "GET", org_path(org_a_), "", {{"X-Org-Id", org_a_}});
  EXPECT_EQ(same.status, 200) << same;
  const auto before = snapshot();
  expect_refused(call(member_, "GET", org_path(org_b_), "", {{"X-Org-Id", org_b_}}), 403, "not_a_member", before,
                 "A's member, B in the header and the path");
}

TEST_F(OrgIsolationTenants, BsIdsUnderAsPathReachNothingOfB) {
  // A's owner holds every permission in A: only the ids' scoping stands between it and B.
  struct Probe {
    std::string method, path, body;
    int status;
    std::string code;
  };
  const std::vector<Probe> probes = {
      {"PATCH", org_path(org_a_, "/members/" + b_member_.id), R"({"role":"admin"})", 404, "member_not_found"},
      {"PATCH", org_path(org_a_, "/members/" + outsider_.id), R"({"role":"member"})", 404, "member_not_found"},
      {"DELETE", org_path(org_a_, "/members/" + b_member_.id), "", 404, "member_not_found"},
      {"DELETE", org_path(org_a_, "/members/" + outsider_.id), "", 404, "member_not_found"},
      {"DELETE", org_path(org_a_, "/invitations/" + b_invitation_.id), "", 404, "invitation_not_found"},
      {"PATCH", org_path(org_a_, "/roles/" + b_role_), R"({"name":"Hijacked"})", 404, "role_not_found"},
      {"PATCH", org_path(org_a_, "/roles/" + b_role_), R"({"permissions":["members:manage"]})", 404, "role_not_found"},
      {"DELETE", org_path(org_a_, "/roles/" + b_role_), "", 404, "role_not_found"},
      {"POST", org_path(org_a_, "/roles/" + b_role_ + "/permissions"), R"({"permission":"members:manage"})", 404,
       "role_not_found"},
      {"DELETE", org_path(org_a_, "/roles/" + b_role_ + "/permissions/members:read"), "", 404, "role_not_found"},
      // B's role key is no role in A.
      {"PATCH", org_path(org_a_, "/members/" + member_.id), R"({"role":"brole"})", 400, "unknown_role"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":"new@example.com","role":"brole"})", 400, "unknown_role"},
      // An orgId in the body does not beat the path's (and B is still not touched).
      {"PATCH", org_path(org_a_, "/members/" + b_member_.id), R"({"orgId":")" + org_b_ + R"(","role":"admin"})", 404,
       "member_not_found"},
  };
  for (const auto& p : probes) {
    const auto before = snapshot();
    expect_refused(call(owner_, p.method, p.path, p.body), p.status, p.code, before, p.method + " " + p.path + " " + p.body);
  }

  // A's listings show nothing of B.
  Response members = call(owner_, "GET", org_path(org_a_, "/members"));
  ASSERT_EQ(members.status, 200) << members;
  auto member_ids = strings_at(members.json().at("items"), "user_id");
  EXPECT_EQ(member_ids.size(), 3u) << members;
  EXPECT_FALSE(has(member_ids, b_member_.id) || has(member_ids, outsider_.id)) << members;
  Response invitations = call(owner_, "GET", org_path(org_a_, "/invitations"));
  ASSERT_EQ(invitations.status, 200) << invitations;
  EXPECT_FALSE(has(strings_at(invitations.json().at("items"), "id"), b_invitation_.id)) << invitations;
  for (const auto& o : strings_at(invitations.json().at("items"), "org_id")) EXPECT_EQ(o, org_a_) << invitations;
  Response roles = call(owner_, "GET", org_path(org_a_, "/roles"));
  ASSERT_EQ(roles.status, 200) << roles;
  EXPECT_EQ(strings_at(roles.json().at("items"), "key"), (std::vector<std::string>{"admin", "member", "owner"})) << roles;
  Response orgs = call(owner_, "GET", kCockpit + "/orgs");
  EXPECT_EQ(strings_at(orgs.json().at("items"), "id"), std::vector<std::string>{org_a_}) << orgs;

  // An invitation sent with B's id in the body lands in A (the path's org), never in B.
  Response sneaky = call(owner_, "POST", org_path(org_a_, "/invitations"),
                         R"({"orgId":")" + org_b_ + R"(","email":"sneaky@example.com"})");
  ASSERT_EQ(sneaky.status, 201) << sneaky;
  EXPECT_EQ(str(sneaky.json().at("invitation").at("org_id")), org_a_) << sneaky;
  EXPECT_EQ(db_count("SELECT count(*) FROM org_invitations WHERE org_id = ? AND email = 'sneaky@example.com'", {org_b_}), 0);

  // B untouched.
  EXPECT_EQ(role_in(org_b_, b_member_.id), "member");
  EXPECT_EQ(role_in(org_b_, outsider_.id), "owner");
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {b_invitation_.id}), "pending");
  EXPECT_EQ(db_value("SELECT name FROM roles WHERE org_id = ? AND key = 'brole'", {org_b_}), "Role brole");
}

TEST_F(OrgIsolationTenants, ARoleKeyBothOrgsUseMeansEachOrgsOwnDefinition) {
  // B's "shared" role manages members; A's "shared" only reads them.
  create_role(outsider_, org_b_, "shared", {"members:read", "members:manage", "invitations:manage"});
  create_role(owner_, org_a_, "shared", {"members:read"});
  ASSERT_EQ(set_role(owner_, org_a_, member_.id, "shared").status, 200);

  Response me = call(member_, "GET", org_path(org_a_));
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(str(me.json().at("organization").at("role")), "shared");
  EXPECT_EQ(me.json().at("permissions"), boost::json::parse(R"(["members:read"])")) << me;

  auto before = snapshot();
  expect_refused(set_role(member_, org_a_, admin_.id, "member"), 403, "permission_denied", before,
                 "A's 'shared' member changing a role in A");
  before = snapshot();
  expect_refused(call(member_, "POST", org_path(org_a_, "/invitations"), R"({"email":"z@example.com"})"), 403,
                 "permission_denied", before, "A's 'shared' member inviting in A");
  before = snapshot();
  expect_refused(call(member_, "GET", org_path(org_b_, "/members")), 403, "not_a_member", before,
                 "A's 'shared' member reading B");
}

// ---------------------------------------------------------------------------------------------
// 3. Revocation takes effect on the very next request

class OrgIsolationRevoke : public OrgIsolationMatrix {};

TEST_F(OrgIsolationRevoke, ARemovedMemberIsRefusedOnTheNextRequest) {
  ASSERT_EQ(db_value("SELECT active_org_id FROM sessions WHERE user_id = ?", {member_.id}), org_a_)
      << "accepting the invitation made A the member's active org";
  Response ok = call(member_, "GET", org_path(org_a_, "/members"));
  ASSERT_EQ(ok.status, 200) << ok;

  Response removed = call(owner_, "DELETE", org_path(org_a_, "/members/" + member_.id));
  ASSERT_EQ(removed.status, 204) << removed;

  auto before = snapshot();
  expect_refused(call(member_, "GET", org_path(org_a_, "/members")), 403, "not_a_member", before, "removed member, path");
  expect_refused(call(member_, "GET", org_path(org_a_), "", {{"X-Org-Id", org_a_}}), 403, "not_a_member", before,
                 "removed member, header");
  expect_refused(call(member_, "POST", org_path(org_a_, "/activate")), 403, "not_a_member", before,
                 "removed member re-activating");
  EXPECT_EQ(db_value("SELECT active_org_id FROM sessions WHERE user_id = ?", {member_.id}), "NULL")
      << "the removed member's session still acts in A";
  Response list = call(member_, "GET", kCockpit + "/orgs");
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_TRUE(list.json().at("items").as_array().empty()) << list;
}

TEST_F(OrgIsolationRevoke, ADemotedAdminLosesItsPermissionsOnTheNextRequest) {
  Response ok = call(admin_, "PATCH", org_path(org_a_), R"({"name":"Admin was here"})");
  ASSERT_EQ(ok.status, 200) << ok;
  ASSERT_EQ(set_role(owner_, org_a_, admin_.id, "member").status, 200);
  auto before = snapshot();
  expect_refused(call(admin_, "PATCH", org_path(org_a_), R"({"name":"Admin again"})"), 403, "permission_denied", before,
                 "demoted admin renaming");
  expect_refused(call(admin_, "GET", org_path(org_a_, "/invitations")), 403, "permission_denied", before,
                 "demoted admin listing invitations");
  EXPECT_EQ(db_value("SELECT name FROM organizations WHERE id = ?", {org_a_}), "Admin was here");
}

TEST_F(OrgIsolationRevoke, ASignedOutSessionIsRefusedOnTheNextRequest) {
  User second = sign_in(member_);  // another session of the same user
  ASSERT_EQ(call(member_, "GET", org_path(org_a_)).status, 200);
  Response out = call(member_, "POST", "/auth/sign-out");
  ASSERT_EQ(out.status, 204) << out;

  auto before = snapshot();
  expect_refused(call(member_, "GET", org_path(org_a_)), 401, "unauthenticated", before, "signed-out session, org");
  expect_refused(call(member_, "GET", "/auth/me"), 401, "unauthenticated", before, "signed-out session, me");
  expect_refused(call(member_, "POST", org_path(org_a_, "/leave")), 401, "unauthenticated", before,
                 "signed-out session, leave");
  EXPECT_EQ(role_in(org_a_, member_.id), "member");
  // Only that session ended.
  Response other = call(second, "GET", org_path(org_a_));
  EXPECT_EQ(other.status, 200) << other;
}

TEST_F(OrgIsolationRevoke, ARevokedApiKeyIsRefusedOnTheNextRequest) {
  Response created = call(owner_, "POST", "/auth/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(created.status, 201) << created;
  const User key{owner_.id, owner_.email, str(created.json().at("key"))};
  const std::string key_id = str(created.json().at("api_key").at("id"));
  ASSERT_THAT(key.token, StartsWith("bbk_"));

  Response used = call(key, "GET", org_path(org_a_, "/members"));
  ASSERT_EQ(used.status, 200) << used;
  Response revoked = call(owner_, "DELETE", "/auth/api-keys/" + key_id);
  ASSERT_EQ(revoked.status, 204) << revoked;
  EXPECT_NE(db_value("SELECT revoked_at FROM api_keys WHERE id = ?", {key_id}), "NULL");

  auto before = snapshot();
  expect_refused(call(key, "GET", org_path(org_a_, "/members")), 401, "unauthenticated", before, "revoked key, read");
  expect_refused(call(key, "PATCH", org_path(org_a_), R"({"name":"By a dead key"})"), 401, "unauthenticated", before,
                 "revoked key, write");
  expect_refused(call(key, "DELETE", org_path(org_a_)), 401, "unauthenticated", before, "revoked key, delete");
  // The session that made it still works.
  EXPECT_EQ(call(owner_, "GET", org_path(org_a_)).status, 200);
}

TEST_F(OrgIsolationRevoke, RunHistoryKeepsNoInvitationTokenNorApiKey) {
  // What a revocation protects must not be readable elsewhere: the run history (action_runs)
  // records inputs and outputs, and these carry the invitation token and the API key.
  User joiner = sign_up("joiner@example.com");
  Invite inv = invite(owner_, org_a_, joiner.email, "member");
  expect_problem(accept(member_, inv.token), 403, "invitation_email_mismatch");  // a failed run, too
  ASSERT_EQ(accept(joiner, inv.token).status, 200);
  Response key = call(owner_, "POST", "/auth/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(key.status, 201) << key;
  const std::string raw_key = str(key.json().at("key"));
  ASSERT_EQ(server.stop(SIGTERM), 0);  // flushes the run history

  Db db(server.db_url());
  ASSERT_GE(db.count("SELECT count(*) FROM action_runs WHERE action_name IN ('inviteMember', 'acceptInvitation')"), 3);
  auto runs = db.query("SELECT input, output, error FROM action_runs");
  for (const auto& secret : {inv.token, raw_key, joiner.token})
    for (auto& run : runs)
      EXPECT_EQ((run["input"].value_or("") + run["output"].value_or("") + run["error"].value_or("")).find(secret),
                std::string::npos)
          << "the run history holds the secret " << secret.substr(0, 8) << "...";
  EXPECT_EQ(db.count("SELECT count(*) FROM org_invitations WHERE token_hash = ?", {inv.token}), 0)
      << "the invitation stores its token, not only its hash";
}

// ---------------------------------------------------------------------------------------------
// 4. Invitations

class OrgIsolationInvites : public OrgIsolationMatrix {};

TEST_F(OrgIsolationInvites, AnExpiredInvitationCannotBeAccepted) {
  User late = sign_up("late@example.com");
  Invite inv = invite(owner_, org_a_, late.email, "admin");
  db_exec("UPDATE org_invitations SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?", {inv.id});

  Response r = accept(late, inv.token);
  expect_problem(r, 400, "invitation_expired");
  EXPECT_EQ(role_in(org_a_, late.id), "<none>");
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "expired");
  EXPECT_EQ(db_value("SELECT active_org_id FROM sessions WHERE user_id = ?", {late.id}), "NULL");

  auto before = snapshot();
  expect_refused(accept(late, inv.token), 409, "invitation_not_pending", before, "accepting an expired invitation again");
  expect_refused(call(late, "POST", kCockpit + "/invitations/" + inv.token + "/decline"), 409, "invitation_not_pending",
                 before, "declining an expired invitation");
  expect_refused(call(late, "GET", org_path(org_a_)), 403, "not_a_member", before, "the late invitee reading A");
  Response list = call(owner_, "GET", org_path(org_a_, "/invitations"));
  ASSERT_EQ(list.status, 200) << list;
  EXPECT_THAT(list.body, HasSubstr(R"("status":"expired")")) << list;
}

TEST_F(OrgIsolationInvites, AnInvitationPastItsExpiryIsExpiredEvenBeforeAnyoneTriesIt) {
  Invite inv = invite(owner_, org_a_, "lapsed@example.com", "member");
  db_exec("UPDATE org_invitations SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?", {inv.id});
  Response list = call(owner_, "GET", org_path(org_a_, "/invitations"));
  ASSERT_EQ(list.status, 200) << list;
  const auto items = list.json().at("items");
  const auto ids = strings_at(items, "id");
  auto at = std::find(ids.begin(), ids.end(), inv.id);
  ASSERT_NE(at, ids.end()) << list;
  EXPECT_EQ(str(items.at(at - ids.begin()).at("status")), "expired") << list;
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "pending")
      << "listing only reads: the row itself is still pending";
  // A lapsed invitation makes way for a new one to the same address.
  Invite again = invite(owner_, org_a_, "lapsed@example.com", "member");
  EXPECT_NE(again.id, inv.id);
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "expired");
}

TEST_F(OrgIsolationInvites, AUsedTokenCannotBeReused) {
  User joiner = sign_up("joiner@example.com");
  Invite inv = invite(owner_, org_a_, joiner.email, "admin");
  Response first = accept(joiner, inv.token);
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(str(first.json().at("id")), org_a_) << first;
  EXPECT_EQ(str(first.json().at("role")), "admin") << first;
  EXPECT_EQ(role_in(org_a_, joiner.id), "admin");
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "accepted");

  // Leave, then try to come back with the same token: it is spent.
  ASSERT_EQ(call(joiner, "POST", org_path(org_a_, "/leave")).status, 204);
  auto before = snapshot();
  expect_refused(accept(joiner, inv.token), 409, "invitation_not_pending", before, "re-using an accepted token");
  expect_refused(call(joiner, "POST", kCockpit + "/invitations/" + inv.token + "/decline"), 409,
                 "invitation_not_pending", before, "declining an accepted token");
  // Nor can anyone else use it.
  User thief = sign_up("thief@example.com");
  before = snapshot();
  expect_refused(accept(thief, inv.token), 403, "invitation_email_mismatch", before, "someone else re-using the token");
  EXPECT_EQ(role_in(org_a_, joiner.id), "<none>");
  EXPECT_EQ(role_in(org_a_, thief.id), "<none>");
}

TEST_F(OrgIsolationInvites, ATokenForAnotherEmailIsRefused) {
  User intended = sign_up("intended@example.com");
  User other = sign_up("other@example.com");
  Invite inv = invite(owner_, org_a_, "Intended@Example.com", "member");  // stored lower-cased
  EXPECT_EQ(db_value("SELECT email FROM org_invitations WHERE id = ?", {inv.id}), "intended@example.com");

  auto before = snapshot();
  expect_refused(accept(other, inv.token), 403, "invitation_email_mismatch", before, "accept by another user");
  expect_refused(call(other, "POST", kCockpit + "/invitations/" + inv.token + "/decline"), 403,
                 "invitation_email_mismatch", before, "decline by another user");
  // The outsider (owner of another org) fares no better.
  expect_refused(accept(outsider_, inv.token), 403, "invitation_email_mismatch", before, "accept by B's owner");
  // Nor an anonymous caller, nor a made-up token.
  expect_refused(anonymous("POST", kCockpit + "/invitations/" + inv.token + "/accept"), 401, "unauthenticated", before,
                 "anonymous accept");
  expect_refused(accept(other, "bbi_not-a-real-token"), 404, "invitation_not_found", before, "a made-up token");
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "pending");

  // The intended user still can.
  Response ok = accept(intended, inv.token);
  ASSERT_EQ(ok.status, 200) << ok;
  EXPECT_EQ(role_in(org_a_, intended.id), "member");
  EXPECT_EQ(role_in(org_a_, other.id), "<none>");
}

TEST_F(OrgIsolationInvites, DeclinedOrRevokedThenAcceptIsRefused) {
  User decliner = sign_up("decliner@example.com");
  Invite inv = invite(owner_, org_a_, decliner.email, "member");
  Response declined = call(decliner, "POST", kCockpit + "/invitations/" + inv.token + "/decline");
  ASSERT_EQ(declined.status, 200) << declined;
  EXPECT_EQ(str(declined.json().at("status")), "declined") << declined;
  EXPECT_EQ(db_value("SELECT status FROM org_invitations WHERE id = ?", {inv.id}), "declined");

  auto before = snapshot();
  expect_refused(accept(decliner, inv.token), 409, "invitation_not_pending", before, "accept after decline");
  expect_refused(call(owner_, "DELETE", org_path(org_a_, "/invitations/" + inv.id)), 409, "invitation_not_pending", before,
                 "revoking a declined invitation");
  EXPECT_EQ(role_in(org_a_, decliner.id), "<none>");

  User revokee = sign_up("revokee@example.com");
  Invite inv2 = invite(owner_, org_a_, revokee.email, "admin");
  Response revoked = call(owner_, "DELETE", org_path(org_a_, "/invitations/" + inv2.id));
  ASSERT_EQ(revoked.status, 200) << revoked;
  before = snapshot();
  expect_refused(accept(revokee, inv2.token), 409, "invitation_not_pending", before, "accept after revoke");
  EXPECT_EQ(role_in(org_a_, revokee.id), "<none>");
}

// ---------------------------------------------------------------------------------------------
// 5. The last owner

class OrgIsolationOwners : public OrgIsolationMatrix {};

TEST_F(OrgIsolationOwners, TheLastOwnerCannotLeaveBeDemotedOrRemovedUntilThereIsAnother) {
  auto before = snapshot();
  expect_refused(call(owner_, "POST", org_path(org_a_, "/leave")), 409, "last_owner", before, "last owner leaves");
  expect_refused(set_role(owner_, org_a_, owner_.id, "admin"), 409, "last_owner", before, "last owner demotes itself");
  expect_refused(set_role(owner_, org_a_, owner_.id, "member"), 409, "last_owner", before, "last owner to member");
  expect_refused(call(owner_, "DELETE", org_path(org_a_, "/members/" + owner_.id)), 409, "last_owner", before,
                 "last owner removes itself");
  EXPECT_EQ(role_in(org_a_, owner_.id), "owner");

  // A second owner frees the first.
  Response promoted = set_role(owner_, org_a_, admin_.id, "owner");
  ASSERT_EQ(promoted.status, 200) << promoted;
  EXPECT_EQ(role_in(org_a_, admin_.id), "owner");
  Response left = call(owner_, "POST", org_path(org_a_, "/leave"));
  ASSERT_EQ(left.status, 204) << left;
  EXPECT_EQ(role_in(org_a_, owner_.id), "<none>");
  before = snapshot();
  expect_refused(call(owner_, "GET", org_path(org_a_)), 403, "not_a_member", before, "the owner that left");

  // Now the other one is the last.
  expect_refused(call(admin_, "POST", org_path(org_a_, "/leave")), 409, "last_owner", before, "new last owner leaves");
  expect_refused(set_role(admin_, org_a_, admin_.id, "admin"), 409, "last_owner", before, "new last owner demotes");
  expect_refused(call(admin_, "DELETE", org_path(org_a_, "/members/" + admin_.id)), 409, "last_owner", before,
                 "new last owner removes itself");
  EXPECT_EQ(db_count("SELECT count(*) FROM org_memberships WHERE org_id = ? AND role = 'owner'", {org_a_}), 1);
}

TEST_F(OrgIsolationOwners, WithTwoOwnersOneMayDemoteOrRemoveTheOther) {
  ASSERT_EQ(set_role(owner_, org_a_, admin_.id, "owner").status, 200);
  Response demoted = set_role(admin_, org_a_, owner_.id, "admin");
  ASSERT_EQ(demoted.status, 200) << demoted;
  EXPECT_EQ(role_in(org_a_, owner_.id), "admin");
  // ...and the one left cannot be demoted by the demoted one, nor demote itself.
  auto before = snapshot();
  expect_refused(set_role(owner_, org_a_, admin_.id, "admin"), 403, "owner_required", before,
                 "demoted ex-owner demotes the owner");
  expect_refused(set_role(admin_, org_a_, admin_.id, "member"), 409, "last_owner", before, "the last owner demotes itself");
}

// ---------------------------------------------------------------------------------------------
// 6. No escalation

class OrgIsolationRbac : public OrgIsolationMatrix {};

TEST_F(OrgIsolationRbac, AMemberCannotChangeRolesNotEvenItsOwn) {
  for (const auto& [target, role] : std::vector<std::pair<std::string, std::string>>{
           {member_.id, "admin"}, {member_.id, "owner"}, {admin_.id, "member"}, {owner_.id, "member"}}) {
    auto before = snapshot();
    expect_refused(set_role(member_, org_a_, target, role), 403, "permission_denied", before,
                   "member sets " + target + " to " + role);
  }
  auto before = snapshot();
  expect_refused(call(member_, "DELETE", org_path(org_a_, "/members/" + admin_.id)), 403, "permission_denied", before,
                 "member removes the admin");
  expect_refused(call(member_, "POST", org_path(org_a_, "/invitations"), R"({"email":"friend@example.com","role":"owner"})"),
                 403, "permission_denied", before, "member invites an owner");
  expect_refused(call(member_, "POST", org_path(org_a_, "/roles"), R"({"key":"mine","name":"M","permissions":[]})"), 403,
                 "permission_denied", before, "member creates a role");
  EXPECT_EQ(role_in(org_a_, member_.id), "member");
}

TEST_F(OrgIsolationRbac, AnAdminCannotMakeOrUnmakeOwners) {
  struct Probe {
    std::string method, path, body, what;
  };
  const std::vector<Probe> probes = {
      {"PATCH", org_path(org_a_, "/members/" + member_.id), R"({"role":"owner"})", "admin makes a member owner"},
      {"PATCH", org_path(org_a_, "/members/" + admin_.id), R"({"role":"owner"})", "admin makes itself owner"},
      {"PATCH", org_path(org_a_, "/members/" + owner_.id), R"({"role":"admin"})", "admin demotes the owner"},
      {"DELETE", org_path(org_a_, "/members/" + owner_.id), "", "admin removes the owner"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":"boss@example.com","role":"owner"})",
       "admin invites an owner"},
  };
  for (const auto& p : probes) {
    auto before = snapshot();
    expect_refused(call(admin_, p.method, p.path, p.body), 403, "owner_required", before, p.what);
  }
  EXPECT_EQ(role_in(org_a_, owner_.id), "owner");
  EXPECT_EQ(role_in(org_a_, admin_.id), "admin");
  EXPECT_EQ(role_in(org_a_, member_.id), "member");
  // What an admin may do: give the admin role.
  Response ok = set_role(admin_, org_a_, member_.id, "admin");
  EXPECT_EQ(ok.status, 200) << ok;
}

TEST_F(OrgIsolationRbac, AnAdminCannotHandOutOrgDelete) {
  auto before = snapshot();
  expect_refused(call(admin_, "POST", org_path(org_a_, "/roles"),
                      R"({"key":"deleter","name":"Deleter","permissions":["org:delete"]})"),
                 403, "permission_escalation", before, "admin creates a role with org:delete");
  expect_refused(call(admin_, "POST", org_path(org_a_, "/roles"),
                      R"({"key":"deleter","name":"Deleter","permissions":["members:read","org:delete"]})"),
                 403, "permission_escalation", before, "admin creates a role with org:delete among others");
  EXPECT_EQ(db_count("SELECT count(*) FROM roles WHERE key = 'deleter'"), 0);

  // Nor add it to a role afterwards.
  create_role(admin_, org_a_, "helper", {"members:read"});
  before = snapshot();
  expect_refused(call(admin_, "POST", org_path(org_a_, "/roles/helper/permissions"), R"({"permission":"org:delete"})"), 403,
                 "permission_escalation", before, "admin grants org:delete");
  expect_refused(call(admin_, "PATCH", org_path(org_a_, "/roles/helper"), R"({"permissions":["members:read","org:delete"]})"),
                 403, "permission_escalation", before, "admin replaces permissions with org:delete");
  // System roles are read-only even for the owner.
  expect_refused(call(owner_, "POST", org_path(org_a_, "/roles/admin/permissions"), R"({"permission":"org:delete"})"), 403,
                 "system_role", before, "owner grants org:delete to the system admin role");
  expect_refused(call(owner_, "PATCH", org_path(org_a_, "/roles/member"), R"({"permissions":["members:manage"]})"), 403,
                 "system_role", before, "owner changes the system member role");
  expect_refused(call(owner_, "DELETE", org_path(org_a_, "/roles/owner")), 403, "system_role", before,
                 "owner deletes the system owner role");
  EXPECT_EQ(db_count("SELECT count(*) FROM role_permissions WHERE role_id = 'sys_admin' AND permission_key = 'org:delete'"), 0);
  // The owner may.
  Response ok = call(owner_, "POST", org_path(org_a_, "/roles/helper/permissions"), R"({"permission":"org:delete"})");
  EXPECT_EQ(ok.status, 200) << ok;
}

TEST_F(OrgIsolationRbac, ACustomManagerRoleCannotGiveMoreThanItHas) {
  create_role(owner_, org_a_, "manager", {"members:read", "members:manage", "invitations:manage"});
  User manager = sign_up("manager@example.com");
  join(org_a_, owner_, manager, "manager");
  User viewer = sign_up("viewer@example.com");
  join(org_a_, owner_, viewer, "member");

  struct Probe {
    std::string method, path, body, code, what;
  };
  const std::vector<Probe> probes = {
      {"PATCH", org_path(org_a_, "/members/" + viewer.id), R"({"role":"admin"})", "permission_escalation",
       "manager makes someone admin"},
      {"PATCH", org_path(org_a_, "/members/" + manager.id), R"({"role":"admin"})", "permission_escalation",
       "manager makes itself admin"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":"new@example.com","role":"admin"})", "permission_escalation",
       "manager invites an admin"},
      {"PATCH", org_path(org_a_, "/members/" + viewer.id), R"({"role":"owner"})", "owner_required",
       "manager makes someone owner"},
      {"PATCH", org_path(org_a_), R"({"name":"Managed"})", "permission_denied", "manager renames the org"},
      {"POST", org_path(org_a_, "/roles/manager/permissions"), R"({"permission":"roles:manage"})", "permission_denied",
       "manager widens its own role"},
  };
  for (const auto& p : probes) {
    auto before = snapshot();
    expect_refused(call(manager, p.method, p.path, p.body), 403, p.code, before, p.what);
  }
  // Within its own permissions it works.
  Response ok = set_role(manager, org_a_, viewer.id, "manager");
  EXPECT_EQ(ok.status, 200) << ok;
  EXPECT_EQ(role_in(org_a_, viewer.id), "manager");
}

TEST_F(OrgIsolationRbac, AScopedApiKeyActsWithinItsScopesOnly) {
  Response created = call(owner_, "POST", "/auth/api-keys", R"({"name":"reader","scopes":["members:read"]})");
  ASSERT_EQ(created.status, 201) << created;
  const User key{owner_.id, owner_.email, str(created.json().at("key"))};

  Response read = call(key, "GET", org_path(org_a_, "/members"));
  EXPECT_EQ(read.status, 200) << read;
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PATCH", org_path(org_a_), R"({"name":"Via key"})"},
           {"DELETE", org_path(org_a_), ""},
           {"PATCH", org_path(org_a_, "/members/" + member_.id), R"({"role":"admin"})"},
           {"POST", org_path(org_a_, "/invitations"), R"({"email":"k@example.com"})"},
           {"POST", org_path(org_a_, "/roles"), R"({"key":"viakey","name":"K","permissions":[]})"}}) {
    auto before = snapshot();
    expect_refused(call(key, method, path, body), 403, "permission_denied", before, "scoped key: " + method + " " + path);
  }
  // A key cannot mint keys either.
  auto before = snapshot();
  expect_refused(call(key, "POST", "/auth/api-keys", R"({"name":"more"})"), 403, "insufficient_scope", before,
                 "a key minting keys");
}

// Deny by default: every operation the OpenAPI document says needs credentials, called with a
// key scoped to members:read. Only operations whose bearer requirement lists scopes the key
// covers may run; everything else is 403 and changes nothing (password, keys, orgs, the demo's
// own actions, which declare no scope at all).
TEST_F(OrgIsolationRbac, AScopedApiKeyIsRefusedEveryActionOutsideItsScopes) {
  Response created = call(owner_, "POST", "/auth/api-keys", R"({"name":"reader","scopes":["members:read"]})");
  ASSERT_EQ(created.status, 201) << created;
  const User key{owner_.id, owner_.email, str(created.json().at("key"))};
  Response doc = anonymous("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200) << doc;

  int tried = 0, allowed = 0;
  const boost::json::value spec = doc.json();
  for (const auto& [path, item] : spec.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      const auto& security = op.at("security").as_array();
      if (security.empty()) continue;  // public: a key grants nothing there
      const auto& needed = security[0].as_object().at("bearerAuth").as_array();
      const bool covered = needed.size() == 1 && needed[0].as_string() == "members:read";
      // Path parameters: org A for the organization, a placeholder for the rest.
      std::string url(path);
      for (std::size_t open; (open = url.find('{')) != std::string::npos;) {
        const auto close = url.find('}', open);
        url.replace(open, close - open + 1, url.compare(open, close - open + 1, "{orgId}") == 0 ? org_a_ : "none");
      }
      std::string verb(method);
      std::transform(verb.begin(), verb.end(), verb.begin(), [](unsigned char c) { return std::toupper(c); });
      auto before = snapshot();
      Response r = call(key, verb, url, verb == "GET" || verb == "DELETE" ? "" : "{}", {{"X-Org-Id", org_a_}});
      ++tried;
      if (covered) {
        ++allowed;
        EXPECT_NE(r.status, 403) << verb << " " << url << " is within members:read\n" << r;
        continue;
      }
      SCOPED_TRACE(verb + " " + url);
      ASSERT_EQ(r.status, 403) << r;
      const std::string code = str(r.json().at("code"));
      EXPECT_TRUE(code == "insufficient_scope" || code == "permission_denied" || code == "operator_only") << r;
      EXPECT_EQ(diff(before, snapshot()), "");
    }
  }
  std::cerr << "[ scope matrix: " << tried << " credentialed operations, " << allowed
            << " within members:read, the rest refused ]\n";
  EXPECT_GE(tried, 30);
  EXPECT_EQ(allowed, 1);  // listMembers

  // A key carrying a declared scope gets exactly that action.
  Response creator = call(owner_, "POST", "/auth/api-keys", R"({"name":"creator","scopes":["orgs:create"]})");
  ASSERT_EQ(creator.status, 201) << creator;
  const User org_key{owner_.id, owner_.email, str(creator.json().at("key"))};
  EXPECT_EQ(call(org_key, "POST", kCockpit + "/orgs", R"({"name":"Made by key","slug":"made-by-key"})").status, 201);
  Response leave = call(org_key, "POST", org_path(org_a_, "/leave"));
  EXPECT_EQ(leave.status, 403) << leave;
  EXPECT_EQ(str(leave.json().at("code")), "insufficient_scope") << leave;
}

// ---------------------------------------------------------------------------------------------
// The demo's own /users API shares the users table with auth and the organizations.

class OrgIsolationDemoUsers : public OrgIsolationMatrix {};

TEST_F(OrgIsolationDemoUsers, AnotherTenantCannotChangeOrDeleteOrgAsOwnerThroughTheUsersApi) {
  // The outsider (owner of B, nothing in A) goes for A's only owner through /users/:id.
  auto before = snapshot();
  Response renamed = call(outsider_, "PATCH", "/users/" + owner_.id, R"({"name":"Pwned","email":"pwned@example.com"})");
  EXPECT_TRUE(renamed.status == 403 || renamed.status == 404)
      << "B's owner changed the email of A's owner through PATCH /users/:id\n" << renamed;
  EXPECT_EQ(diff(before, snapshot()), "");
  before = snapshot();
  Response deleted = call(outsider_, "DELETE", "/users/" + owner_.id);
  EXPECT_TRUE(deleted.status == 403 || deleted.status == 404)
      << "B's owner deleted the account of A's only owner through DELETE /users/:id\n" << deleted;
  EXPECT_EQ(diff(before, snapshot()), "");
  EXPECT_EQ(db_count("SELECT count(*) FROM org_memberships WHERE org_id = ? AND role = 'owner'", {org_a_}), 1)
      << "org A was left without an owner";
}

// ---------------------------------------------------------------------------------------------
// 7. Bad input

class OrgIsolationInput : public OrgIsolationMatrix {};

TEST_F(OrgIsolationInput, BadInputIsAClear4xxAndChangesNothing) {
  const std::string other_org = create_org(owner_, "other-org");
  const std::string huge(100000, 'x');
  struct Probe {
    std::string method, path, body;
    int status;
    std::string code;  // "" : any 4xx problem
  };
  const std::string orgs = kCockpit + "/orgs";
  const std::string member_path = org_path(org_a_, "/members/" + member_.id);
  std::string many_perms = "[";
  for (int i = 0; i < 101; ++i) many_perms += std::string(i ? "," : "") + "\"members:read\"";
  many_perms += "]";
  const std::vector<Probe> probes = {
      // Malformed JSON.
      {"POST", orgs, "{", 400, "malformed_json"},
      {"POST", orgs, R"({"name":"X","slug":"ok-slug",})", 400, "malformed_json"},
      {"POST", orgs, R"({"name":"X" "slug":"ok-slug"})", 400, "malformed_json"},
      {"PATCH", member_path, R"({"role":)", 400, "malformed_json"},
      {"POST", org_path(org_a_, "/roles"), "{'key':'x'}", 400, "malformed_json"},
      // Wrong types and missing fields.
      {"POST", orgs, R"({"name":123,"slug":"ok-slug"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":["ok-slug"]})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X"})", 400, "validation_failed"},
      {"POST", orgs, "[]", 400, "validation_failed"},
      {"POST", orgs, R"("org")", 400, "validation_failed"},
      {"PATCH", member_path, R"({"role":1})", 400, "validation_failed"},
      {"PATCH", member_path, R"({"role":null})", 400, "validation_failed"},
      {"PATCH", member_path, "{}", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"k1","name":"K","permissions":"members:read"})", 400,
       "validation_failed"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":42})", 400, "validation_failed"},
      {"PATCH", org_path(org_a_), R"({"name":false})", 400, "validation_failed"},
      // Bad slugs.
      {"POST", orgs, R"({"name":"X","slug":"Bad Slug"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":"-leading"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":"a"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":"UPPER"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":"sl\u00fcg"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":")" + std::string(64, 'a') + "\"}", 400, "validation_failed"},
      {"PATCH", org_path(org_a_), R"({"slug":"Not OK"})", 400, "validation_failed"},
      // Duplicate slugs.
      {"POST", orgs, R"({"name":"Copy","slug":"org-a"})", 409, "slug_taken"},
      {"POST", orgs, R"({"name":"Copy","slug":"org-b"})", 409, "slug_taken"},  // someone else's org
      {"PATCH", org_path(other_org), R"({"slug":"org-a"})", 409, "slug_taken"},
      // Unknown and malformed role keys, unknown permissions, system roles.
      {"PATCH", member_path, R"({"role":"ghost"})", 400, "unknown_role"},
      {"PATCH", member_path, R"({"role":"Bad Role"})", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":"g@example.com","role":"ghost"})", 400, "unknown_role"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":"not-an-email"})", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"owner","name":"Shadow","permissions":[]})", 409, "role_exists"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"Bad Key","name":"K","permissions":[]})", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"k2","name":"K","permissions":["nope:nope"]})", 400,
       "unknown_permission"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"k3","name":"K","permissions":)" + many_perms + "}", 400,
       "validation_failed"},
      {"POST", org_path(org_a_, "/roles/ghost/permissions"), R"({"permission":"members:read"})", 404, "role_not_found"},
      {"PATCH", org_path(org_a_, "/members/" + kUnknownOrg), R"({"role":"admin"})", 404, "member_not_found"},
      {"DELETE", org_path(org_a_, "/invitations/" + kUnknownOrg), "", 404, "invitation_not_found"},
      // Huge strings.
      {"POST", orgs, R"({"name":")" + huge + R"(","slug":"huge-name"})", 400, "validation_failed"},
      {"POST", orgs, R"({"name":"X","slug":")" + huge + "\"}", 400, "validation_failed"},
      {"PATCH", org_path(org_a_), R"({"name":")" + huge + "\"}", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/invitations"), R"({"email":")" + huge + R"(@example.com"})", 400, "validation_failed"},
      {"PATCH", member_path, R"({"role":")" + huge + "\"}", 400, "validation_failed"},
      {"POST", org_path(org_a_, "/roles"), R"({"key":"k4","name":"K","description":")" + huge + R"(","permissions":[]})",
       400, "validation_failed"},
      // Huge path segments.
      {"GET", org_path(std::string(5000, 'a')), "", 0, ""},
      {"PATCH", org_path(org_a_, "/roles/" + std::string(5000, 'r')), R"({"name":"R"})", 0, ""},
      {"DELETE", org_path(org_a_, "/members/" + std::string(5000, 'u')), "", 0, ""},
      {"POST", kCockpit + "/invitations/" + std::string(5000, 't') + "/accept", "", 0, ""},
  };
  for (const auto& p : probes) {
    const std::string where = p.method + " " + p.path.substr(0, 120) + " " + p.body.substr(0, 120);
    SCOPED_TRACE(where);
    const auto before = snapshot();
    Response r = call(owner_, p.method, p.path, p.body);
    EXPECT_GE(r.status, 400) << r;
    EXPECT_LT(r.status, 500) << "a server error for bad input\n" << r;
    if (!p.code.empty()) {
      expect_problem(r, p.status, p.code);
    } else if (p.status) {
      EXPECT_EQ(r.status, p.status) << r;
    }
    if (r.status >= 400) {
      EXPECT_THAT(r.header("content-type").value_or(""), StartsWith("application/problem+json")) << r;
    }
    const std::string changed = diff(before, snapshot());
    EXPECT_TRUE(changed.empty()) << where << " changed the database:\n" << changed;
  }
  // A body over the 1 MiB limit: 413, read on a raw connection (the server may stop reading early).
  {
    const auto before = snapshot();
    Connection c(server.port());
    c.send_raw(Connection::build_request(
        "POST", orgs, R"({"name":")" + std::string(2 * 1024 * 1024, 'x') + R"(","slug":"too-big"})",
        {{"Authorization", "Bearer " + owner_.token}}));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "no response to a body over 1 MiB";
    expect_problem(*r, 413, "payload_too_large", Instance::optional);
    EXPECT_EQ(diff(before, snapshot()), "");
  }
  expect_still_serving();
  // The org is as it was, and still works.
  Response a = call(owner_, "GET", org_path(org_a_));
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(str(a.json().at("organization").at("slug")), "org-a");
  EXPECT_EQ(str(a.json().at("organization").at("name")), "Org org-a");
  EXPECT_EQ(role_in(org_a_, member_.id), "member");
  EXPECT_EQ(db_count("SELECT count(*) FROM organizations"), 3);
}

}  // namespace
}  // namespace bbit
