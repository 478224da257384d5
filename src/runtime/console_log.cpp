#include "bunbase/runtime/console_log.hpp"

#include <boost/json/serialize.hpp>
#include <unistd.h>

#include "bunbase/core/token_mask.hpp"
#include "bunbase/runtime/write_buffer.hpp"
#include "src/util/iso_time.hpp"

namespace bb {

ConsoleLog::ConsoleLog(Options options) : options_(std::move(options)) {
  bool tty = isatty(fileno(options_.out)) == 1;
  json_ = options_.format == "json" || (options_.format == "auto" && !tty);
  color_ = tty && !json_;
}

namespace {

// The run's log line as action_logs keeps it, without tokens (see token_mask.hpp).
LogRecord run_record(LogLevel level, std::string_view message, const boost::json::object& meta,
                     const LogScope& scope, std::string now) {
  LogRecord r{std::string(scope.run_id), std::string(to_string(level)), std::string(message),
              meta.empty() ? "" : boost::json::serialize(meta), std::move(now)};
  mask_tokens(r.message);
  mask_tokens(r.meta);
  return r;
}

}  // namespace

void ConsoleLog::write(LogLevel level, std::string_view message, const boost::json::object& meta,
                       const LogScope& scope) {
  std::string now = util::iso_now();
  if (level < options_.level) {
    if (buffer_ && !scope.run_id.empty()) buffer_->push(run_record(level, message, meta, scope, std::move(now)));
    return;
  }
  std::string line;
  if (json_) {
    boost::json::object o;
    o["time"] = now;
    o["level"] = to_string(level);
    o["msg"] = message;
    if (!scope.action.empty()) o["action"] = scope.action;
    if (!scope.run_id.empty()) o["runId"] = scope.run_id;
    if (!scope.trace_id.empty()) o["traceId"] = scope.trace_id;
    if (!meta.empty()) o["meta"] = meta;
    line = boost::json::serialize(o);
  } else {
    static constexpr const char* kColors[] = {"\x1b[90m", "\x1b[36m", "\x1b[33m", "\x1b[31m"};
    static constexpr const char* kNames[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
    int i = static_cast<int>(level);
    line = now.substr(11, 12) + " ";
    line += color_ ? std::string(kColors[i]) + kNames[i] + "\x1b[0m" : kNames[i];
    if (!scope.action.empty()) line.append(" [").append(scope.action).append("]");
    line.append(" ").append(message);
    for (const auto& kv : meta) {
      line.append(" ").append(kv.key()).append("=");
      line += kv.value().is_string() ? std::string(kv.value().get_string())
                                     : boost::json::serialize(kv.value());
    }
    if (!scope.trace_id.empty()) line.append(" trace=").append(scope.trace_id.substr(0, 8));
  }
  line += '\n';
  mask_tokens(line);  // a mail's link in development, a token someone put in a message
  {
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), options_.out);
    std::fflush(options_.out);
  }
  if (buffer_ && !scope.run_id.empty()) buffer_->push(run_record(level, message, meta, scope, std::move(now)));
}

void ConsoleLog::system(LogLevel level, std::string_view message, const boost::json::object& meta) {
  if (enabled(level)) write(level, message, meta, {});
}

}  // namespace bb
