// The event bus behind ctx.events: each emitted event is recorded in the `events` table and
// handed to every action whose event trigger matches it, as a run of its own (trigger type
// "event", the emitting run as parent, the same trace). Subscribers run on a bounded pool of
// threads; when `capacity` deliveries wait, emit() blocks or fails (503 event_bus_full), as
// configured. One subscriber's failure is its own failed run and touches nobody else.
//
//   EventBus bus(app.registry(), app.executor(), app.db(), app.log(), {.workers = 4});
//   executor.connect(&bus, &queue);
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/core/registry.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb {

class EventBus final : public EventSink {
 public:
  struct Options {
    int workers = 4;
    std::size_t capacity = 10000;
    bool fail_when_full = false;  // else block the emitting thread until there is room
  };
  struct Stats {
    std::uint64_t emitted = 0, delivered = 0, failed = 0;
  };

  EventBus(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Options options);
  ~EventBus() override;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  void deliver(const PendingEvent& event, const Context& from, bool wait) override;
  void admit(std::string_view name) override;
  void release(std::string_view name) override;

  // Returns once no delivery is waiting or running (tests; shutdown).
  void drain();
  // Runs what waits, then joins the threads. Idempotent.
  void stop();
  Stats stats() const;

  // "user.*" matches "user.created" and "user.email.changed"; "*" everything.
  static bool matches(std::string_view pattern, std::string_view name);

 private:
  struct Subscriber {
    const RegisteredAction* action;
    const EventTrigger* trigger;
  };
  struct Delivery {
    const Subscriber* subscriber;
    std::string event_id, name, trace_id, parent_run_id;
    boost::json::object payload;
    Auth auth;
  };

  void loop();
  // Runs one delivery; a map() that throws is recorded as the subscriber's failed run.
  void run(Delivery& d);
  std::size_t subscribers_of(std::string_view name) const;

  Executor& executor_;
  db::Database& db_;
  Log log_;
  Options options_;
  std::vector<Subscriber> subscribers_;

  mutable std::mutex mutex_;
  std::condition_variable wake_, room_, idle_;
  std::deque<Delivery> waiting_;
  std::size_t reserved_ = 0;  // room held by admitted events (fail mode)
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> emitted_{0}, delivered_{0}, failed_{0};
};

}  // namespace bb
