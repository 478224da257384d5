// The HTTP trigger: turns requests into invocations of the executor and results into
// responses (JSON, or application/problem+json with the DESIGN.md status mapping). Also
// answers /healthz and /readyz.
#pragma once

#include <functional>

#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/executor.hpp"
#include "bunbase/runtime/worker_pool.hpp"
#include "src/http/cors.hpp"
#include "src/http/exchange.hpp"
#include "src/triggers/router.hpp"

namespace boost::urls {
class url_view;
}

namespace bb::triggers {

class ApiAdapter final : public http::Handler {
 public:
  // `ready` answers /readyz (database reachable, migrations applied). Webhooks use `db` (their
  // delivery ids) and `jobs` (the enqueue option).
  ApiAdapter(const Registry& registry, Executor& executor, WorkerPool& workers, std::function<bool()> ready,
             db::Database* db = nullptr, JobSink* jobs = nullptr);

  void handle(http::Exchange& ex) override;

  // Hands every request for exactly `path` (any method) to `handler` (the MCP endpoint).
  // Before serving; the handler must outlive the adapter.
  void mount(std::string path, http::Handler& handler) { mounts_.emplace_back(std::move(path), &handler); }

  // Answers CORS preflights for every route and mounted path, and adds CORS headers to the
  // responses of listed origins, except under the `privileged` path prefixes (the dashboard,
  // MCP: they have rules of their own). Before serving; `cors` must outlive the adapter.
  void use_cors(const http::Cors& cors, std::vector<std::string> privileged) {
    cors_ = cors.enabled() ? &cors : nullptr;
    cors_excluded_ = std::move(privileged);
  }

  // Tried in order for a request no route and no mount owns (static files, the development
  // front page); each returns whether it took the request (and then finishes it).
  using Fallback = std::function<bool(http::Exchange&)>;
  void add_fallback(Fallback f) { fallbacks_.push_back(std::move(f)); }

 private:
  void invoke(http::Exchange& ex, const Route& route, const boost::urls::url_view& url);
  void run(http::Exchange& ex, const Route& route, Invocation inv);
  // Verify, parse, deduplicate by delivery id, then run (or enqueue) the webhook's action.
  void webhook(http::Exchange& ex, const Route& route, std::string_view traceparent);

  Executor& executor_;
  WorkerPool& workers_;
  std::function<bool()> ready_;
  db::Database* db_;
  JobSink* jobs_;
  Router router_;
  std::vector<std::pair<std::string, http::Handler*>> mounts_;
  const http::Cors* cors_ = nullptr;
  std::vector<std::string> cors_excluded_;
  std::vector<Fallback> fallbacks_;
};

}  // namespace bb::triggers
