// What bench-queue's two halves share: queue_bench.cpp (the in-process tables, SQLite or
// PostgreSQL) and instances.cpp (the PostgreSQL comparison with graphile-worker: worker
// processes that drain a backlog, and enqueue-to-start latency). bench/README.md quotes both.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bunbase/bunbase.hpp"
#include "bunbase/runtime/app.hpp"

namespace bench {

using SteadyClock = std::chrono::steady_clock;

// steady_clock is CLOCK_MONOTONIC on Linux: one clock for every process of the machine, so a
// timestamp taken in one process can be compared with one taken in another.
std::int64_t now_ns();
double cpu_seconds();  // this process, all threads (getrusage)
double median(std::vector<double> v);

struct Settings {
  int jobs = 20000;
  int events = 5000;
  int warmup_events = 500;
  int interval_us = -1;  // -1: 200 for --only events, 2000 for --only latency
  int runs = 3;
  bool queue = true, fanout = true, memory = false;
  bool drain = false, latency = false;  // --only drain | latency (instances.cpp)
  std::vector<int> workers = {1, 8};
  std::vector<bool> recording = {true, false};
  std::vector<int> instances = {1};
  int samples = 3000;        // latency: jobs measured (after warmup_samples)
  int warmup_samples = 200;  // latency: jobs enqueued and run before measuring
  int enqueuers = 4;         // latency: threads enqueueing on schedule (open loop)
  // latency: enqueued by "same" (the worker instance's process) or "other" (another process)
  std::string enqueue_from = "same";
  int fill_batch = 1000;  // drain: enqueues per transaction when filling the backlog
  int claim_batch = 0;    // [queue] claim_batch: jobs claimed ahead and kept leased (0: one per idle worker)
  int pg_postmaster = 0;  // its processes' CPU time is reported (0: not measured)
  std::string dir = "/tmp";
  // --role worker: a worker process of drain / latency, started by the coordinator (instances.cpp).
  bool worker = false, enqueuer = false;
  int shared_fd = -1, slot = 0;
  std::string schema;
};

extern std::string g_server;  // --database-url: a PostgreSQL server, a fresh schema per App

// The latency job's slots (steady_clock ns from enqueue to handler start, by seq; -1: not yet),
// in memory shared with the worker processes. Null outside --only latency.
extern std::atomic<std::int64_t>* g_stamp;
extern std::size_t g_stamp_size;

// The app under test: actions `noop` (no input) and `stamp` ({seq, t}: records now - t in g_stamp).
extern const bb::AppManifest kQueueApp;

// A fresh directory (and schema, on PostgreSQL) per App, removed afterwards.
struct Scratch {
  std::filesystem::path path;
  std::string schema;
  explicit Scratch(const std::string& base);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string url(bool memory) const;
};

bb::Config make_config(const Scratch& dir, bool memory, int workers, bool recording);

// instances.cpp: print their tables; return the process exit code.
int run_drain(const Settings& s);
int run_latency(const Settings& s);
int worker_main(const Settings& s);

}  // namespace bench
