#include "bunbase/runtime/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <thread>

#include "bunbase/db/database.hpp"
#include "bunbase/testing/test_app.hpp"
#include "tests/support/pg_cluster.hpp"

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
  EXPECT_EQ(c.environment, "production") << "no environment set means production";
  EXPECT_FALSE(c.development());
  EXPECT_TRUE(c.http.trusted_proxies.empty()) << "no forwarding header is believed unless configured";
  EXPECT_TRUE(c.http.cors.origins.empty());
  EXPECT_TRUE(c.http.static_files.dir.empty());
  EXPECT_TRUE(c.http.compression);
  EXPECT_EQ(c.auth.public_url, "http://localhost:3000");
}

TEST(Config, HttpEdgeSettings) {
  Env env;
  auto path = write_file("edge.toml", R"(
port = 4100
[http]
public_url = "https://api.example.com/"
trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]
compression = false
compression_min_size = "2KiB"
[http.cors]
origins = ["https://app.example.com"]
credentials = true
max_age = 60
[http.static]
dir = "public"
spa_fallback = "index.html"
)");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.http.public_url, "https://api.example.com");
  EXPECT_EQ(c.auth.public_url, "https://api.example.com") << "links in emails follow the public address";
  EXPECT_EQ(c.http.trusted_proxies.size(), 3u);
  EXPECT_FALSE(c.http.compression);
  EXPECT_EQ(c.http.compression_min_size, 2048u);
  EXPECT_EQ(c.http.cors.origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_TRUE(c.http.cors.credentials);
  EXPECT_EQ(c.http.cors.max_age, 60);
  EXPECT_EQ(c.http.static_files.dir, "public");
  EXPECT_EQ(c.http.static_files.prefix, "/");
  env.vars = {{"BUNBASE_TRUSTED_PROXIES", "192.168.0.0/16, ::1"}, {"BUNBASE_CORS_ORIGINS", "https://a.example,https://b.example"}};
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.http.trusted_proxies, (std::vector<std::string>{"192.168.0.0/16", "::1"}));
  EXPECT_EQ(c.http.cors.origins.size(), 2u);

  env.vars = {};
  auto error = [&](const std::string& text) { return load_error({.path = write_file("edge-bad.toml", text), .getenv = env.fn()}); };
  EXPECT_NE(error("[http.cors]\norigins = [\"*\"]\ncredentials = true\n").find("http.cors.origins"), std::string::npos);
  EXPECT_NE(error("[http.cors]\norigins = [\"https://a.example/app\"]\n").find("no path"), std::string::npos);
  EXPECT_NE(error("[http]\npublic_url = \"api.example.com\"\n").find("http.public_url"), std::string::npos);
  EXPECT_NE(error("[http.static]\nprefix = \"app\"\n").find("http.static.prefix"), std::string::npos);
  EXPECT_NE(error("[http.cors]\norigin = []\n").find("http.cors.origin: unknown key"), std::string::npos);
  std::filesystem::remove(path);
  std::filesystem::remove(write_file("edge-bad.toml", ""));
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

TEST(Config, DatabasePool) {
  Env env;
  auto c = bb::load_config({.path = std::nullopt, .getenv = env.fn()});
  EXPECT_EQ(c.database.pool.max, 10);
  EXPECT_EQ(c.database.pool.connect_timeout_ms, 5000);
  EXPECT_EQ(c.database.pool.statement_timeout_ms, 0) << "no statement timeout unless asked";

  auto path = write_file("pool.toml", R"(
[database]
url = "postgres://app@db/app"
[database.pool]
max = 25
connect_timeout_ms = 1500
statement_timeout_ms = 30000
)");
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.database.pool.max, 25);
  EXPECT_EQ(c.database.pool.connect_timeout_ms, 1500);
  EXPECT_EQ(c.database.pool.statement_timeout_ms, 30000);
  env.vars = {{"DATABASE_POOL_MAX", "40"}};
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.database.pool.max, 40) << "the environment wins over the file";
  EXPECT_EQ(c.database.pool.connect_timeout_ms, 1500);

  env.vars = {{"DATABASE_POOL_MAX", "0"}};
  EXPECT_NE(load_error({.getenv = env.fn()}).find("DATABASE_POOL_MAX"), std::string::npos);
  env.vars.clear();
  auto unknown = write_file("pool-unknown.toml", "[database.pool]\nmin = 2\n");
  EXPECT_NE(load_error({.path = unknown, .getenv = env.fn()}).find("database.pool.min: unknown key"), std::string::npos);
  auto negative = write_file("pool-negative.toml", "[database.pool]\nstatement_timeout_ms = -1\n");
  EXPECT_NE(load_error({.path = negative, .getenv = env.fn()}).find("database.pool.statement_timeout_ms"),
            std::string::npos);
  auto scalar = write_file("pool-scalar.toml", "[database]\npool = 5\n");
  EXPECT_NE(load_error({.path = scalar, .getenv = env.fn()}).find("database.pool: expected a table"), std::string::npos);
  for (auto& p : {path, unknown, negative, scalar}) std::filesystem::remove(p);
}

// The app opens PostgreSQL with [database.pool]: its connections carry the statement timeout,
// and there are at most `max` of them (a caller beyond waits busy_timeout_ms, then fails).
TEST(ConfigOnPostgres, TheAppOpensItsDatabaseWithThePoolSettings) {
  bb::Config c = bb::testing::TestApp::test_config();
  if (!c.database.url.starts_with("postgres")) c.database.url = bb::testing::PgCluster::shared().url();
  c.persistence.enabled = false;
  c.database.busy_timeout_ms = 200;
  c.database.pool = {.max = 2, .connect_timeout_ms = 2000, .statement_timeout_ms = 1500};
  static const bb::AppManifest manifest{.name = "pool-test"};  // the app keeps a reference
  bb::testing::TestApp app(manifest, c);
  EXPECT_EQ(app.db().query_one("SHOW statement_timeout")->at("statement_timeout").as_string(), "1500ms");

  std::latch holding(2), done(1);
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i)
    holders.emplace_back([&] {
      app.db().transaction([&](bb::db::Database& tx) {
        tx.query("SELECT 1");
        holding.count_down();
        done.wait();
      });
    });
  holding.wait();
  try {
    app.db().query("SELECT 1");
    ADD_FAILURE() << "a third connection beyond max = 2";
  } catch (const bb::db::DbError& e) {
    EXPECT_EQ(e.kind(), bb::db::DbError::Kind::busy) << e.what();
    EXPECT_NE(std::string(e.what()).find("all 2 of the pool"), std::string::npos) << e.what();
  }
  done.count_down();
  for (auto& t : holders) t.join();
  EXPECT_EQ(app.db().query("SELECT 1").size(), 1u) << "a connection is free again";
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
  // Caught by fuzz/config_toml's exact-arithmetic check: these wrapped around to 0 bytes.
  EXPECT_THROW(bb::parse_size("17179869184GiB"), std::invalid_argument);
  EXPECT_THROW(bb::parse_size("18014398509481984KiB"), std::invalid_argument);
  EXPECT_EQ(bb::parse_size("17179869183GiB"), 17179869183ull * 1024 * 1024 * 1024);
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

TEST(Config, AuthLimitsAndHashing) {
  Env env;
  auto defaults = bb::load_config({.getenv = env.fn()});
  EXPECT_EQ(defaults.auth.sign_in_limit, 10);
  EXPECT_EQ(defaults.auth.sign_in_client_limit, 100);
  EXPECT_EQ(defaults.auth.sign_in_email_limit, 100);
  EXPECT_EQ(defaults.auth.sign_in_max_delay, std::chrono::seconds(60));
  EXPECT_EQ(defaults.auth.mail_limit, 5);
  EXPECT_EQ(defaults.auth.mail_client_limit, 50);
  EXPECT_EQ(defaults.auth.mail_window, std::chrono::minutes(15));
  EXPECT_EQ(defaults.auth.hash_workers, 0);
  EXPECT_EQ(defaults.auth.hash_queue, -1);
  EXPECT_EQ(bb::hash_worker_count(defaults), std::max(1, bb::usable_cpus() / 2));
  EXPECT_EQ(bb::http_worker_count(defaults), std::max(4, 2 * bb::usable_cpus()));

  auto path = write_file("limits.toml",
                         "[auth]\nsign_in_client_limit = 7\nsign_in_email_limit = 70\nsign_in_max_delay = \"2m\"\n"
                         "mail_limit = 2\nmail_client_limit = 9\nmail_window = \"1h\"\nhash_workers = 3\nhash_queue = 0\n");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.auth.sign_in_client_limit, 7);
  EXPECT_EQ(c.auth.sign_in_email_limit, 70);
  EXPECT_EQ(c.auth.sign_in_max_delay, std::chrono::minutes(2));
  EXPECT_EQ(c.auth.mail_limit, 2);
  EXPECT_EQ(c.auth.mail_client_limit, 9);
  EXPECT_EQ(c.auth.mail_window, std::chrono::hours(1));
  EXPECT_EQ(c.auth.hash_workers, 3);
  EXPECT_EQ(bb::hash_worker_count(c), 3);
  EXPECT_EQ(c.auth.hash_queue, 0);
  env.vars["BUNBASE_HASH_WORKERS"] = "2";
  EXPECT_EQ(bb::load_config({.path = path, .getenv = env.fn()}).auth.hash_workers, 2);
  env.vars["BUNBASE_HASH_WORKERS"] = "many";
  EXPECT_NE(load_error({.path = path, .getenv = env.fn()}).find("BUNBASE_HASH_WORKERS"), std::string::npos);
  env.vars.erase("BUNBASE_HASH_WORKERS");
  EXPECT_NE(load_error({.path = write_file("l2.toml", "[auth]\nhash_queue = -2\n"), .getenv = env.fn()}).find("auth.hash_queue"),
            std::string::npos);
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

TEST(Config, SaasPlansAndFeatures) {
  Env env;
  const std::string head = "[saas]\norganizations = true\nenabled = true\n";
  auto path = write_file("plans.toml", head + R"(
[[saas.features]]
key = "billing"
name = "Billing"
description = "Invoices"
[[saas.features]]
key = "seats"
name = "Seats"

[[saas.plans]]
key = "free"
name = "Free"
default = true
features = { seats = 3, billing = false }
[[saas.plans]]
key = "pro"
name = "Pro"
price_cents = 2900
interval = "year"
trial_days = 14
is_public = false
features = { billing = true, seats = 10 }
)");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_TRUE(c.saas.enabled);
  ASSERT_EQ(c.saas.features.size(), 2u);
  EXPECT_EQ(c.saas.features[0].key, "billing");
  EXPECT_EQ(c.saas.features[0].description, "Invoices");
  EXPECT_EQ(c.saas.features[1].description, "");
  ASSERT_EQ(c.saas.plans.size(), 2u);
  const auto& free = c.saas.plans[0];
  EXPECT_EQ(free.key, "free");
  EXPECT_EQ(free.price_cents, 0);
  EXPECT_EQ(free.interval, "month");
  EXPECT_TRUE(free.is_default);
  EXPECT_TRUE(free.is_public);
  ASSERT_EQ(free.features.size(), 1u);  // billing = false: not included
  EXPECT_EQ(free.features[0].key, "seats");
  EXPECT_EQ(free.features[0].limit, 3);
  const auto& pro = c.saas.plans[1];
  EXPECT_EQ(pro.price_cents, 2900);
  EXPECT_EQ(pro.interval, "year");
  EXPECT_EQ(pro.trial_days, 14);
  EXPECT_FALSE(pro.is_public);
  EXPECT_FALSE(pro.is_default);
  ASSERT_EQ(pro.features.size(), 2u);
  EXPECT_EQ(pro.features[0].key, "billing");
  EXPECT_EQ(pro.features[0].limit, std::nullopt);
  EXPECT_EQ(pro.features[1].limit, 10);
}

TEST(Config, SaasPlanMistakesAreReportedWithTheKey) {
  Env env;
  const std::string head = "[saas]\norganizations = true\nenabled = true\n";
  const std::string feature = "[[saas.features]]\nkey = \"seats\"\nname = \"Seats\"\n";
  auto error = [&](const std::string& name, const std::string& text) {
    return load_error({.path = write_file(name, text), .getenv = env.fn()});
  };
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_PRED2(has, error("p1.toml", "[saas]\nenabled = true\n"), "saas.enabled");
  EXPECT_PRED2(has, error("p2.toml", "[saas]\norganizations = true\n" + feature), "saas.features");
  EXPECT_PRED2(has, error("p3.toml", head + "[[saas.plans]]\nkey = \"pro\"\nname = \"Pro\"\nprice = 1\n"),
               "saas.plans[0].price: unknown key");
  EXPECT_PRED2(has, error("p4.toml", head + "[[saas.plans]]\nkey = \"pro\"\nname = \"Pro\"\ninterval = \"week\"\n"),
               "saas.plans[0].interval");
  EXPECT_PRED2(has, error("p5.toml", head + "[[saas.plans]]\nkey = \"pro\"\nname = \"Pro\"\nprice_cents = -1\n"),
               "saas.plans[0].price_cents");
  EXPECT_PRED2(has,
               error("p6.toml", head + feature + "[[saas.plans]]\nkey = \"pro\"\nname = \"Pro\"\n"
                                                 "features = { sso = true }\n"),
               "saas.plans[0].features.sso: unknown feature");
  EXPECT_PRED2(has,
               error("p7.toml", head + feature + "[[saas.plans]]\nkey = \"pro\"\nname = \"Pro\"\n"
                                                 "features = { seats = \"many\" }\n"),
               "saas.plans[0].features.seats");
  EXPECT_PRED2(has, error("p8.toml", head + feature + feature), "saas.features[1].key");
  EXPECT_PRED2(has,
               error("p9.toml", head + "[[saas.plans]]\nkey = \"a\"\nname = \"A\"\ndefault = true\n"
                                       "[[saas.plans]]\nkey = \"b\"\nname = \"B\"\ndefault = true\n"),
               "saas.plans[1].default");
  EXPECT_PRED2(has, error("p10.toml", head + "[[saas.plans]]\nkey = \"Pro Plan\"\nname = \"Pro\"\n"),
               "saas.plans[0].key");
  EXPECT_PRED2(has, error("p11.toml", head + "[[saas.plans]]\nkey = \"pro\"\n"), "saas.plans[0].name");
  EXPECT_PRED2(has, error("p12.toml", head + "[saas.plans]\nkey = \"pro\"\n"), "saas.plans");
  EXPECT_PRED2(has, error("p13.toml", head + "[[saas.features]]\nkey = \"x\"\nname = \"X\"\nlimit = 3\n"),
               "saas.features[0].limit: unknown key");
}

}  // namespace

TEST(Config, SaasStripeAndSubscriptions) {
  Env env;
  const std::string head = "[saas]\norganizations = true\nenabled = true\nsweep_schedule = \"*/30 * * * * *\"\ntrial_notice = \"2d\"\n";
  auto path = write_file("stripe.toml", head + R"(
[[saas.plans]]
key = "pro"
name = "Pro"
price_cents = 2900
stripe_price = "price_123"

[saas.stripe]
secret_key = "sk_test_file"
webhook_secrets = ["whsec_a", "whsec_b"]
api_base = "http://127.0.0.1:12111"
timeout_ms = 2500
max_retries = 4
tolerance = "10m"
)");
  auto c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.saas.sweep_schedule, "*/30 * * * * *");
  EXPECT_EQ(c.saas.trial_notice, std::chrono::hours(48));
  ASSERT_EQ(c.saas.plans.size(), 1u);
  EXPECT_EQ(c.saas.plans[0].stripe_price, "price_123");
  EXPECT_TRUE(c.saas.stripe_enabled());
  EXPECT_EQ(c.saas.stripe.secret_key, "sk_test_file");
  EXPECT_EQ(c.saas.stripe.webhook_secrets, (std::vector<std::string>{"whsec_a", "whsec_b"}));
  EXPECT_EQ(c.saas.stripe.api_base, "http://127.0.0.1:12111");
  EXPECT_EQ(c.saas.stripe.timeout_ms, 2500);
  EXPECT_EQ(c.saas.stripe.max_retries, 4);
  EXPECT_EQ(c.saas.stripe.tolerance, std::chrono::minutes(10));

  // The environment wins, as for every secret.
  env.vars["STRIPE_SECRET_KEY"] = "sk_test_env";
  env.vars["STRIPE_WEBHOOK_SECRET"] = "whsec_env";
  c = bb::load_config({.path = path, .getenv = env.fn()});
  EXPECT_EQ(c.saas.stripe.secret_key, "sk_test_env");
  EXPECT_EQ(c.saas.stripe.webhook_secrets, std::vector<std::string>{"whsec_env"});
  env.vars.clear();

  auto has = [](const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; };
  EXPECT_PRED2(has,
               load_error({.path = write_file("s1.toml", head + "[saas.stripe]\nsecret_key = \"sk_test_x\"\n"),
                           .getenv = env.fn()}),
               "saas.stripe.webhook_secrets");
  EXPECT_PRED2(has,
               load_error({.path = write_file("s2.toml", "[saas]\norganizations = true\n[saas.stripe]\nsecret_key = "
                                                         "\"sk\"\nwebhook_secrets = [\"w\"]\n"),
                           .getenv = env.fn()}),
               "saas.stripe: Stripe bills subscriptions");
  EXPECT_PRED2(has,
               load_error({.path = write_file("s3.toml", head + "[saas.stripe]\nsecret = \"sk\"\n"), .getenv = env.fn()}),
               "saas.stripe.secret: unknown key");
  EXPECT_PRED2(has,
               load_error({.path = write_file("s4.toml", head + "[saas.stripe]\nmax_retries = 99\n"), .getenv = env.fn()}),
               "saas.stripe.max_retries");
  EXPECT_FALSE(bb::load_config({.path = write_file("s5.toml", head), .getenv = env.fn()}).saas.stripe_enabled());
}
