// PostgreSQL's LISTEN/NOTIFY: how the instances of an app sharing one database hear about
// new work at once (an event was emitted) instead of polling for it. A notification is sent
// with an ordinary statement, and inside a transaction it leaves only when that commits:
//
//   db.exec("SELECT pg_notify($1, $2)", {"bunbase_events", event_id});
//
//   auto listener = bb::db::listen(url, {"bunbase_events"});
//   while (running) {
//     for (const auto& n : listener->wait(std::chrono::seconds(1))) handle(n.payload);
//     if (listener->take_reconnected()) catch_up();   // what was sent while the link was down is lost
//   }
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/db/database.hpp"

namespace bb::db {

struct Notification {
  std::string channel;
  std::string payload;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Waits up to `timeout` and returns what arrived (often nothing). A lost connection is not
  // an error: the next calls reconnect (with a pause between attempts) and LISTEN again, and
  // take_reconnected() then answers true once.
  virtual std::vector<Notification> wait(std::chrono::milliseconds timeout) = 0;
  virtual bool take_reconnected() = 0;
  // Makes a wait() in progress on another thread return now (shutdown). Thread-safe.
  virtual void interrupt() = 0;
};

// `prefix` + "_" + a hash of the connection's current schema: NOTIFY is heard database-wide, so
// apps (or tests) in other schemas of the same database get channels of their own.
std::string schema_channel(Database& db, std::string_view prefix);

// Opens a dedicated connection (not from the pool) and listens on `channels` (plain names).
// Throws DbError connection when the server cannot be reached, and for a SQLite URL.
std::unique_ptr<Listener> listen(std::string_view url, const std::vector<std::string>& channels,
                                 const OpenOptions& options = {});

}  // namespace bb::db
