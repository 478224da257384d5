// bench-queue --only drain | latency: the job queue on PostgreSQL measured the way
// bench/queue-pg/run measures graphile-worker (bench/README.md, "Queue on PostgreSQL against
// graphile-worker").
//
// This process (the coordinator) makes a fresh schema and migrates it; the workers are separate
// processes (this binary again, `--role worker`), each with its own bb::App, connection pool and
// `[queue] workers` threads, sharing the schema. They report through a shared memory file
// (memfd) that the coordinator maps too: it moves the phase forward, they publish their counters.
//
//   drain:   the coordinator enqueues N `noop` jobs (app.jobs().enqueue, --fill-batch per
//            transaction), CHECKPOINTs, starts K workers at once; jobs/s = N / (start to last
//            completion). Then each worker flushes its run records; `recorded` jobs/s ends there.
//   latency: one worker; `stamp` jobs enqueued one at a time every U µs, by the worker's own
//            process (same) or the coordinator (other); each records handler start - enqueue.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <thread>

#include "bench_queue.hpp"
#include "bunbase/db/database.hpp"

extern char** environ;

namespace bench {
namespace {

constexpr int kMaxInstances = 16;

enum Phase : int { kWait = 0, kBuild = 1, kGo = 2, kFlush = 3, kStop = 4 };
enum State : int { kIdle = 0, kReady = 1, kFlushed = 2, kStopped = 3, kFailed = -1 };

struct Slot {
  std::atomic<int> state{kIdle};
  std::atomic<std::uint64_t> completed{0}, dead{0}, accepted{0}, written{0}, dropped{0};
  std::atomic<std::int64_t> cpu_ns{0};  // the worker process's CPU time from kGo until flushed
};

// The shared memory file: this header, then the latency slots (g_stamp).
struct Shared {
  std::atomic<int> phase{kWait};
  std::atomic<int> enqueue_done{0};  // latency: the enqueuer is through
  std::atomic<std::int64_t> measure_start{0},
      measure_end{0};                            // latency: steady ns of the measured enqueues
  std::atomic<std::int64_t> enqueue_call_ns{0};  // latency: median duration of one enqueue() call
  Slot slots[kMaxInstances];
  char error[512] = {};
};

std::size_t shared_size(const Settings& s) {
  return sizeof(Shared) +
         sizeof(std::atomic<std::int64_t>) * static_cast<std::size_t>(s.warmup_samples + s.samples);
}

Shared* map_shared(int fd, std::size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  auto* sh = static_cast<Shared*>(p);
  g_stamp = reinterpret_cast<std::atomic<std::int64_t>*>(static_cast<char*>(p) + sizeof(Shared));
  return sh;
}

void sleep_us(int us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

// utime + stime of a PostgreSQL server: the postmaster and its children (backends, writers).
double pg_cpu_seconds(int postmaster) {
  if (postmaster <= 0) return 0;
  static const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  DIR* d = opendir("/proc");
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));  // field 3 (state) on
    std::string state;
    long long ppid = 0, skip = 0, utime = 0, stime = 0;
    rest >> state >> ppid;
    for (int f = 5; f <= 13; ++f) rest >> skip;
    rest >> utime >> stime;
    if (std::atoi(e->d_name) == postmaster || ppid == postmaster)
      total += static_cast<double>(utime + stime) / hz;
  }
  closedir(d);
  return total;
}

// The server's transaction commits (this database) and WAL syncs (fsyncs of the log), from its
// cumulative statistics; a backend reports its own at the latest when it exits.
struct PgCounters {
  double commits = 0, wal_syncs = 0;
};

PgCounters pg_counters() {
  auto rows = bb::db::open(g_server)->query(
      "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = "
      "current_database())::float8 AS commits, "
      "wal_sync::float8 AS syncs FROM pg_stat_wal",
      {});
  const auto& o = rows.front().as_object();
  return {o.at("commits").to_number<double>(), o.at("syncs").to_number<double>()};
}

void fail(Shared* sh, const std::string& message) {
  std::snprintf(sh->error, sizeof sh->error, "%s", message.c_str());
}

// ---- the enqueuer of the latency measurement (in a worker, or in the coordinator) ---------------

// The warm-up jobs one at a time; then the measured ones at fixed times start + seq * interval,
// from --enqueuers threads (an open loop: a slow enqueue() call does not delay the next one while
// another thread is free). Each job carries the clock read just before its enqueue() call.
void enqueue_stamps(bb::App& app, const Settings& s, Shared* sh) {
  const bb::JobOptions options;
  const auto spacing = std::chrono::microseconds(s.interval_us);
  auto enqueue = [&](int seq) {
    const std::int64_t t = now_ns();
    app.jobs().enqueue("stamp", boost::json::object{{"seq", seq}, {"t", t}}, options, nullptr);
    return static_cast<double>(now_ns() - t);
  };
  auto next = SteadyClock::now();
  for (int seq = 0; seq < s.warmup_samples; ++seq) {
    std::this_thread::sleep_until(next);
    next += spacing;
    enqueue(seq);
  }
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  for (int i = 0; i < s.warmup_samples && SteadyClock::now() < deadline; ++i)
    while (g_stamp[i].load() < 0 && SteadyClock::now() < deadline) sleep_us(200);

  const auto start = SteadyClock::now();
  sh->measure_start = now_ns();
  std::atomic<int> taken{0};
  std::vector<std::vector<double>> calls(static_cast<std::size_t>(std::max(1, s.enqueuers)));
  std::vector<std::thread> lanes;
  for (auto& lane_calls : calls)
    lanes.emplace_back([&, lane = &lane_calls] {
      for (int i; (i = taken.fetch_add(1)) < s.samples;) {
        std::this_thread::sleep_until(start + spacing * i);
        lane->push_back(enqueue(s.warmup_samples + i));
      }
    });
  for (auto& t : lanes) t.join();
  sh->measure_end = now_ns();
  std::vector<double> all;
  for (const auto& c : calls) all.insert(all.end(), c.begin(), c.end());
  sh->enqueue_call_ns = static_cast<std::int64_t>(median(all));
  sh->enqueue_done = 1;
}

bb::Config worker_config(const std::string& url, int workers, bool recording, int claim_batch) {
  bb::Config c;
  c.database.url = url;
  c.queue.workers = workers;
  c.queue.claim_batch = claim_batch;
  c.persistence.enabled = recording;
  c.log.level = bb::LogLevel::warn;
  c.log.format = "human";
  return c;
}

void wait_phase(Shared* sh, int phase) {
  while (sh->phase.load() < phase) sleep_us(200);
}

// ---- the coordinator's side ---------------------------------------------------------------------

struct Workers {
  Shared* sh = nullptr;
  int fd = -1;
  std::size_t size = 0;
  std::vector<pid_t> pids;

  Workers(const Settings& s, const std::string& schema, int k, int workers, bool recording,
          bool enqueuer) {
    size = shared_size(s);
    fd = memfd_create("bench-queue", 0);  // inherited by the workers (no CLOEXEC)
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
      std::perror("memfd_create");
      std::exit(1);
    }
    sh = map_shared(fd, size);
    new (sh) Shared();
    for (std::size_t i = 0; i < static_cast<std::size_t>(s.warmup_samples + s.samples); ++i)
      g_stamp[i] = -1;
    g_stamp_size = static_cast<std::size_t>(s.warmup_samples + s.samples);
    for (int i = 0; i < k; ++i) {
      std::vector<std::string> args = {"bench-queue", "--role",   "worker", "--database-url",
                                       g_server,      "--schema", schema};
      auto add = [&](const char* flag, const std::string& value) {
        args.push_back(flag);
        args.push_back(value);
      };
      add("--shared-fd", std::to_string(fd));
      add("--slot", std::to_string(i));
      add("--workers", std::to_string(workers));
      add("--claim-batch", std::to_string(s.claim_batch));
      add("--recording", recording ? "on" : "off");
      add("--samples", std::to_string(s.samples));
      add("--warmup-samples", std::to_string(s.warmup_samples));
      add("--interval-us", std::to_string(s.interval_us));
      add("--enqueuers", std::to_string(s.enqueuers));
      add("--enqueuer", enqueuer && i == 0 ? "1" : "0");
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_t pid = 0;
      if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) {
        std::perror("posix_spawn");
        std::exit(1);
      }
      pids.push_back(pid);
    }
  }

  ~Workers() {
    stop();
    munmap(sh, size);
    close(fd);
    g_stamp = nullptr;
    g_stamp_size = 0;
  }

  // Tells the workers to stop and waits until they exited (SIGKILL after 30 s). Idempotent.
  void stop() {
    if (sh->phase.load() < kStop) sh->phase = kStop;
    const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    for (pid_t pid : pids) {
      int status = 0;
      while (waitpid(pid, &status, WNOHANG) == 0) {
        if (SteadyClock::now() > deadline) {
          std::fprintf(stderr, "worker %d did not stop within 30 s: SIGKILL\n", pid);
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
          break;
        }
        sleep_us(1000);
      }
    }
    pids.clear();
  }

  // Waits until every worker is in `state` (or past it); exits the program if one failed or died.
  void wait_all(int state, std::chrono::seconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    for (std::size_t i = 0; i < pids.size(); ++i) {
      while (sh->slots[i].state.load() < state) {
        int status = 0;
        if (sh->slots[i].state.load() == kFailed || waitpid(pids[i], &status, WNOHANG) != 0 ||
            SteadyClock::now() > deadline) {
          std::fprintf(stderr, "worker %zu failed: %s\n", i,
                       sh->error[0] ? sh->error : "exited or timed out");
          for (pid_t p : pids) kill(p, SIGKILL);
          std::exit(1);
        }
        sleep_us(200);
      }
    }
  }

  std::uint64_t finished() const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < pids.size(); ++i)
      n += sh->slots[i].completed.load() + sh->slots[i].dead.load();
    return n;
  }
};

std::string run_fill(const Settings& s, const Scratch& dir, bool recording, int n,
                     double& fill_per_s) {
  bb::App app(kQueueApp, make_config(dir, false, 1, recording));
  app.migrate();
  const bb::JobOptions options;
  const boost::json::value input = boost::json::object();
  const auto t0 = SteadyClock::now();
  for (int done = 0; done < n;) {
    const int batch = std::min(s.fill_batch, n - done);
    app.db().transaction([&](bb::db::Database&) {
      for (int i = 0; i < batch; ++i) app.jobs().enqueue("noop", input, options, nullptr);
    });
    done += batch;
  }
  fill_per_s = n / std::chrono::duration<double>(SteadyClock::now() - t0).count();
  app.db().exec_script("CHECKPOINT");  // the fill's dirty pages are written before the clock starts
  app.shutdown();
  return dir.url(false);
}

struct DrainResult {
  double fill_per_s = 0, seconds = 0, jobs_per_s = 0, recorded_per_s = 0, cpu_us = 0, pg_cpu_us = 0,
         pg_core = 0;
  std::uint64_t dropped = 0, dead = 0, written = 0, completed_rows = 0, other_rows = 0,
                runs_recorded = 0;
  double commits_per_job = 0, wal_syncs_per_job = 0;  // from before the start to the workers' exit
};

DrainResult drain_once(const Settings& s, int k, int workers, bool recording) {
  DrainResult r;
  Scratch dir(s.dir);
  run_fill(s, dir, recording, s.jobs, r.fill_per_s);
  {
    Workers w(s, dir.schema, k, workers, recording, false);
    w.sh->phase = kBuild;
    w.wait_all(kReady, std::chrono::seconds(120));
    const PgCounters before = pg_counters();
    const double pg0 = pg_cpu_seconds(s.pg_postmaster);
    const auto t0 = SteadyClock::now();
    w.sh->phase = kGo;
    const auto n = static_cast<std::uint64_t>(s.jobs);
    while (w.finished() < n) {
      for (std::size_t i = 0; i < w.pids.size(); ++i) {
        int status = 0;
        if (w.sh->slots[i].state.load() == kFailed || waitpid(w.pids[i], &status, WNOHANG) != 0) {
          std::fprintf(stderr, "worker %zu failed: %s\n", i, w.sh->error);
          std::exit(1);
        }
      }
      sleep_us(500);
    }
    const auto t1 = SteadyClock::now();
    const double pg1 = pg_cpu_seconds(s.pg_postmaster);
    w.sh->phase = kFlush;
    w.wait_all(kFlushed, std::chrono::seconds(120));
    const auto t2 = SteadyClock::now();
    r.seconds = std::chrono::duration<double>(t1 - t0).count();
    r.jobs_per_s = static_cast<double>(n) / r.seconds;
    r.recorded_per_s = static_cast<double>(n) / std::chrono::duration<double>(t2 - t0).count();
    double cpu = 0;
    for (std::size_t i = 0; i < w.pids.size(); ++i) {
      cpu += static_cast<double>(w.sh->slots[i].cpu_ns.load()) / 1e9;
      r.dead += w.sh->slots[i].dead.load();
      r.written += w.sh->slots[i].written.load();
    }
    r.cpu_us = cpu * 1e6 / static_cast<double>(n);
    r.pg_cpu_us = (pg1 - pg0) * 1e6 / static_cast<double>(n);
    r.pg_core = (pg1 - pg0) / r.seconds * 100;
    w.sh->phase = kStop;
    w.wait_all(kStopped, std::chrono::seconds(60));
    for (std::size_t i = 0; i < w.pids.size(); ++i) r.dropped += w.sh->slots[i].dropped.load();
    w.stop();
    sleep_us(200000);  // the workers' backends report their statistics as they exit
    const PgCounters after = pg_counters();
    r.commits_per_job = (after.commits - before.commits) / static_cast<double>(n);
    r.wal_syncs_per_job = (after.wal_syncs - before.wal_syncs) / static_cast<double>(n);
  }
  // What the database says: every job completed once, and (recording on) one run record each.
  auto db = bb::db::open(dir.url(false));
  for (const auto& row : db->query("SELECT status, count(*) AS n FROM jobs GROUP BY status", {})) {
    const auto& o = row.as_object();
    const auto n = static_cast<std::uint64_t>(o.at("n").to_number<std::int64_t>());
    (o.at("status").as_string() == "completed" ? r.completed_rows : r.other_rows) += n;
  }
  if (recording) {
    auto rows = db->query("SELECT count(*) AS n FROM action_runs WHERE trigger_type = 'queue'", {});
    r.runs_recorded =
        static_cast<std::uint64_t>(rows.front().as_object().at("n").to_number<std::int64_t>());
  }
  return r;
}

}  // namespace

// ---- the worker process -------------------------------------------------------------------------

int worker_main(const Settings& s) {
  const int slot = s.slot;
  const bool enqueuer = s.enqueuer;
  Shared* sh = map_shared(s.shared_fd, shared_size(s));
  g_stamp_size = static_cast<std::size_t>(s.warmup_samples + s.samples);
  Slot& me = sh->slots[slot];
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // the coordinator died: so do we
  if (getppid() == 1) return 1;
  try {
    wait_phase(sh, kBuild);
    bb::App app(kQueueApp, worker_config(bb::db::with_search_path(g_server, s.schema),
                                         s.workers.front(), s.recording.front(), s.claim_batch));
    app.migrate();  // done by the coordinator: nothing to apply
    me.state = kReady;
    wait_phase(sh, kGo);
    if (sh->phase.load() >= kStop) return 0;
    const double cpu0 = cpu_seconds();
    app.jobs().start();
    auto publish = [&] {
      const auto st = app.jobs().stats();
      me.completed = st.completed;
      me.dead = st.dead;
      if (auto* b = app.write_buffer()) {
        const auto bs = b->stats();
        me.accepted = bs.accepted;
        me.written = bs.written;
        me.dropped = bs.dropped;
      }
    };
    std::thread enqueue;
    if (enqueuer) enqueue = std::thread([&] { enqueue_stamps(app, s, sh); });
    while (sh->phase.load() < kFlush) {
      publish();
      sleep_us(2000);  // the coordinator's clock stops within 2 ms of the last completion
    }
    if (enqueue.joinable()) enqueue.join();
    if (auto* b = app.write_buffer()) b->flush();
    publish();
    me.cpu_ns = static_cast<std::int64_t>((cpu_seconds() - cpu0) * 1e9);
    me.state = kFlushed;
    wait_phase(sh, kStop);
    app.jobs().stop();
    app.shutdown();
    publish();
    me.state = kStopped;
  } catch (const std::exception& e) {
    fail(sh, std::string("worker ") + std::to_string(slot) + ": " + e.what());
    me.state = kFailed;
    return 1;
  }
  return 0;
}

// ---- the two measurements -----------------------------------------------------------------------

int run_drain(const Settings& s) {
  const int workers = s.workers.front();
  const bool recording = s.recording.front();
  std::printf(
      "Queue on PostgreSQL, drain: N = %d pending no-op jobs, %d workers per instance, run "
      "recording %s, "
      "median of %d runs\n\n",
      s.jobs, workers, recording ? "on" : "off", s.runs);
  std::printf(
      "| instances | jobs/s | jobs/s incl. run records written | CPU µs/job (workers) | CPU µs/job "
      "(PostgreSQL) | PostgreSQL core %% | fill jobs/s | records dropped |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  std::fflush(stdout);
  for (int k : s.instances) {
    if (k < 1 || k > kMaxInstances) {
      std::fprintf(stderr, "--instances: 1 to %d\n", kMaxInstances);
      return 2;
    }
    std::vector<double> rate, recorded, cpu, pg, core, fill;
    std::uint64_t dropped = 0;
    for (int i = 0; i < s.runs; ++i) {
      const DrainResult r = drain_once(s, k, workers, recording);
      // One line per run for scripts (bench/queue-pg/run reads them).
      std::fprintf(stderr,
                   "result tool=bunbase mode=drain instances=%d workers=%d recording=%s jobs=%d "
                   "fill_per_s=%.0f "
                   "seconds=%.3f jobs_per_s=%.0f recorded_per_s=%.0f cpu_us_per_job=%.2f "
                   "pg_cpu_us_per_job=%.2f "
                   "pg_core_pct=%.0f commits_per_job=%.3f wal_syncs_per_job=%.4f dropped=%llu "
                   "dead=%llu completed_rows=%llu other_rows=%llu "
                   "runs_recorded=%llu\n",
                   k, workers, recording ? "on" : "off", s.jobs, r.fill_per_s, r.seconds,
                   r.jobs_per_s, r.recorded_per_s, r.cpu_us, r.pg_cpu_us, r.pg_core,
                   r.commits_per_job, r.wal_syncs_per_job,
                   static_cast<unsigned long long>(r.dropped),
                   static_cast<unsigned long long>(r.dead),
                   static_cast<unsigned long long>(r.completed_rows),
                   static_cast<unsigned long long>(r.other_rows),
                   static_cast<unsigned long long>(r.runs_recorded));
      if (r.completed_rows != static_cast<std::uint64_t>(s.jobs) || r.other_rows != 0)
        std::fprintf(
            stderr,
            "warning: %llu jobs completed in the table, %llu in another state (expected %d, 0)\n",
            static_cast<unsigned long long>(r.completed_rows),
            static_cast<unsigned long long>(r.other_rows), s.jobs);
      rate.push_back(r.jobs_per_s);
      recorded.push_back(r.recorded_per_s);
      cpu.push_back(r.cpu_us);
      pg.push_back(r.pg_cpu_us);
      core.push_back(r.pg_core);
      fill.push_back(r.fill_per_s);
      dropped += r.dropped;
    }
    char pg_cells[64] = "- | -";
    if (s.pg_postmaster)
      std::snprintf(pg_cells, sizeof pg_cells, "%.1f | %.0f", median(pg), median(core));
    std::printf("| %d | %.0f | %.0f | %.1f | %s | %.0f | %llu |\n", k, median(rate),
                median(recorded), median(cpu), pg_cells, median(fill),
                static_cast<unsigned long long>(dropped));
    std::fflush(stdout);
  }
  std::printf("\n");
  return 0;
}

int run_latency(const Settings& s) {
  const int workers = s.workers.front();
  const bool recording = s.recording.front();
  const bool other = s.enqueue_from == "other";
  std::printf(
      "Queue on PostgreSQL, enqueue to start: %d jobs (after %d warm-up), one every %d µs, "
      "enqueued by %s, "
      "1 instance, %d workers, run recording %s, median of %d runs\n\n",
      s.samples, s.warmup_samples, s.interval_us,
      other ? "another process" : "the worker's process", workers, recording ? "on" : "off",
      s.runs);
  std::printf(
      "| p50 µs | p99 µs | max µs | achieved spacing µs | enqueue() µs (p50) | started |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
  std::fflush(stdout);
  std::vector<double> p50, p99, mx, spacing, call;
  std::uint64_t started = 0, expected = 0;
  for (int run = 0; run < s.runs; ++run) {
    Scratch dir(s.dir);
    {
      bb::App app(kQueueApp, make_config(dir, false, 1, recording));
      app.migrate();
      app.shutdown();
    }
    std::vector<std::int64_t> all;
    double pg_core = 0;
    {
      Workers w(s, dir.schema, 1, workers, recording, !other);
      w.sh->phase = kBuild;
      w.wait_all(kReady, std::chrono::seconds(120));
      const double pg0 = pg_cpu_seconds(s.pg_postmaster);
      const auto t0 = SteadyClock::now();
      w.sh->phase = kGo;
      if (other) {
        bb::App producer(kQueueApp,
                         make_config(dir, false, 1, recording));  // its workers never start
        producer.migrate();  // opens the database (nothing to apply)
        enqueue_stamps(producer, s, w.sh);
        producer.shutdown();
      }
      while (!w.sh->enqueue_done.load()) sleep_us(1000);
      const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
      for (std::size_t i = s.warmup_samples; i < g_stamp_size; ++i)
        while (g_stamp[i].load() < 0 && SteadyClock::now() < deadline) sleep_us(500);
      pg_core = (pg_cpu_seconds(s.pg_postmaster) - pg0) /
                std::chrono::duration<double>(SteadyClock::now() - t0).count() * 100;
      for (std::size_t i = s.warmup_samples; i < g_stamp_size; ++i)
        if (g_stamp[i].load() >= 0) all.push_back(g_stamp[i].load());
      spacing.push_back(static_cast<double>(w.sh->measure_end - w.sh->measure_start) / 1e3 /
                        s.samples);
      call.push_back(static_cast<double>(w.sh->enqueue_call_ns.load()) / 1e3);
      w.sh->phase = kFlush;
      w.wait_all(kFlushed, std::chrono::seconds(60));
    }
    std::sort(all.begin(), all.end());
    auto at = [&](double q) {
      if (all.empty()) return 0.0;
      const std::size_t i =
          std::min(static_cast<std::size_t>(q * static_cast<double>(all.size())), all.size() - 1);
      return static_cast<double>(all[i]) / 1e3;
    };
    p50.push_back(at(0.50));
    p99.push_back(at(0.99));
    mx.push_back(all.empty() ? 0 : static_cast<double>(all.back()) / 1e3);
    started += all.size();
    expected += static_cast<std::uint64_t>(s.samples);
    std::fprintf(stderr,
                 "result tool=bunbase mode=latency from=%s workers=%d recording=%s samples=%d "
                 "interval_us=%d "
                 "p50_us=%.0f p99_us=%.0f max_us=%.0f spacing_us=%.0f enqueue_us=%.0f started=%zu "
                 "pg_core_pct=%.0f\n",
                 s.enqueue_from.c_str(), workers, recording ? "on" : "off", s.samples,
                 s.interval_us, p50.back(), p99.back(), mx.back(), spacing.back(), call.back(),
                 all.size(), pg_core);
  }
  std::printf("| %.0f | %.0f | %.0f | %.0f | %.0f | %llu / %llu |\n\n", median(p50), median(p99),
              median(mx), median(spacing), median(call), static_cast<unsigned long long>(started),
              static_cast<unsigned long long>(expected));
  return started == expected ? 0 : 1;
}

}  // namespace bench
