// The [metrics] table: defaults, the file, the environment, and refusals naming the key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "bunbase/runtime/config.hpp"

namespace {

using namespace std::chrono_literals;

std::string write_file(const std::string& name, const std::string& text) {
  auto path =
      std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_metrics_" + name);
  std::ofstream(path) << text;
  return path.string();
}

auto env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string load_error(std::optional<std::string> path,
                       std::map<std::string, std::string> env = {}) {
  try {
    bb::load_config({.path = path, .getenv = env_of(std::move(env))});
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(MetricsConfig, OnAtMetricsWithoutATokenForTwoWeeks) {
  auto c = bb::load_config({.path = std::nullopt, .getenv = env_of({})});
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.path, "/metrics");
  EXPECT_TRUE(c.metrics.token.empty());
  EXPECT_EQ(c.metrics.retention, 14 * 24h);
}

TEST(MetricsConfig, FileThenEnvironment) {
  auto path = write_file("a.toml", R"(
[metrics]
enabled = false
path = "/_metrics"
token = "a-token-of-at-least-twenty-four"
retention = "30d"
)");
  auto c = bb::load_config({.path = path, .getenv = env_of({})});
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.path, "/_metrics");
  EXPECT_EQ(c.metrics.token, "a-token-of-at-least-twenty-four");
  EXPECT_EQ(c.metrics.retention, 30 * 24h);
  c = bb::load_config(
      {.path = path,
       .getenv = env_of({{"BUNBASE_METRICS_ENABLED", "true"},
                         {"BUNBASE_METRICS_TOKEN", "another-token-of-twenty-four-chars"}})});
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.token, "another-token-of-twenty-four-chars");
  std::filesystem::remove(path);
}

TEST(MetricsConfig, MistakesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"[metrics]\nenable = true\n", "metrics.enable: unknown key"},
      {"[metrics]\npath = \"metrics\"\n", "metrics.path"},
      {"[metrics]\npath = \"/metrics/\"\n", "metrics.path"},
      {"[metrics]\ntoken = \"short\"\n",
       "metrics.token: a metrics token needs at least 24 characters"},
      {"[metrics]\nretention = \"10s\"\n", "metrics.retention: expected at least 1m"},
      {"[metrics]\nretention = \"soon\"\n", "metrics.retention"},
  };
  for (const auto& [text, expected] : cases) {
    auto path = write_file("bad.toml", text);
    EXPECT_NE(load_error(path).find(expected), std::string::npos)
        << text << " -> " << load_error(path);
    std::filesystem::remove(path);
  }
  EXPECT_NE(load_error(std::nullopt, {{"BUNBASE_METRICS_ENABLED", "maybe"}})
                .find("BUNBASE_METRICS_ENABLED"),
            std::string::npos);
}

}  // namespace
