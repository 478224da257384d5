// The event bus behind ctx.events: each emitted event is recorded in the `events` table and
// handed to every action whose event trigger matches it, as a run of its own (trigger type
// "event", the emitting run as parent, the same trace). Subscribers run on a bounded pool of
// threads; when `capacity` deliveries wait, emit() blocks or fails (503 event_bus_full), as
// configured. One subscriber's failure is its own failed run and touches nobody else.
//
// Several instances on one PostgreSQL (`cluster_url`): an emitted event is published (its row,
// then NOTIFY bunbase_events_<schema hash> with its id) instead of delivered here; every instance's relay
// thread hears it, and for each of its subscribers claims the delivery in `event_deliveries`
// (the first instance to insert the row runs it; a broadcast subscriber runs everywhere).
// A sweep every few seconds claims what a lost notification left behind. A claimed delivery
// whose instance dies before running it is lost: events are at most once per subscriber, a
// job (ctx.queue.add) is the tool for at least once.
//
//   EventBus bus(app.registry(), app.executor(), app.db(), app.log(), {.workers = 4});
//   executor.connect(&bus, &queue);
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/core/registry.hpp"
#include "bunbase/db/notifications.hpp"
#include "bunbase/runtime/executor.hpp"

namespace bb {

class EventBus final : public EventSink {
 public:
  struct Options {
    int workers = 4;
    std::size_t capacity = 10000;
    bool fail_when_full = false;  // else block the emitting thread until there is room
    std::string cluster_url;      // PostgreSQL shared with other instances: relay through it
    std::chrono::seconds sweep_window{600};  // how far back the sweep looks for unclaimed events
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
  // Queues a delivery for the bus's threads: in room admit() reserved, or waiting for room
  // (unless on one of those threads, which must never wait for themselves).
  void enqueue(Delivery d, bool reserved);
  // The same under mutex_, held by `lock`; false when the bus is stopping (d is dropped).
  bool push(std::unique_lock<std::mutex>& lock, Delivery d, bool reserved);
  // The event's row; false when it could not be written.
  bool record(const std::string& id, const PendingEvent& event, const Context& from);

  // Cluster mode (event_relay.cpp).
  // Counts the event's `subscribers` here as queued until the relay offers it, then NOTIFYs.
  void publish(const std::string& id, std::string_view name, std::size_t subscribers);
  // Builds the sweep's statement from the subscribers, once (at construction).
  void prepare_sweep();
  void relay_loop();
  void relay(const std::string& event_id);
  void sweep();
  // Claims this event's deliveries for the given subscribers in one statement; returns those won.
  std::vector<const Subscriber*> claim(const std::string& event_id, const std::vector<const Subscriber*>& wanted);
  // The deliveries of an event row for the subscribers here: broadcast ones (when
  // `with_broadcast`) and the non-broadcast ones this instance wins the claim for.
  std::vector<Delivery> offer(const db::Row& event, bool with_broadcast);
  // Queues them for the bus's threads; the event is no longer unsettled.
  void hand_over(const std::string& event_id, std::vector<Delivery> deliveries);

  static constexpr std::string_view kEventsChannel = "bunbase_events";

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

  std::string instance_;                       // this process, in event_deliveries.instance
  std::string channel_;                        // bunbase_events_<hash of the schema>
  std::string sweep_sql_;                      // empty: nothing to sweep
  std::vector<db::Value> sweep_patterns_;      // its LIKE patterns, $3...
  std::unique_ptr<db::Listener> listener_;     // cluster mode only
  std::thread relay_thread_;
  // Published here, not yet offered by the relay (drain waits for them), with the room admit()
  // reserved for each in fail mode, held until then. Under mutex_.
  std::map<std::string, std::size_t> unsettled_;  // event id -> its subscribers here
  std::size_t relaying_ = 0;                      // the sum of those
};

}  // namespace bb
