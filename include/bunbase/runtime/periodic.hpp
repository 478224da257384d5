// Runs an action every `interval` on a thread of its own, through the executor (guards, run
// history) as the system principal with trigger type "cron", until the returned function is
// called. Built-in features use it for their housekeeping (the subscriptions sweep).
//
//   .start = [](bb::App& app) { return bb::run_every(app, "processSubscriptions", 60s); }
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace bb {

class App;

// The first run is one interval after the start. Stopping waits for a run in progress.
std::function<void()> run_every(App& app, std::string action, std::chrono::milliseconds interval);

}  // namespace bb
