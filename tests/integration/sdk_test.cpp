// The TypeScript client `saas-demo sdk --lang ts --out DIR` writes for the demo (every built-in
// module on): it has one function per operation of `saas-demo openapi`, type-checks under
// `tsc --strict`, drives the running demo from Node (tests/js/sdk_smoke.ts: sign up, sign in, create an
// organization, org-scoped calls, typed BunbaseError failures), and rejects a wrongly typed call
// (tests/js/sdk_wrong_call.ts) at compile time.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJsDir = BUNBASE_JS_DIR;
const std::string kTsc = kJsDir + "/node_modules/typescript/bin/tsc";

ServerOptions every_module() {
  return {.env = {{"STRIPE_SECRET_KEY", "sk_test_sdk"},
                  {"STRIPE_WEBHOOK_SECRET", "whsec_sdk"},
                  {"BUNBASE_STRIPE_API_BASE", "http://127.0.0.1:9"}},
          .sign_in = false};
}

// tsc over `files` in `dir`: strict, ES modules resolved as Node does, nothing emitted unless
// `emit` (then into dir/js).
Completed tsc(const fs::path& dir, const std::vector<std::string>& files, bool emit) {
  json::object options{{"strict", true},
                       {"target", "es2022"},
                       {"module", "nodenext"},
                       {"moduleResolution", "nodenext"},
                       {"lib", json::array{"es2022", "dom"}},
                       {"rootDir", "."},
                       {"outDir", "js"},
                       {"noEmit", !emit}};
  json::array list;
  for (const auto& f : files) list.push_back(json::string(f));
  std::string config = "tsconfig." + std::to_string(files.size()) + (emit ? ".emit" : "") + ".json";
  std::ofstream(dir / config) << json::serialize(
      json::object{{"compilerOptions", options}, {"files", list}});
  return run_to_end(kNode, {kTsc, "-p", config, "--pretty", "false"},
                    ProcessOptions{.cwd = dir, .name = "tsc"}, std::chrono::seconds(30));
}

TEST(Sdk, TypeScriptClientTypeChecksAndDrivesTheDemo) {
  DemoServer server(every_module());
  const fs::path dir = server.dir().path() / "client";
  ServerOptions o = every_module();
  o.env["DATABASE_URL"] = server.db_url();
  ProcessOptions cli{.cwd = server.dir().path(), .env = o.env, .name = "sdk"};
  Completed gen =
      run_to_end(kSaasDemo, {"sdk", "--lang", "ts", "--out", (dir / "sdk").string()}, cli);
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string sdk = read_file(dir / "sdk" / "index.ts");

  // One exported function per operation of the OpenAPI document, named by its operationId.
  cli.name = "openapi";
  Completed doc_cli = run_to_end(kSaasDemo, {"openapi"}, cli);
  ASSERT_EQ(doc_cli.code, 0) << doc_cli.err;
  json::value doc = json::parse(doc_cli.out);
  std::size_t operations = 0;
  for (const auto& p : doc.at("paths").as_object())
    for (const auto& m : p.value().as_object()) {
      ++operations;
      std::string id(m.value().at("operationId").as_string());
      EXPECT_NE(sdk.find("export async function " + id + "(client: Client"), std::string::npos)
          << id;
    }
  EXPECT_GT(operations, 20u);
  EXPECT_NE(sdk.find("export interface CreateOrganizationInput {"), std::string::npos);
  EXPECT_NE(sdk.find("export class BunbaseError extends Error"), std::string::npos);

  // The client alone, then the smoke program with it, under --strict.
  std::ofstream(dir / "package.json") << R"({"type":"module"})";
  fs::copy_file(kJsDir + "/sdk_smoke.ts", dir / "smoke.ts");
  fs::copy_file(kJsDir + "/sdk_wrong_call.ts", dir / "wrong_call.ts");
  Completed alone = tsc(dir, {"sdk/index.ts"}, false);
  ASSERT_EQ(alone.code, 0) << alone.out << alone.err;
  Completed build = tsc(dir, {"smoke.ts", "sdk/index.ts"}, true);
  ASSERT_EQ(build.code, 0) << build.out << build.err;

  // A number where the organization's name (a string) goes is a compile error at that property.
  Completed wrong = tsc(dir, {"wrong_call.ts"}, false);
  EXPECT_NE(wrong.code, 0) << "tsc accepted a wrongly typed call";
  EXPECT_NE(wrong.out.find("wrong_call.ts(6,"), std::string::npos) << wrong.out;
  EXPECT_NE(wrong.out.find("TS2322"), std::string::npos) << wrong.out;

  Completed run =
      run_to_end(kNode, {"js/smoke.js", "http://127.0.0.1:" + std::to_string(server.port())},
                 ProcessOptions{.cwd = dir, .name = "smoke"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  json::value r = json::parse(run.out);
  EXPECT_EQ(r.at("signUpStatus"), "verification_sent") << "typed by the SDK as the enum of SignUpOutput";
  EXPECT_EQ(r.at("userEmail"), "sdk@example.com");
  EXPECT_EQ(r.at("sessionUser"), true);
  EXPECT_EQ(r.at("org"), json::parse(R"({"name":"Sdk Org","slug":"sdk-org","role":"owner"})"));
  EXPECT_EQ(r.at("invoice"),
            json::parse(R"({"customer":"ACME","amountCents":1200,"status":"draft"})"));
  EXPECT_EQ(r.at("invoiceCount"), 1);
  EXPECT_EQ(r.at("members"), json::parse(R"([{"email":"sdk@example.com","role":"owner"}])"));
  // Failures arrive as BunbaseError with the problem+json fields.
  const auto& invalid = r.at("invalid");
  EXPECT_EQ(invalid.at("bunbaseError"), true);
  EXPECT_EQ(invalid.at("status"), 400);
  EXPECT_EQ(invalid.at("code"), "validation_failed");
  EXPECT_GE(invalid.at("errors").as_int64(), 1);
  EXPECT_EQ(r.at("foreign").at("bunbaseError"), true);
  EXPECT_EQ(r.at("foreign").at("status"), 403);  // the URL-encoded id reached the guard
  EXPECT_EQ(r.at("signedOut").at("status"), 401);
  EXPECT_EQ(r.at("signedOut").at("code"), "unauthenticated");
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace bbit
