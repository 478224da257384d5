// ctx.log: a logger bound to the current run. Lines go to the console and to action_logs.
//
//   ctx.log.info("user created", {{"userId", id}});
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace bb {

enum class LogLevel { debug, info, warn, error };
std::string_view to_string(LogLevel l);
// "debug" | "info" | "warn" | "error"; throws std::invalid_argument otherwise.
LogLevel parse_log_level(std::string_view s);

struct LogScope {
  std::string_view run_id;
  std::string_view trace_id;
  std::string_view action;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual bool enabled(LogLevel level) const = 0;
  virtual void write(LogLevel level, std::string_view message, const boost::json::object& meta,
                     const LogScope& scope) = 0;
};

class Log {
 public:
  Log(LogSink* sink, LogScope scope) : sink_(sink), scope_(scope) {}

  void debug(std::string_view m, const boost::json::object& meta = {}) { write(LogLevel::debug, m, meta); }
  void info(std::string_view m, const boost::json::object& meta = {}) { write(LogLevel::info, m, meta); }
  void warn(std::string_view m, const boost::json::object& meta = {}) { write(LogLevel::warn, m, meta); }
  void error(std::string_view m, const boost::json::object& meta = {}) { write(LogLevel::error, m, meta); }

  void write(LogLevel level, std::string_view message, const boost::json::object& meta) {
    if (sink_ && sink_->enabled(level)) sink_->write(level, message, meta, scope_);
  }

 private:
  LogSink* sink_;
  LogScope scope_;
};

}  // namespace bb
