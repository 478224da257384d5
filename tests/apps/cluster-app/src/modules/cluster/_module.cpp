// cluster-app's actions: plain requests (POST /hits), queued jobs (POST /enqueue -> work),
// events with two subscribers (POST /emit -> audit, notify), a per-second cron tick and a
// rate-limited route (POST /limited). Each writes a row with its process id, so that a test
// reading the shared database counts every run across the instances.
#include <unistd.h>

#include <bunbase/bunbase.hpp>
#include <bunbase/guards.hpp>
#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t pid() { return static_cast<std::int64_t>(getpid()); }

struct Keyed {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> key;
};
BOOST_DESCRIBE_STRUCT(Keyed, (), (key))
struct Served {
  std::int64_t pid = 0;
};
BOOST_DESCRIBE_STRUCT(Served, (), (pid))

bb::Action hit() {
  return bb::action<Keyed, Served>(
      {.name = "hit",
       .description = "One row in hits: a request that needs the database",
       .triggers = {bb::triggers::api("POST", "/hits", {.status = 201})}},
      [](const Keyed& in, bb::Context& ctx) {
        ctx.db.exec("INSERT INTO hits (key, pid) VALUES ($1, $2)", {std::string(in.key), pid()});
        return Served{pid()};
      });
}

struct WorkInput {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> key;
  std::optional<bb::Int<bb::Minimum<0>, bb::Maximum<10000>>> sleepMs;
};
BOOST_DESCRIBE_STRUCT(WorkInput, (), (key, sleepMs))

// The job: sleeps (so that some are in flight when a process dies), then records its run.
bb::Action work() {
  return bb::action<WorkInput, bb::Empty>(
      {.name = "work", .description = "A job: sleeps sleepMs, then a row in job_runs"},
      [](const WorkInput& in, bb::Context& ctx) {
        if (in.sleepMs) std::this_thread::sleep_for(std::chrono::milliseconds(in.sleepMs->value));
        ctx.db.exec("INSERT INTO job_runs (key, pid, detail, at_ms) VALUES ($1, $2, $3, $4)",
                    {std::string(in.key), pid(), std::string(ctx.trigger.detail), now_ms()});
        return bb::Empty{};
      });
}

struct Batch {
  bb::String<bb::MinLength<1>, bb::MaxLength<50>> prefix;  // keys are prefix0, prefix1, ...
  bb::Int<bb::Minimum<1>, bb::Maximum<1000>> count;
  std::optional<bb::Int<bb::Minimum<0>, bb::Maximum<10000>>> sleepMs;  // work's
};
BOOST_DESCRIBE_STRUCT(Batch, (), (prefix, count, sleepMs))

bb::Action enqueue() {
  return bb::action<Batch, Served>(
      {.name = "enqueue",
       .description = "Queues `count` work jobs in one transaction",
       .triggers = {bb::triggers::api("POST", "/enqueue", {.status = 201})}},
      [](const Batch& in, bb::Context& ctx) {
        ctx.db.transaction([&](bb::db::Database&) {
          for (std::int64_t i = 0; i < in.count.value; ++i) {
            boost::json::object input{{"key", std::string(in.prefix) + std::to_string(i)}};
            if (in.sleepMs) input["sleepMs"] = in.sleepMs->value;
            ctx.queue.add("work", boost::json::value(std::move(input)));
          }
        });
        return Served{pid()};
      });
}

bb::Action emit() {
  return bb::action<Batch, Served>(
      {.name = "emit",
       .description = "Emits `count` cluster.pinged events, keys prefix0, prefix1, ...",
       .triggers = {bb::triggers::api("POST", "/emit", {.status = 201})}},
      [](const Batch& in, bb::Context& ctx) {
        for (std::int64_t i = 0; i < in.count.value; ++i)
          ctx.events.emit("cluster.pinged", {{"key", std::string(in.prefix) + std::to_string(i)}});
        return Served{pid()};
      });
}

// Two subscribers of cluster.pinged, each a row in `handled` per run.
bb::Action subscriber(std::string name) {
  return bb::action<Keyed, bb::Empty>(
      {.name = name,
       .description = "Subscribes to cluster.pinged: a row in handled",
       .triggers = {bb::triggers::event("cluster.pinged")}},
      [name](const Keyed& in, bb::Context& ctx) {
        ctx.db.exec(
            "INSERT INTO handled (event_key, subscriber, pid, detail) VALUES ($1, $2, $3, $4)",
            {std::string(in.key), name, pid(), std::string(ctx.trigger.detail)});
        return bb::Empty{};
      });
}

bb::Action tick() {
  return bb::action<bb::Empty, bb::Empty>(
      {.name = "tick",
       .description = "Every second: a row in ticks",
       .triggers = {bb::triggers::cron("*/1 * * * * *")}},
      [](const bb::Empty&, bb::Context& ctx) {
        ctx.db.exec("INSERT INTO ticks (detail, pid, at_ms) VALUES ($1, $2, $3)",
                    {std::string(ctx.trigger.detail), pid(), now_ms()});
        return bb::Empty{};
      });
}

bb::Action limited() {
  return bb::action<bb::Empty, Served>(
      {.name = "limited",
       .description = "10 calls a minute per IP, across every instance",
       .triggers = {bb::triggers::api("POST", "/limited")},
       .guards = {bb::guards::rate_limit({.limit = 10, .window = 60s})}},
      [](const bb::Empty&, bb::Context&) { return Served{pid()}; });
}

}  // namespace

BUNBASE_MODULE(cluster) {
  return bb::module(
      {.name = "cluster",
       .description =
           "Requests, jobs, events, a cron tick and a rate limit, for the multi-instance test",
       .actions = {hit(), work(), enqueue(), emit(), subscriber("audit"), subscriber("notify"),
                   tick(), limited()}});
}
