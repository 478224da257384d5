// The jobs-app's work: `record` (the queued job), `enqueueMany` (POST /enqueue) and `tick` (a
// cron trigger every second). Each writes what it did, with its process id, so that a test
// reading the database can count runs across crashes and instances.
#include <signal.h>
#include <unistd.h>

#include <bunbase/bunbase.hpp>
#include <chrono>
#include <thread>

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct RecordInput {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> key;
  std::optional<bb::Int<bb::Minimum<0>, bb::Maximum<10000>>> sleepMs;
  std::optional<bb::Int<bb::Minimum<0>, bb::Maximum<1000>>> failTimes;  // the first N attempts fail
  std::optional<bool> crashAfterFirst;  // attempt 1 kills its process once its row is in `done`
  std::optional<bool> crashAtStart;     // every attempt kills its process once its start is noted
};
BOOST_DESCRIBE_STRUCT(RecordInput, (), (key, sleepMs, failTimes, crashAfterFirst, crashAtStart))
struct RecordOutput {
  std::int64_t attempt = 0;
};
BOOST_DESCRIBE_STRUCT(RecordOutput, (), (attempt))

// Notes its start in `starts`, sleeps, then counts this attempt; fails while the key has had at
// most failTimes attempts, else adds a row to `done`. A process killed during the sleep leaves
// only the start. With crashAfterFirst, the first attempt kills its own process after `done`:
// the work is done and its completion never written (the job is delivered again). With
// crashAtStart, every attempt kills its process right after its start is noted (a job that
// brings its worker down).
bb::Action record() {
  return bb::action<RecordInput, RecordOutput>(
      {.name = "record",
       .description = "A job: sleeps, fails the first failTimes attempts, records its run"},
      [](const RecordInput& in, bb::Context& ctx) {
        ctx.db.exec("INSERT INTO starts (key, pid, detail, at_ms) VALUES ($1, $2, $3, $4)",
                    {std::string(in.key), static_cast<std::int64_t>(getpid()), std::string(ctx.trigger.detail),
                     now_ms()});
        if (in.crashAtStart.value_or(false)) ::kill(::getpid(), SIGKILL);
        if (in.sleepMs) std::this_thread::sleep_for(std::chrono::milliseconds(in.sleepMs->value));
        const std::string key = in.key;
        ctx.db.exec("INSERT INTO attempts (key, pid, at_ms) VALUES ($1, $2, $3)",
                    {key, static_cast<std::int64_t>(getpid()), now_ms()});
        const std::int64_t attempt =
            ctx.db.query_one("SELECT count(*) AS n FROM attempts WHERE key = $1", {key})
                ->at("n")
                .as_int64();
        if (in.failTimes && attempt <= in.failTimes->value)
          throw bb::Error(bb::ErrorCode::unavailable,
                          "failing on purpose (attempt " + std::to_string(attempt) + ")")
              .with_code("failing_on_purpose");
        ctx.db.exec(
            "INSERT INTO done (key, attempt, pid, detail, at_ms) VALUES ($1, $2, $3, $4, $5)",
            {key, attempt, static_cast<std::int64_t>(getpid()), std::string(ctx.trigger.detail),
             now_ms()});
        if (in.crashAfterFirst.value_or(false) && std::string_view(ctx.trigger.detail).ends_with(" attempt 1"))
          ::kill(::getpid(), SIGKILL);
        return RecordOutput{attempt};
      });
}

struct EnqueueInput {
  bb::Int<bb::Minimum<1>, bb::Maximum<1000>> count;
  std::optional<bb::String<bb::MaxLength<50>>> prefix;  // keys are prefix + 0, 1, ...
  std::optional<bb::String<bb::MinLength<1>, bb::MaxLength<100>>> action;  // default: record
  // Passed on unchecked: the job's own schema is what must refuse a bad one.
  std::optional<std::int64_t> sleepMs;
  std::optional<std::int64_t> failTimes;
  std::optional<bool> crashAfterFirst;
  std::optional<bool> crashAtStart;
  std::optional<bb::Int<bb::Minimum<1>, bb::Maximum<100>>> maxAttempts;
  std::optional<bb::Int<bb::Minimum<1>, bb::Maximum<60000>>> backoffMs;
};
BOOST_DESCRIBE_STRUCT(EnqueueInput, (),
                      (count, prefix, action, sleepMs, failTimes, crashAfterFirst, crashAtStart, maxAttempts,
                       backoffMs))
struct EnqueueOutput {
  std::vector<std::string> jobIds;
};
BOOST_DESCRIBE_STRUCT(EnqueueOutput, (), (jobIds))

bb::Action enqueue_many() {
  return bb::action<EnqueueInput, EnqueueOutput>(
      {.name = "enqueueMany",
       .description = "Queues `count` jobs of `action` with the keys prefix0, prefix1, ...",
       .triggers = {bb::triggers::api("POST", "/enqueue", {.status = 201})}},
      [](const EnqueueInput& in, bb::Context& ctx) {
        bb::JobOptions options;
        if (in.maxAttempts) options.max_attempts = static_cast<int>(in.maxAttempts->value);
        if (in.backoffMs) options.backoff = std::chrono::milliseconds(in.backoffMs->value);
        const std::string action = in.action ? std::string(*in.action) : "record";
        const std::string prefix = in.prefix ? std::string(*in.prefix) : "";
        EnqueueOutput out;
        for (std::int64_t i = 0; i < in.count.value; ++i) {
          boost::json::object input{{"key", prefix + std::to_string(i)}};
          if (in.sleepMs) input["sleepMs"] = *in.sleepMs;
          if (in.failTimes) input["failTimes"] = *in.failTimes;
          if (in.crashAfterFirst) input["crashAfterFirst"] = *in.crashAfterFirst;
          if (in.crashAtStart) input["crashAtStart"] = *in.crashAtStart;
          out.jobIds.push_back(
              ctx.queue.add(action, boost::json::value(std::move(input)), options).id);
        }
        return out;
      });
}

bb::Action tick() {
  return bb::action<bb::Empty, bb::Empty>(
      {.name = "tick",
       .description = "Every second: a row in ticks",
       .triggers = {bb::triggers::cron("* * * * * *")}},
      [](const bb::Empty&, bb::Context& ctx) {
        ctx.db.exec(
            "INSERT INTO ticks (at_ms, pid, detail) VALUES ($1, $2, $3)",
            {now_ms(), static_cast<std::int64_t>(getpid()), std::string(ctx.trigger.detail)});
        return bb::Empty{};
      });
}

}  // namespace

BUNBASE_MODULE(work) {
  return bb::module(
      {.name = "work",
       .description = "Jobs, an enqueuing route and a per-second tick for the background tests",
       .actions = {record(), enqueue_many(), tick()}});
}
