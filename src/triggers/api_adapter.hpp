// The HTTP trigger: turns requests into invocations of the executor and results into
// responses (JSON, or application/problem+json with the DESIGN.md status mapping). Also
// answers /healthz and /readyz.
#pragma once

#include <functional>

#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/executor.hpp"
#include "bunbase/runtime/worker_pool.hpp"
#include "src/http/exchange.hpp"
#include "src/triggers/router.hpp"

namespace bb::triggers {

class ApiAdapter final : public http::Handler {
 public:
  // `ready` answers /readyz (database reachable, migrations applied).
  ApiAdapter(const Registry& registry, Executor& executor, WorkerPool& workers,
             std::function<bool()> ready);

  void handle(http::Exchange& ex) override;

  // Hands every request for exactly `path` (any method) to `handler` (the MCP endpoint).
  // Before serving; the handler must outlive the adapter.
  void mount(std::string path, http::Handler& handler) { mounts_.emplace_back(std::move(path), &handler); }

 private:
  void run(http::Exchange& ex, const Route& route, Invocation inv);

  Executor& executor_;
  WorkerPool& workers_;
  std::function<bool()> ready_;
  Router router_;
  std::vector<std::pair<std::string, http::Handler*>> mounts_;
};

}  // namespace bb::triggers
