// Job queue throughput and event fan-out latency, in-process through the real runtime (bb::App,
// its JobQueue, EventBus and executor) on a file-backed SQLite database, or on PostgreSQL with
// --database-url (each App in a fresh schema of that database). With --only drain | latency,
// the comparison with graphile-worker on PostgreSQL (instances.cpp). bench/README.md quotes it.
//
//   build/bin/bench-queue                      (the full table, about 2 minutes)
//   build/bin/bench-queue --only queue --jobs 2000 --runs 1 --memory
//   build/bin/bench-queue --only queue --database-url postgresql://postgres@/bunbase?host=/tmp/pg
//   build/bin/bench-queue --only drain --instances 1,3 --workers 8 --jobs 100000 --database-url ...
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "bench_queue.hpp"
#include "bunbase/db/database.hpp"

namespace bench {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string g_server;
std::atomic<std::int64_t>* g_stamp = nullptr;
std::size_t g_stamp_size = 0;

// ---- the apps -----------------------------------------------------------------------------------

struct Tick {
  std::int64_t seq = 0;
  std::int64_t t = 0;  // steady_clock ns when emit() was called
};
BOOST_DESCRIBE_STRUCT(Tick, (), (seq, t))

struct EmitInput {
  std::int64_t seq = 0;
};
BOOST_DESCRIBE_STRUCT(EmitInput, (), (seq))

struct Stamp {
  std::int64_t seq = 0;
  std::int64_t t = 0;  // steady_clock ns just before enqueue()
};
BOOST_DESCRIBE_STRUCT(Stamp, (), (seq, t))

namespace {

constexpr int kMaxSubscribers = 4;
// Latency (ns) from emit to the start of subscriber k's handler, by event seq. The actions are
// built by plain functions (AppManifest holds function pointers), so they reach it as a static.
std::vector<std::int64_t> g_latency[kMaxSubscribers];

bb::Action noop() {
  return bb::action<bb::Empty, bb::Empty>({.name = "noop"}, [](const bb::Empty&, bb::Context&) { return bb::Empty{}; });
}

bb::Action stamp() {
  return bb::action<Stamp, bb::Empty>({.name = "stamp"}, [](const Stamp& in, bb::Context&) {
    const std::int64_t start = now_ns();
    if (g_stamp && in.seq >= 0 && static_cast<std::size_t>(in.seq) < g_stamp_size)
      g_stamp[in.seq].store(start - in.t, std::memory_order_relaxed);
    return bb::Empty{};
  });
}

bb::Action emit_tick() {
  return bb::action<EmitInput, bb::Empty>({.name = "emitTick"}, [](const EmitInput& in, bb::Context& ctx) {
    ctx.events.emit("bench.tick", {{"seq", in.seq}, {"t", now_ns()}});
    return bb::Empty{};
  });
}

template <int K>
bb::Action subscriber() {
  return bb::action<Tick, bb::Empty>(
      {.name = "onTick" + std::to_string(K), .triggers = {bb::triggers::event("bench.tick")}},
      [](const Tick& in, bb::Context&) {
        const std::int64_t start = now_ns();
        auto& slots = g_latency[K];
        if (in.seq >= 0 && static_cast<std::size_t>(in.seq) < slots.size()) slots[in.seq] = start - in.t;
        return bb::Empty{};
      });
}

bb::Module queue_module() { return bb::module({.name = "bench", .actions = {noop(), stamp()}}); }
bb::Module events1_module() { return bb::module({.name = "bench", .actions = {emit_tick(), subscriber<0>()}}); }
bb::Module events4_module() {
  return bb::module({.name = "bench",
                     .actions = {emit_tick(), subscriber<0>(), subscriber<1>(), subscriber<2>(), subscriber<3>()}});
}

const bb::AppManifest kEvents1App{.name = "bench-events-1", .modules = {events1_module}};
const bb::AppManifest kEvents4App{.name = "bench-events-4", .modules = {events4_module}};

}  // namespace

const bb::AppManifest kQueueApp{.name = "bench-queue", .modules = {queue_module}};

// ---- scratch databases --------------------------------------------------------------------------

namespace {
int g_scratch_counter = 0;
}

Scratch::Scratch(const std::string& base) {
  std::string t = base + "/bench-queue-XXXXXX";
  if (!mkdtemp(t.data())) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  path = t;
  if (!g_server.empty()) {
    schema = "bench_" + std::to_string(::getpid()) + "_" + std::to_string(++g_scratch_counter);
    bb::db::open(g_server)->exec_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  }
}

Scratch::~Scratch() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (!schema.empty()) bb::db::open(g_server)->exec_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

std::string Scratch::url(bool memory) const {
  if (!schema.empty()) return bb::db::with_search_path(g_server, schema);
  return memory ? "sqlite://:memory:" : "sqlite://" + (path / "bench.db").string();
}

bb::Config make_config(const Scratch& dir, bool memory, int workers, bool recording) {
  bb::Config c;
  c.database.url = dir.url(memory);
  c.queue.workers = workers;
  c.persistence.enabled = recording;
  c.log.level = bb::LogLevel::warn;
  c.log.format = "human";
  return c;
}

namespace {

// ---- 1. the queue -------------------------------------------------------------------------------

struct QueueResult {
  double enqueue_per_s = 0;    // N enqueued from one thread, no worker running
  double complete_per_s = 0;   // workers started on N pending jobs: start to last completion
  double cpu_us_per_job = 0;   // process CPU (all threads) during that phase, per job
  double e2e_per_s = 0;        // workers running while N are enqueued: first enqueue to last completion
  std::uint64_t dropped = 0;   // run records the write buffer dropped (recording on)
};

void wait_completed(bb::JobQueue& q, std::uint64_t n) {
  while (q.stats().completed + q.stats().dead < n) std::this_thread::sleep_for(std::chrono::microseconds(500));
}

void enqueue_all(bb::App& app, int n) {
  const bb::JobOptions options;
  const boost::json::value input = boost::json::object();
  for (int i = 0; i < n; ++i) app.jobs().enqueue("noop", input, options, nullptr);
}

QueueResult queue_run(const Settings& s, int n, bool memory, int workers, bool recording) {
  QueueResult r;
  {
    Scratch dir(s.dir);
    bb::App app(kQueueApp, make_config(dir, memory, workers, recording));
    app.migrate();
    auto t0 = SteadyClock::now();
    enqueue_all(app, n);
    auto t1 = SteadyClock::now();
    r.enqueue_per_s = n / std::chrono::duration<double>(t1 - t0).count();

    const double c0 = cpu_seconds();
    t0 = SteadyClock::now();
    app.jobs().start();
    wait_completed(app.jobs(), n);
    t1 = SteadyClock::now();
    const double c1 = cpu_seconds();
    r.complete_per_s = n / std::chrono::duration<double>(t1 - t0).count();
    r.cpu_us_per_job = (c1 - c0) * 1e6 / n;
    app.jobs().stop();
    if (app.jobs().stats().dead != 0) std::fprintf(stderr, "warning: %llu dead jobs\n",
                                                  static_cast<unsigned long long>(app.jobs().stats().dead));
    app.shutdown();
    if (auto* b = app.write_buffer()) r.dropped = b->stats().dropped;
  }
  {
    Scratch dir(s.dir);
    bb::App app(kQueueApp, make_config(dir, memory, workers, recording));
    app.migrate();
    app.jobs().start();
    const auto t0 = SteadyClock::now();
    enqueue_all(app, n);
    wait_completed(app.jobs(), n);
    const auto t1 = SteadyClock::now();
    r.e2e_per_s = n / std::chrono::duration<double>(t1 - t0).count();
    app.shutdown();
    if (auto* b = app.write_buffer()) r.dropped += b->stats().dropped;
  }
  return r;
}

// ---- 2. event fan-out ---------------------------------------------------------------------------

struct FanoutResult {
  double p50_us = 0, p99_us = 0, max_us = 0;
  double emit_run_us = 0;   // median duration of the emitting invoke() (handler + event insert + hand-off)
  double interval_us = 0;   // achieved spacing between emits
  std::uint64_t delivered = 0, expected = 0;
};

FanoutResult fanout_run(const Settings& s, int k, bool recording) {
  Scratch dir(s.dir);
  bb::App app(k == 1 ? kEvents1App : kEvents4App, make_config(dir, false, 1, recording));
  app.migrate();
  const int total = s.warmup_events + s.events;
  for (int i = 0; i < k; ++i) g_latency[i].assign(total, -1);

  std::vector<double> run_us;
  run_us.reserve(s.events);
  const auto spacing = std::chrono::microseconds(s.interval_us);
  auto next = SteadyClock::now();
  SteadyClock::time_point measured_start{};
  for (int seq = 0; seq < total; ++seq) {
    if (seq == s.warmup_events) {
      app.events().drain();
      next = SteadyClock::now();
      measured_start = next;
    }
    std::this_thread::sleep_until(next);
    next += spacing;
    const auto t0 = SteadyClock::now();
    bb::RunResult r = app.invoke("emitTick", boost::json::object{{"seq", seq}});
    const auto t1 = SteadyClock::now();
    if (!r.ok()) {
      std::fprintf(stderr, "emitTick failed: %s\n", r.error->message().c_str());
      std::exit(1);
    }
    if (seq >= s.warmup_events) run_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  const auto measured_end = SteadyClock::now();
  app.events().drain();

  FanoutResult out;
  std::vector<std::int64_t> all;
  all.reserve(static_cast<std::size_t>(k) * s.events);
  for (int i = 0; i < k; ++i)
    for (int seq = s.warmup_events; seq < total; ++seq)
      if (g_latency[i][seq] >= 0) all.push_back(g_latency[i][seq]);
  out.expected = static_cast<std::uint64_t>(k) * s.events;
  out.delivered = all.size();
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    auto at = [&](double q) {
      std::size_t i = static_cast<std::size_t>(q * static_cast<double>(all.size()));
      return static_cast<double>(all[std::min(i, all.size() - 1)]) / 1e3;
    };
    out.p50_us = at(0.50);
    out.p99_us = at(0.99);
    out.max_us = static_cast<double>(all.back()) / 1e3;
  }
  out.emit_run_us = median(run_us);
  out.interval_us = std::chrono::duration<double, std::micro>(measured_end - measured_start).count() / s.events;
  app.shutdown();
  return out;
}

// ---- the report ---------------------------------------------------------------------------------

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::vector<int> int_list(const std::string& v) {
  std::vector<int> out;
  for (std::size_t p = 0; p <= v.size();) {
    std::size_t q = v.find(',', p);
    if (q == std::string::npos) q = v.size();
    out.push_back(std::stoi(v.substr(p, q - p)));
    p = q + 1;
  }
  return out;
}

constexpr const char* kUsage = R"(usage: bench-queue [options]

  --only queue|events|drain|latency   one part (default: queue, then events)
  --database-url URL   PostgreSQL server (each App in a fresh schema of it); default: SQLite files
  --runs R             runs per row, median reported (default 3)
  --workers W[,W...]   [queue] workers per App (default 1,8)
  --recording on|off|both   run recording (default both; drain and latency: on)
  --dir DIR            scratch directories (default /tmp)

queue and events (in-process, bench/README.md "Queue and events"):
  --jobs N             jobs per run (default 20000)
  --events E           events per run (default 5000)
  --interval-us U      one emit every U µs (default 200)
  --memory             adds :memory: SQLite rows

drain (PostgreSQL; bench/queue-pg/run compares it with graphile-worker):
  this process fills a fresh schema with N pending `noop` jobs through app.jobs().enqueue(), in
  transactions of --fill-batch; then K worker processes (fork, each its own bb::App with
  --workers workers) start together and drain them: N / (start to last completion).
  --instances K[,K...] worker processes (default 1)
  --jobs N             backlog size (default 20000)
  --fill-batch B       enqueues per transaction while filling (default 1000)
  --claim-batch C      [queue] claim_batch of the workers (default 0: one job per idle worker)
  --pg-postmaster PID  also report the CPU time of this PostgreSQL server's processes

latency (PostgreSQL): enqueue-to-start of `stamp` jobs enqueued one at a time at a fixed rate
  --samples S          measured jobs (default 3000), after --warmup-samples (default 200)
  --interval-us U      one enqueue every U µs (default 2000)
  --enqueue-from same|other   enqueued inside the worker instance (as graphile-worker's
                       latencyTest) or by another process (default same)
  --enqueuers E        threads enqueueing the measured jobs on schedule, so that one slow
                       enqueue() does not hold back the next (default 4)
  --pg-postmaster PID  as above

(--role worker, --shared-fd, --slot, --schema, --enqueuer: how drain and latency start their
worker processes; not for direct use.)
)";

Settings parse(int argc, char** argv) {
  Settings s;
  bool recording_set = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--jobs") s.jobs = std::stoi(value());
    else if (a == "--events") s.events = std::stoi(value());
    else if (a == "--interval-us") s.interval_us = std::stoi(value());
    else if (a == "--runs") s.runs = std::stoi(value());
    else if (a == "--dir") s.dir = value();
    else if (a == "--memory") s.memory = true;
    else if (a == "--database-url") g_server = value();
    else if (a == "--workers") s.workers = int_list(value());
    else if (a == "--instances") s.instances = int_list(value());
    else if (a == "--samples") s.samples = std::stoi(value());
    else if (a == "--warmup-samples") s.warmup_samples = std::stoi(value());
    else if (a == "--enqueuers") s.enqueuers = std::max(1, std::stoi(value()));
    else if (a == "--fill-batch") s.fill_batch = std::max(1, std::stoi(value()));
    else if (a == "--claim-batch") s.claim_batch = std::max(0, std::stoi(value()));
    else if (a == "--pg-postmaster") s.pg_postmaster = std::stoi(value());
    else if (a == "--role") s.worker = value() == "worker";
    else if (a == "--shared-fd") s.shared_fd = std::stoi(value());
    else if (a == "--slot") s.slot = std::stoi(value());
    else if (a == "--schema") s.schema = value();
    else if (a == "--enqueuer") s.enqueuer = value() == "1";
    else if (a == "--enqueue-from") {
      s.enqueue_from = value();
      if (s.enqueue_from != "same" && s.enqueue_from != "other") {
        std::fprintf(stderr, "--enqueue-from: same or other\n");
        std::exit(2);
      }
    } else if (a == "--recording") {
      std::string v = value();
      s.recording.clear();
      recording_set = true;
      if (v == "on" || v == "both") s.recording.push_back(true);
      if (v == "off" || v == "both") s.recording.push_back(false);
    } else if (a == "--only") {
      std::string v = value();
      s.queue = v == "queue";
      s.fanout = v == "events";
      s.drain = v == "drain";
      s.latency = v == "latency";
      if (!s.queue && !s.fanout && !s.drain && !s.latency) {
        std::fprintf(stderr, "--only: queue, events, drain or latency\n");
        std::exit(2);
      }
    } else {
      std::fputs(kUsage, a == "--help" || a == "-h" ? stdout : stderr);
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (s.interval_us < 0) s.interval_us = s.latency ? 2000 : 200;
  if ((s.drain || s.latency) && !recording_set) s.recording = {true};
  if ((s.drain || s.latency || s.worker) && g_server.empty()) {
    std::fprintf(stderr, "--only drain and latency need --database-url (PostgreSQL)\n");
    std::exit(2);
  }
  return s;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  const Settings s = parse(argc, argv);
  if (s.worker) return worker_main(s);  // started by --only drain | latency, reports through shared memory
#ifdef NDEBUG
  const char* build = "Release (NDEBUG)";
#else
  const char* build = "Debug (assertions on)";
#endif
  std::printf("bench-queue: %ld CPUs (%s), build %s, SQLite %s, scratch in %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str(), build, sqlite3_libversion(), s.dir.c_str());
  if (s.drain || s.latency) {
    // Worker processes are forked before this process starts a thread (no App yet).
    std::printf("load average at start: %s\n\n", loadavg().c_str());
    std::fflush(stdout);
    const int rc = s.drain ? run_drain(s) : run_latency(s);
    std::printf("load average at end: %s\n", loadavg().c_str());
    return rc;
  }
  std::printf("load average at start: %s\n\n", loadavg().c_str());

  if (s.queue) {
    std::fprintf(stderr, "warm-up: %d jobs, 8 workers\n", s.jobs / 10);
    queue_run(s, std::max(1, s.jobs / 10), false, 8, true);

    struct Row {
      const char* db;
      bool memory;
      int workers;
      bool recording;
    };
    std::vector<Row> rows;
    for (bool recording : s.recording)
      for (int w : s.workers) rows.push_back({g_server.empty() ? "file (WAL)" : "PostgreSQL", false, w, recording});
    if (s.memory)
      for (int w : s.workers) rows.push_back({":memory:", true, w, true});
    std::printf("Queue: N = %d no-op jobs, median of %d runs\n\n", s.jobs, s.runs);
    std::printf("| database | workers | run recording | enqueue jobs/s | complete jobs/s | CPU µs/job (complete) | "
                "enqueue while running, jobs/s | records dropped |\n");
    std::printf("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (const auto& row : rows) {
      std::vector<double> enq, done, cpu, e2e;
      std::uint64_t dropped = 0;
      for (int i = 0; i < s.runs; ++i) {
        QueueResult r = queue_run(s, s.jobs, row.memory, row.workers, row.recording);
        std::fprintf(stderr, "  %s workers=%d recording=%s: enqueue %.0f/s, complete %.0f/s (%.1f CPU µs/job), e2e %.0f/s\n",
                     row.db, row.workers, row.recording ? "on" : "off", r.enqueue_per_s, r.complete_per_s,
                     r.cpu_us_per_job, r.e2e_per_s);
        enq.push_back(r.enqueue_per_s);
        done.push_back(r.complete_per_s);
        cpu.push_back(r.cpu_us_per_job);
        e2e.push_back(r.e2e_per_s);
        dropped += r.dropped;
      }
      std::printf("| %s | %d | %s | %.0f | %.0f | %.1f | %.0f | %llu |\n", row.db, row.workers,
                  row.recording ? "on" : "off", median(enq), median(done), median(cpu), median(e2e),
                  static_cast<unsigned long long>(dropped));
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  if (s.fanout) {
    std::printf("Event fan-out: E = %d events, one every %d µs (after %d warm-up events), emit -> subscriber "
                "handler start, 4 bus workers, median of %d runs\n\n",
                s.events, s.interval_us, s.warmup_events, s.runs);
    std::printf("| subscribers | run recording | p50 µs | p99 µs | max µs | emitting run µs (p50) | achieved spacing µs "
                "| delivered |\n");
    std::printf("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (bool recording : s.recording) {
      for (int k : {1, 4}) {
        std::vector<double> p50, p99, mx, run, spacing;
        std::uint64_t delivered = 0, expected = 0;
        for (int i = 0; i < s.runs; ++i) {
          FanoutResult r = fanout_run(s, k, recording);
          std::fprintf(stderr, "  K=%d recording=%s: p50 %.1f p99 %.1f max %.1f µs, run %.1f µs, spacing %.1f µs\n", k,
                       recording ? "on" : "off", r.p50_us, r.p99_us, r.max_us, r.emit_run_us, r.interval_us);
          p50.push_back(r.p50_us);
          p99.push_back(r.p99_us);
          mx.push_back(r.max_us);
          run.push_back(r.emit_run_us);
          spacing.push_back(r.interval_us);
          delivered += r.delivered;
          expected += r.expected;
        }
        std::printf("| %d | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %llu / %llu |\n", k, recording ? "on" : "off",
                    median(p50), median(p99), median(mx), median(run), median(spacing),
                    static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(expected));
        std::fflush(stdout);
      }
    }
    std::printf("\n");
  }
  std::printf("load average at end: %s\n", loadavg().c_str());
  return 0;
}
