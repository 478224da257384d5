// The event bus across instances sharing one PostgreSQL (see event_bus.hpp): publishing,
// the relay thread that hears NOTIFY bunbase_events, claiming deliveries, and the sweep.
#include <pthread.h>

#include <boost/json/parse.hpp>

#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/event_bus.hpp"

namespace bb {

namespace {

// How often the sweep runs, and how old an unclaimed event must be before it takes it (its
// notification is probably still on the way).
constexpr std::chrono::seconds kSweepEvery{5};
constexpr std::chrono::seconds kSweepGrace{2};

std::string text_of(const db::Row& row, std::string_view key) {
  const auto* v = row.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The emitting principal, as written in the event's row: its user (with the organization), or
// the system.
Auth auth_of(const db::Row& event) {
  std::string user = text_of(event, "user_id");
  if (user.empty()) return Auth::system();
  Auth a = Auth::user(user);
  a.org_id = text_of(event, "org_id");
  return a;
}

// A LIKE pattern for a subscription pattern: "user.*" -> "user.%", "a_b" -> "a\_b".
std::string like_of(std::string_view pattern) {
  std::string out;
  bool wildcard = pattern.ends_with(".*");
  if (wildcard) pattern.remove_suffix(1);
  for (char c : pattern) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return wildcard ? out + "_%" : out;
}

constexpr std::string_view kSelectEvents = "SELECT id, name, payload, run_id, trace_id, user_id, org_id FROM events";
constexpr std::string_view kEventById =
    "SELECT id, name, payload, run_id, trace_id, user_id, org_id FROM events WHERE id = $1";

}  // namespace

void EventBus::publish(const std::string& id, std::string_view name, std::size_t subscribers) {
  {
    std::lock_guard lock(mutex_);
    // Its deliveries count as queued here until the relay has offered it (the room admit()
    // reserved for them in fail mode stays taken until then).
    unsettled_[id] = subscribers;
    relaying_ += subscribers;
  }
  try {
    db_.exec("SELECT pg_notify($1, $2)", {channel_, id});
  } catch (const std::exception& e) {  // the sweep finds it
    log_.warn("event not announced; the sweep will deliver it", {{"event", name}, {"error", e.what()}});
  }
}

void EventBus::prepare_sweep() {
  // Only events some subscriber here wants: the others are never claimed and would fill every
  // page of the sweep. $1 and $2 bound the age; the patterns follow.
  std::string names;
  for (const auto& s : subscribers_) {
    if (s.trigger->options.broadcast) continue;
    if (s.trigger->pattern == "*") {
      names = "TRUE";
      sweep_patterns_.clear();
      break;
    }
    sweep_patterns_.push_back(like_of(s.trigger->pattern));
    names += (names.empty() ? "" : " OR ") + std::string("e.name LIKE $") + std::to_string(sweep_patterns_.size() + 2);
  }
  if (names.empty()) return;  // only broadcast subscribers: nothing to sweep
  sweep_sql_ = kSelectEvents;
  sweep_sql_ += " e WHERE e.emitted_at > $1 AND e.emitted_at < $2 AND (";
  sweep_sql_ += names;
  sweep_sql_ += ") AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = e.id) ORDER BY e.emitted_at LIMIT 500";
}

void EventBus::relay_loop() {
  pthread_setname_np(pthread_self(), "bb-relay");
  auto next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    for (const auto& n : listener_->wait(std::chrono::seconds(1))) {
      try {
        relay(n.payload);
      } catch (const std::exception& e) {  // the sweep tries again
        log_.warn("event relay failed", {{"eventId", n.payload}, {"error", e.what()}});
      }
    }
    const bool reconnected = listener_->take_reconnected();
    if (reconnected || std::chrono::steady_clock::now() >= next_sweep) {
      try {
        sweep();
      } catch (const std::exception& e) {
        log_.warn("event sweep failed", {{"error", e.what()}});
      }
      // Just reconnected: events announced while the link was down are younger than the grace
      // the sweep leaves the relay, so look again as soon as they are old enough.
      next_sweep = std::chrono::steady_clock::now() + (reconnected ? kSweepGrace + std::chrono::milliseconds(100) : kSweepEvery);
    }
  }
}

void EventBus::relay(const std::string& event_id) {
  auto row = db_.query_one(kEventById, {event_id});
  hand_over(event_id, row ? offer(*row, true) : std::vector<Delivery>{});
}

void EventBus::sweep() {
  if (sweep_sql_.empty()) return;
  std::vector<db::Value> params = {iso_in(-std::chrono::duration_cast<std::chrono::seconds>(options_.sweep_window)),
                                   iso_in(-kSweepGrace)};
  params.insert(params.end(), sweep_patterns_.begin(), sweep_patterns_.end());
  for (const auto& r : db_.query(sweep_sql_, db::Params(params)))
    hand_over(text_of(r.as_object(), "id"), offer(r.as_object(), false));
}

std::vector<const EventBus::Subscriber*> EventBus::claim(const std::string& event_id,
                                                          const std::vector<const Subscriber*>& wanted) {
  if (wanted.empty()) return {};
  std::vector<db::Value> params = {event_id, instance_, iso_now()};
  std::string sql = "INSERT INTO event_deliveries (event_id, action, instance, claimed_at) VALUES ";
  for (const auto* s : wanted) {
    params.emplace_back(s->action->name());
    sql += (params.size() > 4 ? ", " : "") + std::string("($1, $") + std::to_string(params.size()) + ", $2, $3)";
  }
  sql += " ON CONFLICT DO NOTHING RETURNING action";
  std::vector<const Subscriber*> won;
  for (const auto& r : db_.query(sql, db::Params(params))) {
    std::string action = text_of(r.as_object(), "action");
    for (const auto* s : wanted)
      if (s->action->name() == action) won.push_back(s);
  }
  return won;
}

std::vector<EventBus::Delivery> EventBus::offer(const db::Row& event, bool with_broadcast) {
  const std::string id = text_of(event, "id"), name = text_of(event, "name");
  std::vector<const Subscriber*> broadcast, shared;
  for (const auto& s : subscribers_) {
    if (!matches(s.trigger->pattern, name)) continue;
    (s.trigger->options.broadcast ? broadcast : shared).push_back(&s);
  }
  std::vector<const Subscriber*> mine = claim(id, shared);
  if (with_broadcast) mine.insert(mine.end(), broadcast.begin(), broadcast.end());
  std::vector<Delivery> out;
  if (mine.empty()) return out;
  boost::json::object payload;
  if (auto v = boost::json::parse(text_of(event, "payload")); v.is_object()) payload = std::move(v.as_object());
  for (const auto* s : mine)
    out.push_back(Delivery{s, id, name, text_of(event, "trace_id"), text_of(event, "run_id"), payload, auth_of(event)});
  return out;
}

void EventBus::hand_over(const std::string& event_id, std::vector<Delivery> deliveries) {
  std::unique_lock lock(mutex_);
  // An event published here comes with the room admit() reserved for it: used now, in the
  // same step as the event stops being unsettled, so neither admit() nor drain() sees a gap.
  std::size_t reserved_here = 0;
  if (auto it = unsettled_.find(event_id); it != unsettled_.end()) {
    relaying_ -= std::min(relaying_, it->second);
    if (options_.fail_when_full) reserved_here = it->second;
    unsettled_.erase(it);
  }
  for (auto& d : deliveries) {
    const bool reserved = reserved_here > 0;
    if (reserved) --reserved_here;
    if (!push(lock, std::move(d), reserved)) break;
  }
  reserved_ -= std::min(reserved_, reserved_here);  // room for subscribers another instance won
  if (unsettled_.empty()) idle_.notify_all();  // drain() and stop() wait for this
}

}  // namespace bb
