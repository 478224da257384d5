// ctx.events: emitting events that trigger other actions (`bb::triggers::event("user.created")`).
// emit() is delivered after the run succeeds, asynchronously; an emit inside a failed run is
// dropped. emit_sync() runs the subscribers now, on the caller's thread, and returns when they
// are done (their failures are theirs: recorded as failed runs, not thrown).
//
//   ctx.events.emit("user.created", {{"userId", id}});
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace bb {

struct Context;

struct PendingEvent {
  std::string name;
  boost::json::object payload;
};

// The runtime's side (the event bus): delivers an event emitted by the run `from`.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // wait: run the subscribers on this thread before returning (emit_sync).
  virtual void deliver(const PendingEvent& event, const Context& from, bool wait) = 0;
  // Called by emit(): throws bb::Error (503 event_bus_full) when the bus is full and configured
  // to fail rather than block, so the emitting run fails instead of losing the event. An
  // admitted event holds its room until deliver() or, when the emitting run fails, release().
  virtual void admit(std::string_view /*name*/) {}
  virtual void release(std::string_view /*name*/) {}
};

class Events {
 public:
  // Event names: 1-200 of [A-Za-z0-9_.:-]; anything else throws std::invalid_argument.
  void emit(std::string_view name, boost::json::object payload = {});
  void emit_sync(std::string_view name, boost::json::object payload = {});

  // For the executor: where events go, and what the run emitted.
  void bind(EventSink* sink, const Context* from) {
    sink_ = sink;
    from_ = from;
  }
  std::vector<PendingEvent>& pending() { return pending_; }
  EventSink* sink() const { return sink_; }

 private:
  EventSink* sink_ = nullptr;
  const Context* from_ = nullptr;
  std::vector<PendingEvent> pending_;
};

}  // namespace bb
