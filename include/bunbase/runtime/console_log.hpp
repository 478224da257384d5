// Where log lines go: the console (human-readable in a terminal, JSON lines otherwise) and,
// for lines written inside a run, action_logs through the WriteBuffer.
//
//   bb::ConsoleLog log({.level = bb::LogLevel::info, .format = "auto"});
//   log.system(bb::LogLevel::info, "listening", {{"url", "http://127.0.0.1:3000"}});
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "bunbase/core/log.hpp"

namespace bb {

class WriteBuffer;

class ConsoleLog final : public LogSink {
 public:
  struct Options {
    LogLevel level = LogLevel::info;
    std::string format = "auto";  // auto | human | json
    std::FILE* out = stderr;
  };
  explicit ConsoleLog(Options options);

  // Also record run logs in action_logs (nullptr: console only).
  void set_buffer(WriteBuffer* buffer) { buffer_ = buffer; }

  // Run logs at info and above are always recorded for the run history; the console shows
  // the configured level and above.
  bool enabled(LogLevel level) const override {
    return level >= options_.level || (buffer_ && level >= LogLevel::info);
  }
  void write(LogLevel level, std::string_view message, const boost::json::object& meta,
             const LogScope& scope) override;
  // A line that belongs to no run (start-up, shutdown).
  void system(LogLevel level, std::string_view message, const boost::json::object& meta = {});

 private:
  Options options_;
  bool json_;
  bool color_;
  WriteBuffer* buffer_ = nullptr;
  std::mutex mutex_;
};

}  // namespace bb
