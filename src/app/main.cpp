#include "bunbase/main.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "bunbase/db/database.hpp"
#include "src/app/features.hpp"
#include "src/app/listings.hpp"
#include "src/app/serve.hpp"
#include "src/app/mcp_stdio.hpp"
#include "src/app/sdk_ts.hpp"
#include "src/app/db_types.hpp"
#include "src/triggers/openapi.hpp"

namespace bb {

int main(int argc, char** argv, const AppManifest& manifest) {
  CLI::App cli(manifest.name + ": a Bunbase application", manifest.name);
  cli.require_subcommand(0, 1);
  cli.fallthrough();

  std::optional<std::string> config_path;
  std::optional<int> port;
  std::optional<std::string> host, database_url, log_level;
  cli.add_option("--config", config_path, "Config file (default: ./bunbase.toml if present)");
  cli.add_option("--port", port, "Port to listen on (env PORT)");
  cli.add_option("--host", host, "Address to bind (env HOST)");
  cli.add_option("--database-url", database_url, "sqlite://PATH (env DATABASE_URL)");
  cli.add_option("--log-level", log_level, "debug | info | warn | error (env LOG_LEVEL)");

  auto* serve_cmd = cli.add_subcommand("serve", "Serve the app over HTTP (the default command)");
  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending migrations");
  bool migrate_status = false;
  migrate_cmd->add_flag("--status", migrate_status, "List applied and pending migrations, apply nothing");
  auto* actions_cmd = cli.add_subcommand("actions", "List actions with their module, triggers and guards");
  auto* routes_cmd = cli.add_subcommand("routes", "List the HTTP routes with their action and guards");
  auto* mcp_cmd = cli.add_subcommand(
      "mcp", "Serve MCP on stdin/stdout for an agent (principal: BUNBASE_API_KEY, or [mcp] stdio_system)");
  auto* openapi_cmd = cli.add_subcommand("openapi", "Print the app's OpenAPI 3.1 document");
  std::string openapi_out;
  openapi_cmd->add_option("--out,-o", openapi_out, "Write it to this file instead of stdout");
  auto* sdk_cmd = cli.add_subcommand("sdk", "Write a typed client for the app's API (from its OpenAPI document)");
  std::string sdk_lang = "ts", sdk_out;
  sdk_cmd->add_option("--lang", sdk_lang, "Client language: ts")->check(CLI::IsMember({"ts"}));
  sdk_cmd->add_option("--out,-o", sdk_out, "Directory to write it to")->required();
  auto* gen_cmd = cli.add_subcommand("gen", "Generate code from the app");
  gen_cmd->require_subcommand(1);
  auto* db_types_cmd =
      gen_cmd->add_subcommand("db-types", "Described C++ structs of the migrated database's tables (one per table)");
  std::string db_types_out;
  DbTypesOptions db_types_options;
  db_types_cmd->add_option("--out,-o", db_types_out, "Write them to this file instead of stdout");
  db_types_cmd->add_option("--namespace", db_types_options.ns, "The structs' namespace (default tables)");
  db_types_cmd->add_flag("--all", db_types_options.framework_tables, "Also the framework's own tables");
  auto* run_cmd = cli.add_subcommand("run", "Run one action through the executor and print its output");
  std::string run_action, run_input = "{}", run_user, run_org;
  run_cmd->add_option("action", run_action, "Action name")->required();
  run_cmd->add_option("--input,-i", run_input, "Input JSON (default {})");
  run_cmd->add_option("--as-user", run_user, "Run as this user id instead of the system principal");
  run_cmd->add_option("--org", run_org, "With --as-user: the organization to act in (membership is checked)")
      ->needs(run_cmd->get_option("--as-user"));

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  try {
    Config config = load_config({.path = config_path});
    if (port) config.port = *port;
    if (host) config.host = *host;
    if (database_url) config.database.url = *database_url;
    if (log_level) config.log.level = parse_log_level(*log_level);
    if (*actions_cmd || *routes_cmd || *openapi_cmd || *sdk_cmd) config.persistence.enabled = false;

    auto features = builtin_features(config);
    App app(manifest, std::move(config), std::move(features));

    if (*actions_cmd) {
      print_actions(app);
      return 0;
    }
    if (*routes_cmd) {
      print_routes(app);
      return 0;
    }
    if (*openapi_cmd) {
      std::string text = boost::json::serialize(triggers::openapi_document(app.registry(), {.title = manifest.name, .server_url = app.config().http.public_url}));
      if (openapi_out.empty()) {
        std::printf("%s\n", text.c_str());
        return 0;
      }
      std::ofstream out(openapi_out, std::ios::binary);
      out << text << "\n";
      if (!out) throw std::runtime_error("cannot write " + openapi_out);
      return 0;
    }
    if (*db_types_cmd) {
      app.open();
      if (app.config().database.migrate_on_start) app.migrate();
      std::string text = db_types_header(app.db(), db_types_options);
      app.shutdown();
      if (db_types_out.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
      }
      std::ofstream out(db_types_out, std::ios::binary);
      out << text;
      if (!out) throw std::runtime_error("cannot write " + db_types_out);
      return 0;
    }
    if (*sdk_cmd) {
      write_typescript_sdk(triggers::openapi_document(app.registry(), {.title = manifest.name, .server_url = app.config().http.public_url}), sdk_out);
      std::printf("wrote %s\n", (std::filesystem::path(sdk_out) / "index.ts").string().c_str());
      return 0;
    }
    if (*migrate_cmd) {
      if (migrate_status) {
        auto s = app.migration_status();
        for (const auto& n : s.applied) std::printf("applied  %s\n", n.c_str());
        for (const auto& n : s.pending) std::printf("pending  %s\n", n.c_str());
        return 0;
      }
      auto applied = app.migrate();
      for (const auto& n : applied) std::printf("applied  %s\n", n.c_str());
      std::printf("%zu migration(s) applied; database is up to date\n", applied.size());
      return 0;
    }
    if (*mcp_cmd) return serve_mcp_stdio(app);
    if (*run_cmd) {
      boost::system::error_code ec;
      auto input = boost::json::parse(run_input, ec);
      if (ec) {
        std::fprintf(stderr, "error: --input is not valid JSON: %s\n", ec.message().c_str());
        return 2;
      }
      app.open();
      if (app.config().database.migrate_on_start) app.migrate();
      InvokeOptions o{.trigger_type = "cli"};
      if (!run_user.empty()) o.auth = Auth::user(run_user);
      o.auth.org_id = run_org;
      RunResult r = app.invoke(run_action, std::move(input), o);
      app.shutdown();
      if (!r.ok()) {
        boost::json::object err = error_record(*r.error);
        err["runId"] = r.run_id;
        std::fprintf(stderr, "error: %s\n%s\n", r.error->message().c_str(), boost::json::serialize(err).c_str());
        return 1;
      }
      std::printf("%s\n", boost::json::serialize(r.output).c_str());
      return 0;
    }
    (void)serve_cmd;
    return serve(app);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace bb
