// The [mcp] table: defaults, values from the file, and refusals naming the key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bunbase/runtime/config.hpp"

namespace {

auto no_env = [](const char*) -> std::optional<std::string> { return std::nullopt; };

std::string write_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_mcp_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string load_error(const std::string& path) {
  try {
    bb::load_config({.path = path, .getenv = no_env});
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(McpConfig, Defaults) {
  auto c = bb::load_config({.path = std::nullopt, .getenv = no_env});
  EXPECT_TRUE(c.mcp.enabled);
  EXPECT_EQ(c.mcp.path, "/mcp");
  EXPECT_TRUE(c.mcp.allowed_origins.empty());
  EXPECT_FALSE(c.mcp.stdio_system);
}

TEST(McpConfig, FromFile) {
  auto path = write_file("a.toml", R"(
[mcp]
enabled = false
path = "/agents/mcp"
allowed_origins = ["https://app.example.com", "http://localhost:5173"]
stdio_system = true
)");
  auto c = bb::load_config({.path = path, .getenv = no_env});
  EXPECT_FALSE(c.mcp.enabled);
  EXPECT_EQ(c.mcp.path, "/agents/mcp");
  ASSERT_EQ(c.mcp.allowed_origins.size(), 2u);
  EXPECT_EQ(c.mcp.allowed_origins[1], "http://localhost:5173");
  EXPECT_TRUE(c.mcp.stdio_system);
  std::filesystem::remove(path);
}

TEST(McpConfig, RefusesBadValues) {
  auto typo = write_file("b.toml", "[mcp]\nenable = true\n");
  EXPECT_NE(load_error(typo).find("mcp.enable: unknown key"), std::string::npos) << load_error(typo);
  auto path = write_file("c.toml", "[mcp]\npath = \"mcp/\"\n");
  EXPECT_NE(load_error(path).find("mcp.path"), std::string::npos);
  auto origins = write_file("d.toml", "[mcp]\nallowed_origins = \"https://x\"\n");
  EXPECT_NE(load_error(origins).find("mcp.allowed_origins"), std::string::npos);
  auto flag = write_file("e.toml", "[mcp]\nstdio_system = \"yes\"\n");
  EXPECT_NE(load_error(flag).find("mcp.stdio_system"), std::string::npos);
  for (const auto& p : {typo, path, origins, flag}) std::filesystem::remove(p);
}

}  // namespace
