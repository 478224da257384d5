// The demo's OpenAPI document with every built-in module on (auth, organizations, plans,
// subscriptions, Stripe billing, MCP): `saas-demo openapi --out FILE` writes it,
// @apidevtools/swagger-parser validates it (tests/js/openapi_validate.mjs), @redocly/cli lints it
// with its recommended rules (tests/js/redocly.yaml, offline, no telemetry) with zero errors, and
// GET /openapi.json on the running demo answers the same document.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;

// Stripe configured (its webhook route appears), pointed at a port nothing listens on.
ServerOptions every_module() {
  return {.env = {{"STRIPE_SECRET_KEY", "sk_test_openapi"},
                  {"STRIPE_WEBHOOK_SECRET", "whsec_openapi"},
                  {"BUNBASE_STRIPE_API_BASE", "http://127.0.0.1:9"}},
          .sign_in = false};
}

TEST(OpenApi, CliDocumentIsValidAndServedAtOpenapiJson) {
  DemoServer server(every_module());
  const auto file = server.dir() / "openapi.json";
  ServerOptions o = every_module();
  o.env["DATABASE_URL"] = server.db_url();
  Completed cli =
      run_to_end(kSaasDemo, {"openapi", "--out", file.string()},
                 ProcessOptions{.cwd = server.dir().path(), .env = o.env, .name = "openapi"});
  ASSERT_EQ(cli.code, 0) << cli.err;
  json::value doc = json::parse(read_file(file));

  Completed check = run_to_end(kNode, {kJsDir + "/openapi_validate.mjs", file.string()},
                               ProcessOptions{.cwd = server.dir().path(), .name = "swagger-parser"},
                               std::chrono::seconds(30));
  EXPECT_EQ(check.code, 0) << "stdout: " << check.out << "\nstderr: " << check.err;
  EXPECT_NE(check.out.find("valid"), std::string::npos);

  // Redocly's recommended ruleset: no errors; warnings are printed.
  Completed lint = run_to_end(
      kNode,
      {kJsDir + "/node_modules/@redocly/cli/bin/cli.js", "lint", "--config",
       kJsDir + "/redocly.yaml", "--format=json", file.string()},
      ProcessOptions{.cwd = server.dir().path(),
                     .env = {{"REDOCLY_TELEMETRY", "off"}, {"REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"}},
                     .name = "redocly"},
      std::chrono::seconds(60));
  json::value report;
  try {
    report = json::parse(lint.out);
  } catch (const std::exception& e) {
    FAIL() << "redocly lint printed no JSON (" << e.what() << ")\nstdout: " << lint.out
           << "\nstderr: " << lint.err;
  }
  for (const auto& p : report.at("problems").as_array()) {
    std::string where;
    if (auto* loc = p.as_object().if_contains("location"); loc && !loc->as_array().empty())
      where = json::value_to<std::string>(loc->as_array()[0].at("pointer"));
    std::cout << "[redocly " << json::value_to<std::string>(p.at("severity")) << "] "
              << json::value_to<std::string>(p.at("ruleId")) << " at " << where << ": "
              << json::value_to<std::string>(p.at("message")) << "\n";
  }
  const auto& totals = report.at("totals");
  std::cout << "[redocly] " << totals.at("errors").as_int64() << " errors, "
            << totals.at("warnings").as_int64() << " warnings\n";
  EXPECT_EQ(totals.at("errors").as_int64(), 0) << lint.out;

  Response r = http(server.port(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(r.json(), doc);

  // Spot checks: the built-in modules' operations, a path parameter, security and shared types.
  const auto& paths = doc.at("paths").as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(doc.at("info").at("title").as_string(), "saas-demo");
  EXPECT_TRUE(paths.contains("/auth/sign-up"));
  bool templated = false, secured = false, webhook = false;
  std::size_t operations = 0;
  for (const auto& p : paths) {
    templated = templated || p.key().find('{') != std::string::npos;
    EXPECT_EQ(p.key().find(':'), std::string::npos) << p.key();
    for (const auto& m : p.value().as_object()) {
      ++operations;
      secured = secured || !m.value().at("security").as_array().empty();
      webhook = webhook || p.key().find("stripe") != std::string::npos;
    }
  }
  EXPECT_TRUE(templated);
  EXPECT_TRUE(secured);
  EXPECT_TRUE(webhook) << "the Stripe webhook route is documented";
  EXPECT_GT(operations, 20u);
  EXPECT_GT(doc.at("components").at("schemas").as_object().size(), 10u);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace bbit
