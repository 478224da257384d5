// What a run can reach: the database, a run-bound logger, its trace, the caller's identity and,
// for HTTP-like triggers, the request and response. Passed to guards and handlers, never global.
//
//   [](const In& in, bb::Context& ctx) -> Out {
//     auto rows = ctx.db.query("SELECT * FROM users WHERE id = $1", {in.id});
//     ctx.log.info("found", {{"count", rows.size()}});
//   }
#pragma once

#include <optional>
#include <string_view>

#include "bunbase/core/auth.hpp"
#include "bunbase/core/events.hpp"
#include "bunbase/core/log.hpp"
#include "bunbase/core/queue.hpp"
#include "bunbase/core/request.hpp"

namespace bb {

namespace db {
class Database;
}
struct Config;  // the app's configuration (runtime layer): read by built-in guards and modules

// How the run was started: "api", "cli", "test", "admin" (and, as they land, "event", "cron",
// "tool", "webhook", "queue"), with a transport-specific detail such as "POST /users/:id".
struct TriggerInfo {
  std::string_view type;
  std::string_view detail;
};

struct Context {
  db::Database& db;
  Log log;
  std::string_view action;
  std::string_view module;  // empty for standalone actions
  std::string_view run_id;
  std::string_view trace_id;
  std::string_view parent_run_id;
  TriggerInfo trigger;
  Auth auth;
  std::optional<Org> org;            // filled by bb::guards::in_org()
  const Config* config = nullptr;    // the app's configuration
  const Request* request = nullptr;  // api and webhook triggers only
  Response* response = nullptr;      // api and webhook triggers only
  Events events;                     // emit events (delivered once the run succeeds)
  Queue queue;                       // enqueue background jobs
};

}  // namespace bb
