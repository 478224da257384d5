#include "bunbase/runtime/executor.hpp"

#include <gtest/gtest.h>

#include "bunbase/db/database.hpp"
#include "bunbase/runtime/app.hpp"
#include "bunbase/testing/test_app.hpp"

namespace {

namespace json = boost::json;

struct EchoIn {
  bb::String<bb::MinLength<1>> text;
  std::optional<std::string> mode;
};
BOOST_DESCRIBE_STRUCT(EchoIn, (), (text, mode))

struct EchoOut {
  std::string text;
  bb::Int<bb::Minimum<0>> length;
};
BOOST_DESCRIBE_STRUCT(EchoOut, (), (text, length))

// Secrets by type: at the top, nested in a list of objects, in a map and optional.
struct Credential {
  std::string name;
  bb::Secret<bb::String<bb::MinLength<1>>> value;
};
BOOST_DESCRIBE_STRUCT(Credential, (), (name, value))

struct VaultIn {
  bb::Secret<> password;
  std::vector<Credential> credentials;
  std::map<std::string, bb::Secret<>> extra;
  std::optional<bb::Secret<>> maybe;
};
BOOST_DESCRIBE_STRUCT(VaultIn, (), (password, credentials, extra, maybe))

struct VaultOut {
  bb::Secret<> token;
  std::size_t length = 0;
};
BOOST_DESCRIBE_STRUCT(VaultOut, (), (token, length))

std::vector<std::string>* g_order = nullptr;

bb::Guard recording_guard(std::string name) {
  return bb::Guard(name, [name](bb::Context&) { g_order->push_back(name); });
}

bb::Module echo_module() {
  auto echo = bb::action<EchoIn, EchoOut>(
      {.name = "echo",
       .guards = {recording_guard("action-1"), recording_guard("action-2")}},
      [](const EchoIn& in, bb::Context& ctx) -> EchoOut {
        g_order->push_back("handler");
        ctx.log.info("echoing", {{"text", in.text}});
        if (in.mode == "throw-error") throw bb::Error(bb::ErrorCode::conflict, "taken").with_code("taken");
        if (in.mode == "throw-std") throw std::runtime_error("secret internal detail");
        if (in.mode == "bad-output") return {in.text, -1};
        if (in.mode == "db-unique") {
          ctx.db.exec("CREATE TABLE IF NOT EXISTS t (k TEXT UNIQUE)");
          ctx.db.exec("INSERT INTO t (k) VALUES ('x')");
          ctx.db.exec("INSERT INTO t (k) VALUES ('x')");
        }
        return {in.text, static_cast<std::int64_t>(in.text.size())};
      });
  auto result = bb::action<EchoIn, EchoOut>(
      {.name = "resultEcho"}, [](const EchoIn& in, bb::Context&) -> bb::Result<EchoOut> {
        if (in.text == "no") return bb::Error(bb::ErrorCode::not_found, "nothing");
        return EchoOut{in.text, 1};
      });
  auto secret = bb::action<EchoIn, EchoOut>(
      {.name = "secretEcho", .redact = {"text"}},
      [](const EchoIn& in, bb::Context&) { return EchoOut{in.text, static_cast<std::int64_t>(in.text.size())}; });
  auto vault = bb::action<VaultIn, VaultOut>({.name = "vault"}, [](const VaultIn& in, bb::Context&) {
    return VaultOut{.token = "tok-" + in.password, .length = in.password.size()};
  });
  auto guarded = bb::action<bb::Empty, bb::Empty>(
      {.name = "guarded",
       .guards = {[](bb::Context& ctx) {
         if (!ctx.auth.authenticated()) throw bb::GuardError(401, "sign in first");
       }, [](bb::Context& ctx) {
         if (ctx.auth.user_id != "admin") throw bb::GuardError(403, "admins only");
       }}},
      [](const bb::Empty&, bb::Context&) { return bb::Empty{}; });
  return bb::module({.name = "m",
                     .guards = {recording_guard("module-1"), recording_guard("module-2")},
                     .actions = {echo, result, secret, vault, guarded}});
}

const bb::AppManifest& manifest() {
  static const bb::AppManifest m{"executor-test", {&echo_module}, {}, {}};
  return m;
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override { g_order = &order; }
  std::vector<std::string> order;
  bb::testing::TestApp app{manifest()};
};

TEST_F(ExecutorTest, GuardsRunModuleFirstThenActionThenHandler) {
  auto r = app.run("echo", {{"text", "hi"}});
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(order, (std::vector<std::string>{"module-1", "module-2", "action-1", "action-2", "handler"}));
  EXPECT_EQ(r.output, (json::value{{"text", "hi"}, {"length", 2}}));
}

TEST_F(ExecutorTest, GuardsRunBeforeValidation) {
  auto r = app.run("guarded", {{"unexpected", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::unauthenticated);  // not a validation error
}

TEST_F(ExecutorTest, FirstFailingGuardDecides) {
  auto anonymous = app.run("guarded");
  EXPECT_EQ(anonymous.error->kind(), bb::ErrorCode::unauthenticated);
  EXPECT_EQ(anonymous.error->message(), "sign in first");
  auto user = app.run("guarded", json::object(), {.auth = bb::Auth::user("u1")});
  EXPECT_EQ(user.error->kind(), bb::ErrorCode::permission_denied);
  EXPECT_TRUE(app.run("guarded", json::object(), {.auth = bb::Auth::user("admin")}).ok());
}

TEST_F(ExecutorTest, ValidationFailureStopsBeforeTheHandler) {
  auto r = app.run("echo", {{"text", ""}, {"zzz", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::invalid_argument);
  EXPECT_EQ(r.error->code(), "validation_failed");
  EXPECT_EQ(r.error->details().at("errors").as_array().size(), 2u);
  EXPECT_TRUE(std::find(order.begin(), order.end(), "handler") == order.end());
}

TEST_F(ExecutorTest, ThousandsOfIssuesListAHundredAndCountTheRest) {
  json::object input{{"text", "x"}};
  for (int i = 0; i < 5000; ++i) input["unknown" + std::to_string(i)] = i;
  auto r = app.run("echo", input);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code(), "validation_failed");
  EXPECT_EQ(r.error->details().at("errors").as_array().size(), bb::kMaxListedErrors);
  EXPECT_EQ(r.error->details().at("errorsOmitted"), 5000 - static_cast<std::int64_t>(bb::kMaxListedErrors));
  EXPECT_NE(r.error->message().find("and 4999 more"), std::string::npos) << r.error->message();
  // A few issues are all listed, with nothing omitted.
  auto few = app.run("echo", {{"text", ""}, {"zzz", 1}});
  EXPECT_FALSE(few.error->details().as_object().contains("errorsOmitted"));
}

TEST_F(ExecutorTest, ErrorMapping) {
  auto thrown = app.run("echo", {{"text", "x"}, {"mode", "throw-error"}});
  EXPECT_EQ(thrown.error->kind(), bb::ErrorCode::conflict);
  EXPECT_EQ(thrown.error->code(), "taken");

  auto internal = app.run("echo", {{"text", "x"}, {"mode", "throw-std"}});
  EXPECT_EQ(internal.error->kind(), bb::ErrorCode::internal);
  EXPECT_EQ(internal.error->message(), "internal error");  // the cause is never returned

  auto bad_output = app.run("echo", {{"text", "x"}, {"mode", "bad-output"}});
  EXPECT_EQ(bad_output.error->kind(), bb::ErrorCode::internal);

  auto unique = app.run("echo", {{"text", "x"}, {"mode", "db-unique"}});
  EXPECT_EQ(unique.error->kind(), bb::ErrorCode::conflict);

  auto result = app.run("resultEcho", {{"text", "no"}});
  EXPECT_EQ(result.error->kind(), bb::ErrorCode::not_found);
  EXPECT_TRUE(app.run("resultEcho", {{"text", "yes"}}).ok());

  EXPECT_EQ(bb::http_status(bb::ErrorCode::invalid_argument), 400);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::unauthenticated), 401);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::permission_denied), 403);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::not_found), 404);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::conflict), 409);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::rate_limited), 429);
  EXPECT_EQ(bb::http_status(bb::ErrorCode::internal), 500);
  EXPECT_EQ(bb::GuardError(429, "slow down").kind(), bb::ErrorCode::rate_limited);
  EXPECT_EQ(bb::GuardError(418, "teapot").kind(), bb::ErrorCode::internal);
}

TEST_F(ExecutorTest, TraceIdIsKeptOrMade) {
  auto given = app.run("echo", {{"text", "x"}}, {.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"});
  EXPECT_EQ(std::string(given.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  auto fresh = app.run("echo", {{"text", "x"}});
  EXPECT_EQ(std::string(fresh.trace_id).size(), 32u);
  EXPECT_NE(std::string(fresh.trace_id), std::string(given.trace_id));
  EXPECT_NE(given.run_id, fresh.run_id);
}

TEST_F(ExecutorTest, RedactedPropertiesNeverReachTheRunHistory) {
  auto r = app.run("secretEcho", {{"text", "hunter22"}, {"mode", "m"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.output.at("text").as_string(), "hunter22") << "the caller still gets the value";
  app.flush();
  auto row = app.db().query_one("SELECT input, output FROM action_runs WHERE id = $1", {r.run_id});
  ASSERT_TRUE(row);
  EXPECT_EQ(json::parse(row->at("input").as_string()), (json::value{{"text", "[redacted]"}, {"mode", "m"}}));
  EXPECT_EQ(json::parse(row->at("output").as_string()), (json::value{{"text", "[redacted]"}, {"length", 8}}));
}

TEST_F(ExecutorTest, SecretMembersNeverReachTheRunHistory) {
  json::value input = json::parse(R"({"password":"hunter22","credentials":[{"name":"a","value":"s3cret-a"}],
                                      "extra":{"k":"s3cret-k"},"maybe":"s3cret-m"})");
  auto r = app.run("vault", input);
  ASSERT_TRUE(r.ok()) << (r.error ? r.error->message() : "");
  EXPECT_EQ(r.output.at("token").as_string(), "tok-hunter22") << "the caller still gets the value";
  auto absent = app.run("vault", json::parse(R"({"password":"pw","credentials":[],"extra":{}})"));
  ASSERT_TRUE(absent.ok());
  app.flush();
  auto row = app.db().query_one("SELECT input, output FROM action_runs WHERE id = $1", {r.run_id});
  ASSERT_TRUE(row);
  EXPECT_EQ(json::parse(row->at("input").as_string()),
            json::parse(R"({"password":"[redacted]","credentials":[{"name":"a","value":"[redacted]"}],
                           "extra":{"k":"[redacted]"},"maybe":"[redacted]"})"));
  EXPECT_EQ(json::parse(row->at("output").as_string()), json::parse(R"({"token":"[redacted]","length":8})"));
  row = app.db().query_one("SELECT input FROM action_runs WHERE id = $1", {absent.run_id});
  EXPECT_EQ(json::parse(row->at("input").as_string()), json::parse(R"({"password":"[redacted]","credentials":[],"extra":{}})"));
  // The schema says so too: documentation UIs mask it.
  auto schema = bb::schema_of<VaultIn>().to_json_schema();
  EXPECT_EQ(schema.at("properties").at("password").at("format"), "password") << schema;
}

TEST_F(ExecutorTest, EveryRunIsRecordedWithItsLogs) {
  auto ok = app.run("echo", {{"text", "hi"}}, {.trigger = "cli", .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"});
  auto failed = app.run("echo", {{"text", "x"}, {"mode", "throw-std"}});
  auto invalid = app.run("echo", {{"text", 5}});
  app.flush();
  auto row = app.db().query_one("SELECT * FROM action_runs WHERE id = $1", {ok.run_id});
  ASSERT_TRUE(row);
  EXPECT_EQ(row->at("action_name").as_string(), "echo");
  EXPECT_EQ(row->at("module_name").as_string(), "m");
  EXPECT_EQ(row->at("trigger_type").as_string(), "cli");
  EXPECT_EQ(row->at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(row->at("status").as_string(), "success");
  EXPECT_EQ(json::parse(row->at("input").as_string()), (json::value{{"text", "hi"}}));
  EXPECT_EQ(json::parse(row->at("output").as_string()), (json::value{{"text", "hi"}, {"length", 2}}));
  EXPECT_TRUE(row->at("error").is_null());
  EXPECT_GE(row->at("duration_ms").to_number<double>(), 0.0);

  auto err = app.db().query_one("SELECT * FROM action_runs WHERE id = $1", {failed.run_id});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->at("status").as_string(), "error");
  auto error = json::parse(err->at("error").as_string());
  EXPECT_EQ(error.at("code").as_string(), "internal");
  EXPECT_EQ(error.at("cause").as_string(), "secret internal detail");  // kept for the developer

  auto inv = app.db().query_one("SELECT * FROM action_runs WHERE id = $1", {invalid.run_id});
  ASSERT_TRUE(inv);
  EXPECT_EQ(json::parse(inv->at("error").as_string()).at("code").as_string(), "validation_failed");

  auto logs = app.db().query("SELECT level, message, meta FROM action_logs WHERE run_id = $1 ORDER BY id", {ok.run_id});
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].at("level").as_string(), "info");
  EXPECT_EQ(json::parse(logs[0].at("meta").as_string()), (json::value{{"text", "hi"}}));
  auto failure_logs = app.db().query("SELECT level FROM action_logs WHERE run_id = $1 AND level = 'error'", {failed.run_id});
  EXPECT_EQ(failure_logs.size(), 1u);
}

TEST_F(ExecutorTest, UnknownActionIsNotFound) {
  auto r = app.run("nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), bb::ErrorCode::not_found);
}

}  // namespace
