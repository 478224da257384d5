// The demo's own tests: its actions run in-process through the real executor on an in-memory
// SQLite, exactly as a user of bunbase tests an app.
#include <bunbase/testing/test_app.hpp>
#include <gtest/gtest.h>

#include "modules/users/users.hpp"

namespace {

using bb::testing::TestApp;
namespace json = boost::json;

// The demo's configuration: auth and organizations on, as in its bunbase.toml.
bb::Config demo_config() {
  bb::Config c = TestApp::test_config();
  c.auth.enabled = true;
  c.saas.organizations = true;
  return c;
}

// The operator (the system principal, as from the CLI) passes authenticated() and admin_only().
const bb::testing::CallOptions kSignedIn{.auth = bb::Auth::system()};

TEST(Users, AnonymousCallersAreRefused) {
  TestApp app(bunbase_app(), demo_config());
  auto r = app.run("listUsers");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::unauthenticated);
}

TEST(Users, SignedUpUserSeesTheUsersModule) {
  TestApp app(bunbase_app(), demo_config());
  auto signed_up = app.run("signUp", {{"email", "ada@example.com"}, {"password", "correct horse"}, {"name", "Ada"}});
  ASSERT_TRUE(signed_up.ok()) << signed_up.error->message();
  // Sign-up signs nobody in (it answers the same for a taken email): the session is signIn's.
  auto session = app.run("signIn", {{"email", "ada@example.com"}, {"password", "correct horse"}});
  ASSERT_TRUE(session.ok()) << session.error->message();
  const std::string id(session.output.at("user").at("id").as_string());
  auto user = app.call<demo::User>("getUser", {{"id", id}}, {.auth = bb::Auth::user(id)});
  EXPECT_EQ(user.email, "ada@example.com");
  EXPECT_EQ(user.role, demo::Role::user);  // the demo's column on the auth module's table
}

TEST(Users, OnlyAdminsManageOtherAccounts) {
  TestApp app(bunbase_app(), demo_config());
  auto sign_up = [&](const std::string& email) {
    EXPECT_TRUE(app.run("signUp", {{"email", email}, {"password", "correct horse"}, {"name", "N"}}).ok());
    auto r = app.run("signIn", {{"email", email}, {"password", "correct horse"}});
    EXPECT_TRUE(r.ok());
    return std::string(r.output.at("user").at("id").as_string());
  };
  const std::string ada = sign_up("ada@example.com"), bob = sign_up("bob@example.com");
  const bb::testing::CallOptions as_bob{.auth = bb::Auth::user(bob)};

  EXPECT_EQ(app.run("listUsers", json::object(), as_bob).error->kind(), bb::ErrorCode::permission_denied);
  EXPECT_EQ(app.run("updateUser", {{"id", ada}, {"name", "Pwned"}}, as_bob).error->kind(), bb::ErrorCode::permission_denied);
  EXPECT_EQ(app.run("deleteUser", {{"id", ada}}, as_bob).error->kind(), bb::ErrorCode::permission_denied);
  EXPECT_EQ(app.run("createUser", {{"email", "c@example.com"}, {"name", "C"}}, as_bob).error->kind(),
            bb::ErrorCode::permission_denied);
  EXPECT_EQ(app.run("getUser", {{"id", ada}}, as_bob).error->kind(), bb::ErrorCode::not_found) << "others look missing";
  EXPECT_TRUE(app.run("getUser", {{"id", bob}}, as_bob).ok()) << "one's own account is readable";
  EXPECT_EQ(app.call<demo::User>("getUser", {{"id", ada}}, kSignedIn).name, "N") << "nothing changed";

  // An admin (users.role = 'admin') may.
  app.db().exec("UPDATE users SET role = 'admin' WHERE id = $1", {bob});
  EXPECT_TRUE(app.run("updateUser", {{"id", ada}, {"name", "Ada"}}, as_bob).ok());
  EXPECT_TRUE(app.run("listUsers", json::object(), as_bob).ok());
}

TEST(Users, CreateThenGet) {
  TestApp app(bunbase_app(), demo_config());
  auto created = app.call<demo::CreateUserOutput>("createUser", {{"email", "ada@example.com"}, {"name", "Ada"}}, kSignedIn);
  EXPECT_EQ(created.email, "ada@example.com");
  EXPECT_EQ(created.id.size(), 36u);

  auto user = app.call<demo::User>("getUser", {{"id", created.id}}, kSignedIn);
  EXPECT_EQ(user.name, "Ada");
  EXPECT_EQ(user.role, demo::Role::user);
}

TEST(Users, DuplicateEmailIsConflictWhateverTheCase) {
  TestApp app(bunbase_app(), demo_config());
  ASSERT_TRUE(app.run("createUser", {{"email", "ada@example.com"}, {"name", "Ada"}}, kSignedIn).ok());
  auto r = app.run("createUser", {{"email", "ADA@example.com"}, {"name", "Other"}}, kSignedIn);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::conflict);
  EXPECT_EQ(r.error->code(), "email_taken");
}

TEST(Users, UnknownIdIsNotFound) {
  TestApp app(bunbase_app(), demo_config());
  auto r = app.run("getUser", {{"id", "0190c1a2-0000-7000-8000-000000000000"}}, kSignedIn);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::not_found);
}

TEST(Users, InvalidInputListsEveryFailure) {
  TestApp app(bunbase_app(), demo_config());
  auto r = app.run("createUser", {{"email", "not-an-email"}, {"name", ""}, {"role", "root"}, {"extra", 1}}, kSignedIn);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code(), "validation_failed");
  const auto& errors = r.error->details().at("errors").as_array();
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(std::string(e.at("path").as_string()));
  EXPECT_EQ(paths, (std::set<std::string>{"/email", "/name", "/role", "/extra"}));
}

TEST(Users, ListPaginatesAndUpdateDelete) {
  TestApp app(bunbase_app(), demo_config());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(app.run("createUser", {{"email", "u" + std::to_string(i) + "@example.com"}, {"name", "U"}}, kSignedIn).ok());
  auto page = app.call<demo::ListUsersOutput>("listUsers", {{"limit", 2}, {"offset", 1}}, kSignedIn);
  EXPECT_EQ(page.total, 5);
  ASSERT_EQ(page.users.size(), 2u);
  EXPECT_EQ(page.users[0].email, "u1@example.com");

  auto r = app.run("listUsers", {{"limit", 101}}, kSignedIn);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::invalid_argument);

  const std::string id = page.users[0].id;
  auto updated = app.call<demo::User>("updateUser", {{"id", id}, {"name", "Renamed"}, {"role", "admin"}}, kSignedIn);
  EXPECT_EQ(updated.name, "Renamed");
  EXPECT_EQ(updated.role, demo::Role::admin);

  auto clash = app.run("updateUser", {{"id", id}, {"email", "u0@example.com"}}, kSignedIn);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error->kind(), bb::ErrorCode::conflict);

  EXPECT_TRUE(app.call<demo::DeleteUserOutput>("deleteUser", {{"id", id}}, kSignedIn).deleted);
  EXPECT_EQ(app.run("deleteUser", {{"id", id}}, kSignedIn).error->kind(), bb::ErrorCode::not_found);
}

TEST(Users, RunsAreRecordedWithTheirLogs) {
  TestApp app(bunbase_app(), demo_config());
  auto r = app.run("createUser", {{"email", "ada@example.com"}, {"name", "Ada"}}, kSignedIn);
  ASSERT_TRUE(r.ok());
  app.flush();
  auto run = app.db().query_one("SELECT * FROM action_runs WHERE id = $1", {r.run_id});
  ASSERT_TRUE(run);
  EXPECT_EQ(run->at("action_name").as_string(), "createUser");
  EXPECT_EQ(run->at("module_name").as_string(), "users");
  EXPECT_EQ(run->at("trigger_type").as_string(), "test");
  EXPECT_EQ(run->at("status").as_string(), "success");
  auto logs = app.db().query("SELECT message FROM action_logs WHERE run_id = $1", {r.run_id});
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].at("message").as_string(), "user created");
}

TEST(Users, StandaloneActionIsRegistered) {
  TestApp app(bunbase_app(), demo_config());
  auto r = app.run("ping", json::object(), kSignedIn);
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.output.at("message").as_string(), "pong");
  EXPECT_EQ(r.output.at("database").as_string(), app.db().dialect());
}

}  // namespace
