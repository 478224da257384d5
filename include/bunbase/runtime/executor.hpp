// The one path every invocation takes, whatever the trigger: context, guards (module, then
// action), input validation and decoding, the handler, output encoding and validation, and
// the run record. Adapters build an Invocation and map the RunResult to their transport.
//
//   bb::Invocation inv{.action = registry.find("createUser"), .input = json, .trigger_type = "cli"};
//   bb::RunResult r = executor.run(inv);
//   if (!r.ok()) std::cerr << r.error->message();
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/error.hpp"
#include "bunbase/core/registry.hpp"

namespace bb {

class WriteBuffer;
class Metrics;

struct Invocation {
  const RegisteredAction* action = nullptr;
  boost::json::value input;  // before validation
  // The input's JSON text when the caller has it (an HTTP body): recorded as is, not re-serialised.
  std::string_view input_text;
  std::string_view trigger_type = "api";
  std::string_view trigger_detail;
  Auth auth;
  std::string_view trace_id;       // from the caller (traceparent), or empty for a new trace
  std::string_view parent_run_id;
  const Request* request = nullptr;
  Response* response = nullptr;
  // Set when the trigger already refused the call (a webhook that failed verification): the run
  // is recorded as failed with this error and cause, without guards or handler.
  std::optional<Error> refused;
  std::string_view refused_cause;
};

struct RunResult {
  std::optional<Error> error;
  boost::json::value output;  // null on error
  std::string run_id;
  char trace_id[33] = {};
  char span_id[17] = {};
  double duration_ms = 0;

  bool ok() const { return !error; }
};

class Executor {
 public:
  Executor(db::Database& db, LogSink& log, WriteBuffer* buffer, const Config* config = nullptr)
      : db_(db), log_(log), buffer_(buffer), config_(config) {}

  // Never throws for anything the action does; output is allocated from `storage`.
  RunResult run(Invocation& inv, boost::json::storage_ptr storage = {});

  // Where ctx.events and ctx.queue go (the app's EventBus and JobQueue); unset: they throw.
  void connect(EventSink* events, JobSink* jobs) {
    events_ = events;
    jobs_ = jobs;
  }
  // Where every run is counted (the app's metrics; unset: not counted).
  void measure(Metrics* metrics) { metrics_ = metrics; }

 private:
  db::Database& db_;
  LogSink& log_;
  WriteBuffer* buffer_;
  const Config* config_;
  EventSink* events_ = nullptr;
  JobSink* jobs_ = nullptr;
  Metrics* metrics_ = nullptr;
};

// 400 validation_failed with the first `max_listed` issues as {path, message} in
// details.errors, and details.errorsOmitted counting the rest (if any).
inline constexpr std::size_t kMaxListedErrors = 100;
Error validation_error(const std::vector<ValidationIssue>& issues, std::size_t max_listed = kMaxListedErrors);

// The error JSON kept in a run record (code, message, details; internal errors keep their cause).
boost::json::object error_record(const Error& e, std::string_view cause = {});

}  // namespace bb
