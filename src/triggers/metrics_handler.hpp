// GET /metrics ([metrics] path): this instance's numbers in Prometheus's text format: the run
// counters and latency histograms of every action (metrics.hpp), the run history's write
// buffer, events and jobs handled here, jobs waiting, running and dead per queue (one query of
// the shared database per scrape), the HTTP body budget in use, and the process's CPU, memory
// and descriptors. Who may scrape is the `admit` function's call (metrics_access.hpp).
//
//   bb::triggers::MetricsHandler metrics({.runs = app.metrics(), .db = &app.db(), .admit = ...},
//   pool); adapter.mount("/metrics", metrics);
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bunbase/core/request.hpp"
#include "bunbase/runtime/event_bus.hpp"
#include "bunbase/runtime/job_queue.hpp"
#include "bunbase/runtime/worker_pool.hpp"
#include "bunbase/runtime/write_buffer.hpp"
#include "src/http/exchange.hpp"
#include "src/http/memory_budget.hpp"
#include "src/runtime/metrics.hpp"

namespace bb::triggers {

struct MetricsHandlerOptions {
  const Metrics* runs = nullptr;
  const WriteBuffer* write_buffer = nullptr;  // null: no run history
  const EventBus* events = nullptr;
  const JobQueue* jobs = nullptr;
  db::Database* db = nullptr;  // null: no queue depth
  // nullopt: the request may scrape; else why not (answered 401).
  std::function<std::optional<std::string>(const Request&)> admit;
};

class MetricsHandler final : public http::Handler {
 public:
  MetricsHandler(MetricsHandlerOptions options, WorkerPool& workers)
      : options_(std::move(options)), workers_(workers) {}

  // GET or HEAD, admitted: the exposition, built on a worker (it may query the database).
  void handle(http::Exchange& ex) override;
  // The HTTP server's body budget, once the server exists (before it starts).
  void watch(const http::MemoryBudget* budget) { budget_ = budget; }
  // The text a scrape gets.
  std::string exposition() const;

 private:
  MetricsHandlerOptions options_;
  WorkerPool& workers_;
  const http::MemoryBudget* budget_ = nullptr;
};

}  // namespace bb::triggers
