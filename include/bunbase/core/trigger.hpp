// Triggers say how an action is invoked. They are declarations only: adapters in the runtime
// turn requests, events, ticks... into invocations of the one executor.
//
//   .triggers = {bb::triggers::api("GET", "/:id"), bb::triggers::api("POST", "/", {.status = 201})}
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bunbase/core/request.hpp"

namespace bb {

// What an api trigger's `map` receives. Defaults (no map): POST/PUT/PATCH take the JSON body,
// GET/DELETE the query string coerced to the input schema; path params always merge in.
struct ApiInput {
  const boost::json::value& body;     // parsed JSON body, or null when there is none
  const boost::json::object& query;   // raw query parameters (strings, or arrays of strings)
  const boost::json::object& params;  // path parameters (strings)
  const Request& request;
};

struct ApiOptions {
  std::function<boost::json::value(const ApiInput&)> map;
  int status = 200;  // the success status (201 for creation, 204 for no content)
};

struct ApiTrigger {
  std::string method;
  std::string path;  // relative to the module's api_prefix; ":name" segments are parameters
  ApiOptions options;
};

struct EventOptions {
  // The action's input from the event's payload; default: the payload itself.
  std::function<boost::json::value(const boost::json::object& payload)> map;
  // Several instances on one PostgreSQL: a subscriber runs once per event across all of them,
  // unless broadcast, when every instance runs it (to drop a local cache, say).
  bool broadcast = false;
};

// An event name ("user.created") or a pattern: "user.*" matches one or more trailing segments
// ("user.created", "user.email.changed"), "*" every event.
struct EventTrigger {
  std::string pattern;
  EventOptions options;
};

struct CronOptions {
  boost::json::value input = boost::json::object();  // the action's input on every tick
  std::string timezone = "UTC";                       // an IANA zone: "Europe/Paris"
};

// A cron schedule: 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading
// seconds field, or a macro (@hourly, @daily, ...). Checked at start-up (bb/runtime/cron.hpp).
struct CronTrigger {
  std::string expression;
  CronOptions options;
};

// An MCP tool (the app's /mcp endpoint and `<app> mcp`): the action's input and output types
// are the tool's inputSchema and outputSchema.
struct ToolAnnotations {  // hints for agents; unset: the protocol's defaults
  std::optional<bool> read_only, destructive, idempotent, open_world;
};
struct ToolOptions {
  std::string name;         // 1-128 of [A-Za-z0-9_.-]; default: the action's name
  std::string title;
  std::string description;  // default: the action's description
  ToolAnnotations annotations;
};
struct ToolTrigger {
  ToolOptions options;
};

// A verified webhook: POST <path> (under the module's api_prefix). `verify` sees the raw body
// before anything parses it and throws to refuse (bb::webhooks::stripe(secret), ...): the
// sender gets a bare 401. `event_id` names a delivery so that a redelivery runs the action once.
struct WebhookOptions {
  std::function<void(const Request&)> verify;
  // The action's input from the JSON body; default: the body itself.
  std::function<boost::json::value(const boost::json::value& body, const Request&)> map;
  // The delivery's id (Stripe's event id, `webhook-id`, `X-GitHub-Delivery`); empty: no dedupe.
  std::function<std::string(const boost::json::value& body, const Request&)> event_id;
  // Acknowledge with 202 once verified and run the action through the job queue.
  bool enqueue = false;
};
struct WebhookTrigger {
  std::string path;
  WebhookOptions options;
};

struct Trigger {
  std::variant<ApiTrigger, EventTrigger, CronTrigger, ToolTrigger, WebhookTrigger> spec;
  std::string describe() const;  // "api POST /users/:id" (path without the module prefix)
};

namespace triggers {
// Method is case-insensitive; the path must start with '/'. Throws std::invalid_argument.
Trigger api(std::string method, std::string path, ApiOptions options = {});
// Throws std::invalid_argument for an empty or malformed pattern.
Trigger event(std::string pattern, EventOptions options = {});
// The expression is parsed when the app starts (an invalid one stops it, naming the action).
Trigger cron(std::string expression, CronOptions options = {});
// Throws std::invalid_argument for a malformed tool name.
Trigger tool(ToolOptions options = {});
// The path must start with '/'; verify is required (std::invalid_argument otherwise).
Trigger webhook(std::string path, WebhookOptions options);
}  // namespace triggers

}  // namespace bb
