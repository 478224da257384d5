// The event bus (see event_bus.hpp).
#include "bunbase/runtime/event_bus.hpp"

#include <pthread.h>

#include <boost/json/serialize.hpp>

#include "bunbase/core/id.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/db/migrations.hpp"

namespace bb {

namespace {

// The principal a subscriber runs as: the emitting user (with its organization), else the system.
Auth subscriber_auth(const Auth& from) {
  if (!from.is_user()) return Auth::system();
  Auth a = Auth::user(from.user_id);
  a.org_id = from.org_id;
  return a;
}

// Set on the bus's own threads: a subscriber that emits must never wait for room that only
// these threads can make.
thread_local bool on_bus_thread = false;

}  // namespace

bool EventBus::matches(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return true;
  if (pattern.ends_with(".*")) {
    auto prefix = pattern.substr(0, pattern.size() - 1);  // "user."
    return name.size() > prefix.size() && name.starts_with(prefix);
  }
  return pattern == name;
}

EventBus::EventBus(const Registry& registry, Executor& executor, db::Database& db, LogSink& log, Options options)
    : executor_(executor), db_(db), log_(&log, LogScope{.action = "event bus"}), options_(options) {
  for (const auto& a : registry.actions())
    for (const auto& t : a->action->options.triggers)
      if (const auto* e = std::get_if<EventTrigger>(&t.spec)) subscribers_.push_back({a.get(), e});
  if (subscribers_.empty()) return;  // nothing to deliver to: no threads
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { loop(); });
  if (!options_.cluster_url.empty()) {
    instance_ = new_id();
    channel_ = db::schema_channel(db_, kEventsChannel);
    listener_ = db::listen(options_.cluster_url, {channel_});
    prepare_sweep();
    relay_thread_ = std::thread([this] { relay_loop(); });
  }
}

EventBus::~EventBus() { stop(); }


std::size_t EventBus::subscribers_of(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& s : subscribers_) n += matches(s.trigger->pattern, name) ? 1 : 0;
  return n;
}

void EventBus::admit(std::string_view name) {
  if (!options_.fail_when_full) return;
  const std::size_t n = subscribers_of(name);
  if (n == 0) return;
  std::lock_guard lock(mutex_);
  if (waiting_.size() + reserved_ + n > options_.capacity)
    throw Error(ErrorCode::unavailable, "the event bus is full; try again").with_code("event_bus_full");
  reserved_ += n;
}

void EventBus::release(std::string_view name) {
  if (!options_.fail_when_full) return;
  const std::size_t n = subscribers_of(name);
  std::lock_guard lock(mutex_);
  reserved_ -= std::min(reserved_, n);
}

bool EventBus::record(const std::string& id, const PendingEvent& event, const Context& from) {
  try {
    db_.exec(
        "INSERT INTO events (id, name, payload, run_id, trace_id, emitted_at, user_id, org_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {id, event.name, boost::json::serialize(event.payload), from.run_id, from.trace_id, iso_now(),
         from.auth.is_user() ? db::Value(from.auth.user_id) : db::Value(nullptr),
         from.auth.org_id.empty() ? db::Value(nullptr) : db::Value(from.auth.org_id)});
    return true;
  } catch (const std::exception& e) {  // the record is for the dashboard: delivery goes on
    log_.warn("event not recorded", {{"event", event.name}, {"error", e.what()}});
    return false;
  }
}

void EventBus::deliver(const PendingEvent& event, const Context& from, bool wait) {
  const std::string id = new_id();
  emitted_.fetch_add(1, std::memory_order_relaxed);
  std::vector<const Subscriber*> here;
  for (const auto& s : subscribers_)
    if (matches(s.trigger->pattern, event.name)) here.push_back(&s);
  // Cluster mode: every instance's relay hears of it and one runs each subscriber. With no
  // subscriber here there is none in the other instances of this app either: only the record.
  // An event that cannot be published is delivered here rather than lost.
  if (listener_ && !wait) {
    if (here.empty()) {
      record(id, event, from);
      return;
    }
    if (!options_.fail_when_full && !on_bus_thread) {  // block mode: wait for room here, as locally
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return stopping_ || waiting_.size() + relaying_ < options_.capacity; });
    }
    if (record(id, event, from)) {
      publish(id, event.name, here.size());
      return;
    }
  }
  const bool recorded = listener_ && !wait ? false : record(id, event, from);
  if (listener_ && wait && recorded) {
    // emit_sync runs them here and now: claimed first, so no other instance runs them too.
    std::vector<const Subscriber*> shared;
    for (const auto* s : here)
      if (!s->trigger->options.broadcast) shared.push_back(s);
    (void)claim(id, shared);
  }
  for (const auto* s : here) {
    Delivery d{s, id, event.name, std::string(from.trace_id), std::string(from.run_id), event.payload,
               subscriber_auth(from.auth)};
    if (wait) {
      run(d);
      continue;
    }
    enqueue(std::move(d), options_.fail_when_full);  // fail mode: admit() reserved the room
  }
}

void EventBus::enqueue(Delivery d, bool reserved) {
  std::unique_lock lock(mutex_);
  push(lock, std::move(d), reserved);
}

bool EventBus::push(std::unique_lock<std::mutex>& lock, Delivery d, bool reserved) {
  if (reserved)
    reserved_ -= std::min<std::size_t>(reserved_, 1);
  else if (!on_bus_thread)
    room_.wait(lock, [&] { return stopping_ || waiting_.size() < options_.capacity; });
  if (stopping_) {
    log_.warn("event dropped: the bus is stopping", {{"event", d.name}});
    return false;
  }
  waiting_.push_back(std::move(d));
  wake_.notify_one();
  return true;
}

void EventBus::run(Delivery& d) {
  const std::string detail = d.name + " " + d.event_id;
  Invocation inv{.action = d.subscriber->action,
                 .trigger_type = "event",
                 .trigger_detail = detail,
                 .auth = std::move(d.auth),
                 .trace_id = d.trace_id,
                 .parent_run_id = d.parent_run_id};
  std::string why;
  try {
    inv.input = d.subscriber->trigger->options.map ? d.subscriber->trigger->options.map(d.payload)
                                                   : boost::json::value(d.payload);
  } catch (const std::exception& e) {
    why = e.what();
    inv.input = boost::json::object();
    inv.refused = Error(ErrorCode::invalid_argument, "the event could not be mapped to the action's input")
                      .with_code("event_map_failed");
    inv.refused_cause = why;
  }
  RunResult r = executor_.run(inv);
  (r.ok() ? delivered_ : failed_).fetch_add(1, std::memory_order_relaxed);
}

void EventBus::loop() {
  pthread_setname_np(pthread_self(), "bb-events");
  on_bus_thread = true;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) return;  // stopping, nothing left
    Delivery d = std::move(waiting_.front());
    waiting_.pop_front();
    ++running_;
    room_.notify_one();
    lock.unlock();
    try {
      run(d);
    } catch (const std::exception& e) {  // the executor never throws for the action; a map() might
      failed_.fetch_add(1, std::memory_order_relaxed);
      log_.error("event delivery failed", {{"event", d.name}, {"action", d.subscriber->action->name()},
                                           {"error", e.what()}});
    }
    lock.lock();
    --running_;
    if (waiting_.empty() && running_ == 0) idle_.notify_all();
  }
}

void EventBus::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return waiting_.empty() && running_ == 0 && unsettled_.empty(); });
}

void EventBus::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
  }
  if (listener_) {
    // What this instance published is delivered before it goes (a one-shot `run` command
    // emits and stops at once), unless the relay cannot get it done in a few seconds.
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, std::chrono::seconds(5), [&] { return unsettled_.empty(); });
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  room_.notify_all();
  if (listener_) listener_->interrupt();
  if (relay_thread_.joinable()) relay_thread_.join();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

EventBus::Stats EventBus::stats() const {
  return {emitted_.load(), delivered_.load(), failed_.load()};
}

}  // namespace bb
