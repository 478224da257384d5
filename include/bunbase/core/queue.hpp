// ctx.queue: durable background jobs. A job names an action and its input, validated now (a bad
// input fails the caller, not a worker); workers run it later through the executor, at least
// once, retrying with exponential backoff and jitter until max_attempts, then `dead`.
//
//   ctx.queue.add("sendWelcomeEmail", WelcomeInput{.userId = id});
//   ctx.queue.add("report", {{"day", day}}, {.delay = std::chrono::minutes(5), .unique_key = "report:" + day});
//
// Called inside ctx.db.transaction(...), the job is written through that transaction: it is
// enqueued if the transaction commits and not at all if it rolls back (a transactional outbox).
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bunbase/schema/schema.hpp"

namespace bb {

struct Context;

struct JobOptions {
  std::string queue = "default";  // workers per queue: [queue] workers / queues
  std::chrono::milliseconds delay{0};
  std::optional<std::chrono::system_clock::time_point> run_at;  // wins over delay
  int priority = 0;       // higher runs first
  int max_attempts = 3;   // then `dead`, keeping the last error
  std::chrono::milliseconds backoff{1000};             // the first retry's delay; doubles each time
  std::chrono::milliseconds max_backoff{60 * 60 * 1000};
  std::string unique_key;  // a second job with the key while one is pending or running is not added
  std::chrono::milliseconds timeout{0};  // 0: [queue] timeout
};

struct Enqueued {
  std::string id;          // the job's id (the existing job's, for a duplicate)
  bool duplicate = false;  // unique_key matched a pending or running job
};

// The runtime's side (the job queue).
class JobSink {
 public:
  virtual ~JobSink() = default;
  virtual Enqueued enqueue(std::string_view action, const boost::json::value& input, const JobOptions& options,
                           const Context* from) = 0;
};

class Queue {
 public:
  // Throws bb::Error: 404 action_not_found, 400 with the validation issues, 500 without a queue.
  Enqueued add(std::string_view action, const boost::json::value& input, const JobOptions& options = {});
  template <class In>
    requires(!std::is_convertible_v<const In&, boost::json::value>)
  Enqueued add(std::string_view action, const In& input, const JobOptions& options = {}) {
    return add(action, to_json(input), options);
  }

  void bind(JobSink* sink, const Context* from) {
    sink_ = sink;
    from_ = from;
  }

 private:
  JobSink* sink_ = nullptr;
  const Context* from_ = nullptr;
};

}  // namespace bb
