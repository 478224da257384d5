#include "bunbase/core/log.hpp"

#include <stdexcept>
#include <string>

namespace bb {

std::string_view to_string(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

LogLevel parse_log_level(std::string_view s) {
  if (s == "debug") return LogLevel::debug;
  if (s == "info") return LogLevel::info;
  if (s == "warn" || s == "warning") return LogLevel::warn;
  if (s == "error") return LogLevel::error;
  throw std::invalid_argument("unknown log level \"" + std::string(s) +
                              "\" (expected debug, info, warn or error)");
}

}  // namespace bb
