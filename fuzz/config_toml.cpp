// The configuration (src/runtime/config.cpp): bunbase.toml read by toml++ and walked key by key,
// then the environment on top. What must hold: anything invalid is a std::runtime_error (the
// documented contract, which the CLI prints as "file:line:column: ..."), and an accepted
// configuration keeps the promises load_config makes about it.
//
// Input: the file's text; after a line "#ENV", NAME=value lines are the environment (each value
// also goes through parse_size and parse_duration, checked against exact arithmetic).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bunbase/runtime/config.hpp"
#include "fuzz/check.hpp"

namespace {

int file = -1;     // a memfd: the file load_config reads, rewritten for every input
std::string path;  // /proc/self/fd/<file>

bool valid_origin(const std::string& o) {
  const auto sep = o.find("://");
  return o == "*" || (sep != std::string::npos && o.find('/', sep + 3) == std::string::npos);
}

void check(const bb::Config& c) {
  FUZZ_CHECK(c.port >= 0 && c.port <= 65535, "port %d", c.port);
  FUZZ_CHECK(c.environment == "development" || c.environment == "production", "environment %s",
             c.environment.c_str());
  FUZZ_CHECK(c.log.format == "auto" || c.log.format == "human" || c.log.format == "json",
             "log.format");
  FUZZ_CHECK(c.database.pool.max >= 1 && c.database.readers >= 1, "pool or readers below 1");
  FUZZ_CHECK(c.http.idle_timeout_s >= 1 && c.http.max_errors >= 1,
             "idle timeout or max_errors below 1");
  FUZZ_CHECK(c.queue.lease.count() >= 1, "queue lease below 1 s");
  FUZZ_CHECK(c.events.overflow == "block" || c.events.overflow == "fail", "events.overflow");
  FUZZ_CHECK(c.cron.catch_up == "once" || c.cron.catch_up == "skip", "cron.catch_up");
  FUZZ_CHECK(c.mcp.path.size() >= 2 && c.mcp.path.front() == '/' && c.mcp.path.back() != '/',
             "mcp.path %s", c.mcp.path.c_str());
  FUZZ_CHECK(c.saas.path.empty() || (c.saas.path.front() == '/' && c.saas.path.back() != '/'),
             "saas.path");
  FUZZ_CHECK(!c.saas.enabled || c.saas.organizations, "saas without organizations");
  FUZZ_CHECK(!c.saas.stripe_enabled() || (c.saas.enabled && !c.saas.stripe.webhook_secrets.empty()),
             "Stripe without saas or a webhook secret");
  FUZZ_CHECK(c.saas.enabled || (c.saas.plans.empty() && c.saas.features.empty()),
             "plans without saas");
  int defaults = 0;
  for (const auto& p : c.saas.plans) defaults += p.is_default;
  FUZZ_CHECK(defaults <= 1, "%d default plans", defaults);
  FUZZ_CHECK(c.dashboard.key.empty() || c.dashboard.key.size() >= 24, "a short admin key");
  FUZZ_CHECK(c.http.public_url.empty() || ((c.http.public_url.starts_with("http://") ||
                                            c.http.public_url.starts_with("https://")) &&
                                           !c.http.public_url.ends_with("/")),
             "public_url %s", c.http.public_url.c_str());
  FUZZ_CHECK(!c.auth.public_url.empty(), "no auth public_url");
  for (const auto& o : c.http.cors.origins)
    FUZZ_CHECK(valid_origin(o), "CORS origin %s", o.c_str());
  FUZZ_CHECK(!c.http.cors.credentials ||
                 std::find(c.http.cors.origins.begin(), c.http.cors.origins.end(), "*") ==
                     c.http.cors.origins.end(),
             "\"*\" with credentials");
  FUZZ_CHECK(!c.http.static_files.prefix.empty() && c.http.static_files.prefix.front() == '/',
             "static prefix");
  FUZZ_CHECK(c.http.static_files.spa_fallback.find("..") == std::string::npos,
             "spa_fallback with ..");
}

// parse_size and parse_duration on any text: a number and a unit, whose product they return
// exactly (computed here in 128 bits) or refuse with std::invalid_argument.
void check_units(std::string_view text) {
  const auto digits = std::min(text.find_first_not_of("0123456789"), text.size());
  constexpr unsigned __int128 kCap = static_cast<unsigned __int128>(1)
                                     << 64;  // past any 64-bit number
  unsigned __int128 n = 0;
  for (char ch : text.substr(0, digits))
    n = std::min(n * 10 + static_cast<unsigned>(ch - '0'), kCap);
  try {
    const std::size_t bytes = bb::parse_size(text);
    std::string_view unit = text.substr(digits);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    const unsigned __int128 mul = unit.empty() || unit == "B"                    ? 1
                                  : unit == "KiB" || unit == "KB" || unit == "k" ? 1024
                                  : unit == "MiB" || unit == "MB" || unit == "M"
                                      ? 1024 * 1024
                                      : 1024ull * 1024 * 1024;
    FUZZ_CHECK(bytes == n * mul, "parse_size(\"%.*s\") = %zu, not the product",
               static_cast<int>(text.size()), text.data(), bytes);
  } catch (const std::invalid_argument&) {
  }
  try {
    const long long secs = bb::parse_duration(text).count();
    const std::string_view unit = text.substr(digits);
    const long long mul = unit.empty() || unit == "s" ? 1
                          : unit == "m"               ? 60
                          : unit == "h"               ? 3600
                                                      : 86400;
    FUZZ_CHECK(secs >= 0 && static_cast<unsigned __int128>(secs) == n * mul,
               "parse_duration(\"%.*s\") = %lld", static_cast<int>(text.size()), text.data(), secs);
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  file = memfd_create("bunbase.toml", 0);
  if (file < 0) return 1;
  path = "/proc/self/fd/" + std::to_string(file);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size), toml = input, env_text;
  if (auto at = input.find("#ENV\n"); at != std::string_view::npos) {
    toml = input.substr(0, at);
    env_text = input.substr(at + 5);
  }
  std::map<std::string, std::string, std::less<>> env;
  while (!env_text.empty()) {
    const auto nl = env_text.find('\n');
    const std::string_view line = env_text.substr(0, nl);
    env_text = nl == std::string_view::npos ? std::string_view() : env_text.substr(nl + 1);
    if (const auto eq = line.find('='); eq != std::string_view::npos) {
      env.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
      check_units(line.substr(eq + 1));
    }
  }

  if (ftruncate(file, 0) != 0 ||
      pwrite(file, toml.data(), toml.size(), 0) != static_cast<ssize_t>(toml.size()))
    std::abort();
  bb::ConfigSources sources{.path = path,
                            .getenv = [&env](const char* name) -> std::optional<std::string> {
                              auto it = env.find(std::string_view(name));
                              if (it == env.end()) return std::nullopt;
                              return it->second;
                            }};
  try {
    check(bb::load_config(sources));
  } catch (const std::runtime_error&) {
    // A refusal with file, key and reason: what invalid input is answered with.
  }
  return 0;
}
