// ctx.events and ctx.queue: the handler-facing halves; the runtime's EventBus and JobQueue do
// the work behind EventSink and JobSink.
#include <stdexcept>

#include "bunbase/core/error.hpp"
#include "bunbase/core/events.hpp"
#include "bunbase/core/queue.hpp"

namespace bb {

namespace {

void check_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 200;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == ':' || c == '-');
  if (!ok) throw std::invalid_argument("event name \"" + std::string(name) + "\": expected 1-200 of A-Z a-z 0-9 _ . : -");
}

}  // namespace

void Events::emit(std::string_view name, boost::json::object payload) {
  check_name(name);
  if (sink_) sink_->admit(name);
  pending_.push_back({std::string(name), std::move(payload)});
}

void Events::emit_sync(std::string_view name, boost::json::object payload) {
  check_name(name);
  if (!sink_ || !from_) throw std::logic_error("emit_sync outside a run with an event bus");
  sink_->deliver({std::string(name), std::move(payload)}, *from_, true);
}

Enqueued Queue::add(std::string_view action, const boost::json::value& input, const JobOptions& options) {
  if (!sink_) throw Error(ErrorCode::internal, "this run has no job queue");
  return sink_->enqueue(action, input, options, from_);
}

}  // namespace bb
