#include "bunbase/runtime/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace {

struct Env {
  std::map<std::string, std::string> vars;
  std::function<std::optional<std::string>(const char*)> fn() {
    return [this](const char* k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::string write_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string load_error(const bb::ConfigSources& s) {
  try {
    bb::load_config(s);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreSafe) {
  Env env;
  auto c = bb::load_config({.path = std::nullopt, .getenv = env.fn()});
  EXPECT_EQ(c.host, "127.0.0.1");  // loopback unless configured
  EXPECT_EQ(c.port, 3000);
  EXPECT_EQ(c.database.url, "sqlite://data/app.db");
  EXPECT_EQ(c.http.body_limit, 1024u * 1024u);
  EXPECT_EQ(c.persistence.flush_interval_ms, 2000);
  EXPECT_EQ(c.persistence.max_batch, 500u);
}

TEST(Config, FileThenEnvironment) {
  Env env;
  auto path = write_file("a.toml", R"(
port = 4000
host = "0.0.0.0"
[database]
url = "sqlite:///tmp/x.db"
[http]
body_limit = "2MiB"
[log]
level = "debug"
)");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.port, 4000);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.database.url, "sqlite:///tmp/x.db");
  EXPECT_EQ(c.http.body_limit, 2u * 1024 * 1024);
  EXPECT_EQ(c.log.level, bb::LogLevel::debug);

  env.vars = {{"PORT", "5000"}, {"DATABASE_URL", "sqlite://y.db"}, {"LOG_LEVEL", "warn"},
              {"BUNBASE_PERSISTENCE_ENABLED", "false"}, {"BUNBASE_BODY_LIMIT", "1KiB"}};
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.port, 5000);
  EXPECT_EQ(c.database.url, "sqlite://y.db");
  EXPECT_EQ(c.log.level, bb::LogLevel::warn);
  EXPECT_FALSE(c.persistence.enabled);
  EXPECT_EQ(c.http.body_limit, 1024u);
  std::filesystem::remove(path);
}

TEST(Config, MistakesAreReportedWithTheKey) {
  Env env;
  auto unknown = write_file("b.toml", "prot = 3000\n");
  EXPECT_NE(load_error({.path = unknown, .getenv = env.fn()}).find("prot: unknown key"), std::string::npos);
  auto wrong_type = write_file("c.toml", "port = \"many\"\n");
  EXPECT_NE(load_error({.path = wrong_type, .getenv = env.fn()}).find("port"), std::string::npos);
  auto syntax = write_file("d.toml", "port = \n");
  EXPECT_NE(load_error({.path = syntax, .getenv = env.fn()}).find(":1:"), std::string::npos);
  EXPECT_NE(load_error({.path = "/nonexistent/bunbase.toml", .getenv = env.fn()}).find("not found"), std::string::npos);
  env.vars = {{"PORT", "70000"}};
  EXPECT_NE(load_error({.getenv = env.fn()}).find("PORT"), std::string::npos);
  env.vars = {{"LOG_LEVEL", "loud"}};
  EXPECT_NE(load_error({.getenv = env.fn()}).find("LOG_LEVEL"), std::string::npos);
  for (auto& p : {unknown, wrong_type, syntax}) std::filesystem::remove(p);
}

TEST(Config, Sizes) {
  EXPECT_EQ(bb::parse_size("1MiB"), 1048576u);
  EXPECT_EQ(bb::parse_size("512KiB"), 524288u);
  EXPECT_EQ(bb::parse_size("100"), 100u);
  EXPECT_THROW(bb::parse_size("lots"), std::invalid_argument);
  EXPECT_THROW(bb::parse_size("1 parsec"), std::invalid_argument);
}

TEST(Config, Durations) {
  using namespace std::chrono_literals;
  EXPECT_EQ(bb::parse_duration("30s"), 30s);
  EXPECT_EQ(bb::parse_duration("15m"), 15min);
  EXPECT_EQ(bb::parse_duration("24h"), 24h);
  EXPECT_EQ(bb::parse_duration("7d"), 168h);
  EXPECT_EQ(bb::parse_duration("3600"), 3600s);
  for (const char* bad : {"", "d", "-1d", "7w", "1.5h", "99999999999d"})
    EXPECT_THROW(bb::parse_duration(bad), std::invalid_argument) << bad;
}

TEST(Config, AuthAndSaasSections) {
  Env env;
  auto path = write_file("auth.toml",
                         "[auth]\nenabled = true\ntoken_expiry = \"2d\"\ntrusted_origins = [\"https://app.example.com\"]\n"
                         "password_memory_kib = 19456\nsign_in_window = 600\n[saas]\norganizations = true\npath = \"/cockpit\"\n");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_TRUE(c.auth.enabled);
  EXPECT_EQ(c.auth.token_expiry, std::chrono::hours(48));
  EXPECT_EQ(c.auth.trusted_origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_EQ(c.auth.password_memory_kib, 19456);
  EXPECT_EQ(c.auth.password_iterations, 2);  // default kept
  EXPECT_EQ(c.auth.sign_in_window, std::chrono::seconds(600));
  EXPECT_TRUE(c.saas.organizations);
  EXPECT_EQ(c.saas.path, "/cockpit");

  env.vars["BUNBASE_AUTH_TRUSTED_ORIGINS"] = "https://a.example,https://b.example";
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.auth.trusted_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));

  EXPECT_NE(load_error({.path = write_file("a1.toml", "[auth]\ntoken_expiry = \"7 weeks\"\n"), .getenv = env.fn()})
                .find("auth.token_expiry"),
            std::string::npos);
  EXPECT_NE(load_error({.path = write_file("a2.toml", "[auth]\ntrusted_origins = \"x\"\n"), .getenv = env.fn()})
                .find("auth.trusted_origins"),
            std::string::npos);
  EXPECT_NE(load_error({.path = write_file("a3.toml", "[auth]\npasword_memory_kib = 1\n"), .getenv = env.fn()})
                .find("unknown key"),
            std::string::npos);
  auto smtp = bb::load_config({.path = write_file("a5.toml", "[auth.smtp]\nurl = \"smtps://mail.example.com:465\"\n"
                                                              "username = \"u\"\nfrom = \"A <a@example.com>\"\n"),
                               .getenv = env.fn()});
  EXPECT_EQ(smtp.auth.smtp.url, "smtps://mail.example.com:465");
  EXPECT_EQ(smtp.auth.smtp.from, "A <a@example.com>");
  env.vars["BUNBASE_SMTP_PASSWORD"] = "from-env";
  EXPECT_EQ(bb::load_config({.path = path, .getenv = env.fn()}).auth.smtp.password, "from-env");
  EXPECT_NE(load_error({.path = write_file("a6.toml", "[auth.smtp]\nurl = \"http://x\"\n"), .getenv = env.fn()})
                .find("auth.smtp.url"),
            std::string::npos);
  EXPECT_NE(load_error({.path = write_file("a4.toml", "[saas]\npath = \"cockpit/\"\n"), .getenv = env.fn()})
                .find("saas.path"),
            std::string::npos);
}

}  // namespace
