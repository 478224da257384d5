#include "bunbase/core/trigger.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace bb {

std::string Trigger::describe() const {
  struct Describe {
    std::string operator()(const ApiTrigger& t) const { return "api " + t.method + " " + t.path; }
    std::string operator()(const EventTrigger& t) const { return "event " + t.pattern; }
    std::string operator()(const CronTrigger& t) const {
      return "cron " + t.expression + (t.options.timezone == "UTC" ? "" : " (" + t.options.timezone + ")");
    }
    std::string operator()(const ToolTrigger& t) const {
      return "tool" + (t.options.name.empty() ? std::string() : " " + t.options.name);
    }
    std::string operator()(const WebhookTrigger& t) const { return "webhook POST " + t.path; }
  };
  return std::visit(Describe{}, spec);
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

Trigger event(std::string pattern, EventOptions options) {
  bool ok = !pattern.empty() && pattern.size() <= 200;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {  // only as a whole last segment: "*" or "user.*"
      ok = ok && i + 1 == pattern.size() && (i == 0 || pattern[i - 1] == '.');
      continue;
    }
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-');
  }
  if (!ok)
    throw std::invalid_argument("event trigger: pattern \"" + pattern +
                                "\" must be an event name, optionally ending in \".*\" (or \"*\")");
  return Trigger{EventTrigger{std::move(pattern), std::move(options)}};
}

Trigger tool(ToolOptions options) {
  bool ok = options.name.size() <= 128;
  for (char c : options.name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok)
    throw std::invalid_argument("tool trigger: name \"" + options.name + "\" must be 1-128 of A-Z a-z 0-9 _ . -");
  return Trigger{ToolTrigger{std::move(options)}};
}

Trigger webhook(std::string path, WebhookOptions options) {
  if (path.empty() || path.front() != '/')
    throw std::invalid_argument("webhook trigger: path \"" + path + "\" must start with '/'");
  if (!options.verify)
    throw std::invalid_argument("webhook trigger " + path + ": a verifier is required (bb::webhooks::stripe(secret), ...)");
  return Trigger{WebhookTrigger{std::move(path), std::move(options)}};
}

Trigger cron(std::string expression, CronOptions options) {
  if (expression.empty()) throw std::invalid_argument("cron trigger: empty expression");
  return Trigger{CronTrigger{std::move(expression), std::move(options)}};
}

}  // namespace triggers
}  // namespace bb
