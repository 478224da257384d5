#include "bunbase/core/trigger.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace bb {

std::string Trigger::describe() const {
  return std::visit([](const ApiTrigger& t) { return "api " + t.method + " " + t.path; }, spec);
}

namespace triggers {

Trigger api(std::string method, std::string path, ApiOptions options) {
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods))
    throw std::invalid_argument("api trigger: unsupported method \"" + method + "\"");
  if (path.empty() || path.front() != '/')
    throw std::invalid_argument("api trigger: path \"" + path + "\" must start with '/'");
  return Trigger{ApiTrigger{std::move(method), std::move(path), std::move(options)}};
}

}  // namespace triggers
}  // namespace bb
