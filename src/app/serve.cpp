#include "src/app/serve.hpp"

#include <signal.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "bunbase/runtime/worker_pool.hpp"
#include "src/http/cors.hpp"
#include "src/http/server.hpp"
#include "src/http/static_files.hpp"
#include "src/triggers/api_adapter.hpp"
#include "src/triggers/front_page.hpp"
#include "src/triggers/mcp_http.hpp"
#include "src/triggers/admin_page_handler.hpp"
#include "src/triggers/docs_handler.hpp"
#include "src/triggers/metrics_handler.hpp"
#include "src/admin/metrics_access.hpp"
#include "src/triggers/openapi.hpp"
#include "src/app/admin_live.hpp"
#include "src/app/mcp_stdio.hpp"

namespace bb {

int serve(App& app) {
  // Block the stop signals in every thread we start; this thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const Config& c = app.config();
  // The first line says which environment this is, and where it came from: an operator who
  // forgot `environment = "development"` sees production, not a silent guess.
  app.log().system(LogLevel::info, "starting",
                   {{"app", app.manifest().name}, {"environment", c.environment},
                    {"config", c.source.empty() ? "(none: defaults and environment variables)" : c.source}});
  if (!c.development() && c.dashboard.enabled && c.dashboard.key.empty() && c.dashboard.admins.empty())
    app.log().system(LogLevel::warn, "the dashboard is closed: set BUNBASE_ADMIN_KEY (or [dashboard] key or admins) to open it",
                     {{"path", "/_admin"}});
  http::AddressSet trusted_proxies;
  try {
    trusted_proxies = http::AddressSet::parse(c.http.trusted_proxies);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("[http] trusted_proxies: ") + e.what());
  }
  app.open();
  if (c.database.migrate_on_start) {
    for (const auto& name : app.migrate()) app.log().system(LogLevel::info, "migration applied", {{"name", name}});
  } else if (auto status = app.migration_status(); !status.pending.empty()) {
    app.log().system(LogLevel::warn, "migrations pending (migrate_on_start is off)",
                     {{"count", status.pending.size()}});
  }
  app.start_background();

  const int cpus = usable_cpus();
  const int io_threads = c.http.io_threads > 0 ? c.http.io_threads : cpus;
  const int workers = http_worker_count(c);
  WorkerPool pool(static_cast<std::size_t>(workers));
  triggers::ApiAdapter adapter(app.registry(), app.executor(), pool, [&app] { return app.ready(); }, &app.db(),
                               &app.jobs());
  // MCP over Streamable HTTP: every action with a tool trigger, at [mcp] path.
  std::optional<triggers::McpServer> mcp;
  std::optional<triggers::McpHttp> mcp_http;
  if (c.mcp.enabled) {
    mcp.emplace(app.registry(), app.executor(), triggers::McpServerOptions{.name = app.manifest().name});
    mcp_http.emplace(*mcp, pool,
                     triggers::McpHttpOptions{
                         .allowed_origins = c.mcp.allowed_origins,
                         .public_url = c.http.public_url,
                         .has_credentials = [&app](const Request& r) { return identify_request(app, r).has_value(); }});
    adapter.mount(c.mcp.path, *mcp_http);
  }
  // The OpenAPI document of every api and webhook route, built once.
  triggers::OpenApiHandler openapi(triggers::openapi_document(app.registry(), {.title = app.manifest().name, .server_url = c.http.public_url}));
  adapter.mount("/openapi.json", openapi);
  // The API reference page for that document, its files compiled in.
  triggers::DocsHandler docs;
  for (std::string_view path : triggers::DocsHandler::kPaths) adapter.mount(std::string(path), docs);
  // The developer dashboard's page (static and open; its API under /_admin/api is guarded).
  triggers::AdminPageHandler admin_page;
  if (c.dashboard.enabled)
    for (const std::string& path : triggers::AdminPageHandler::paths()) adapter.mount(path, admin_page);
  // Its live view: the runs and logs this instance records, as Server-Sent Events.
  std::optional<AdminLiveHandler> live;
  if (c.dashboard.enabled) {
    live.emplace(c);
    adapter.mount(std::string(AdminLiveHandler::kPath), *live);
    if (auto* b = app.write_buffer()) b->observe(&*live);
  }
  // Prometheus: this instance's numbers at [metrics] path, for the metrics token or whoever may
  // open the dashboard without signing in (metrics_access.hpp).
  std::optional<triggers::MetricsHandler> metrics;
  if (c.metrics.enabled) {
    for (const auto& r : app.registry().routes())
      if (r.path == c.metrics.path)
        throw std::runtime_error("[metrics] path " + c.metrics.path + " is also the route of action " +
                                 r.action->name() + ": choose another path");
    metrics.emplace(triggers::MetricsHandlerOptions{
                        .runs = app.metrics(),
                        .write_buffer = app.write_buffer(),
                        .events = &app.events(),
                        .jobs = &app.jobs(),
                        .db = &app.db(),
                        .admit = [&c](const Request& r) -> std::optional<std::string> {
                          auto a = admin::admit_metrics(c, r);
                          return a.admitted ? std::nullopt : std::optional<std::string>(a.refused);
                        }},
                    pool);
    adapter.mount(c.metrics.path, *metrics);
  }
  // CORS for the API; the dashboard, MCP and the metrics keep their own origin rules.
  http::Cors cors({.origins = c.http.cors.origins,
                   .credentials = c.http.cors.credentials,
                   .methods = c.http.cors.methods,
                   .headers = c.http.cors.headers,
                   .expose_headers = c.http.cors.expose_headers,
                   .max_age = c.http.cors.max_age});
  adapter.use_cors(cors, {"/_admin", c.mcp.path, c.metrics.path});
  // [http.static]: files of a folder, after every route (action routes win).
  std::optional<http::StaticFiles> static_files;
  if (const auto& st = c.http.static_files; !st.dir.empty()) {
    static_files.emplace(http::StaticFilesOptions{.dir = st.dir,
                                                  .prefix = st.prefix,
                                                  .spa_fallback = st.spa_fallback,
                                                  .cache_control = st.cache_control,
                                                  .immutable = st.immutable});
    adapter.add_fallback([&static_files](http::Exchange& ex) { return static_files->try_handle(ex); });
  }
  // In development, / is a front door to the docs, the dashboard and MCP, unless owned.
  triggers::FrontPage front_page({.app_name = app.manifest().name,
                                  .dashboard = c.dashboard.enabled,
                                  .mcp_path = c.mcp.enabled ? c.mcp.path : ""});
  if (c.development()) adapter.add_fallback([&front_page](http::Exchange& ex) { return front_page.serve(ex); });

  http::Server::Options server_options{.host = c.host,
                                       .port = static_cast<unsigned short>(c.port),
                                       .body_limit = c.http.body_limit,
                                       .max_inflight_body = c.http.max_inflight_body,
                                       .io_threads = io_threads,
                                       .idle_timeout = std::chrono::seconds(c.http.idle_timeout_s)};
  server_options.trusted_proxies = std::move(trusted_proxies);
  server_options.compression.enabled = c.http.compression;
  server_options.compression.min_size = c.http.compression_min_size;
  http::Server server(std::move(server_options), adapter);
  if (metrics) metrics->watch(&server.memory_budget());
  server.on_warning(
      [&app](std::string_view message) { app.log().system(LogLevel::warn, message); });
  unsigned short port = server.start();

  std::string host = c.host == "0.0.0.0" || c.host == "127.0.0.1" ? "localhost" : c.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string base = "http://" + host + ":" + std::to_string(port);
  app.log().system(LogLevel::info, "listening",
                   {{"url", base}, {"bind", c.host + ":" + std::to_string(port)},
                    {"environment", c.environment}, {"database", c.database.url},
                    {"io_threads", io_threads}, {"workers", workers}});
  std::printf("\n  %s is serving at %s\n\n", app.manifest().name.c_str(), base.c_str());
  for (const auto& r : app.registry().routes())
    std::printf("    %-7s %s%-28s %s\n", r.method.c_str(), base.c_str(), r.path.c_str(), r.action->name().c_str());
  std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), "/healthz", "(process up)");
  std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), "/readyz", "(database ready)");
  if (c.dashboard.enabled) std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), "/_admin", "(developer dashboard)");
  if (metrics) std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), c.metrics.path.c_str(), "(Prometheus metrics)");
  if (static_files)
    std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), c.http.static_files.prefix.c_str(),
                ("(files of " + static_files->root() + ")").c_str());
  if (c.development()) std::printf("    %-7s %s%-28s %s\n", "GET", base.c_str(), "/", "(front page, development only)");
  std::printf("\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  app.log().system(LogLevel::info, "stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});

  if (live) live->stop();  // open streams end, so the server's stop does not wait for them
  server.stop(std::chrono::milliseconds(c.http.shutdown_timeout_ms));
  pool.stop();
  if (auto* b = app.write_buffer()) b->observe(nullptr);
  app.shutdown();
  if (auto* b = app.write_buffer()) {
    auto s = b->stats();
    app.log().system(LogLevel::info, "stopped", {{"runs_and_logs_written", s.written}, {"dropped", s.dropped}});
  } else {
    app.log().system(LogLevel::info, "stopped");
  }
  return 0;
}

}  // namespace bb
