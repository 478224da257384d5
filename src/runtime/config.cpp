#include "bunbase/runtime/config.hpp"

#include <sched.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace bb {

std::size_t parse_size(std::string_view text) {
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p == text.data())
    throw std::invalid_argument("invalid size \"" + std::string(text) + "\"");
  std::string_view unit(p, text.data() + text.size() - p);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  std::size_t mul = 1;
  if (unit.empty() || unit == "B") mul = 1;
  else if (unit == "KiB" || unit == "KB" || unit == "k") mul = 1024;
  else if (unit == "MiB" || unit == "MB" || unit == "M") mul = 1024 * 1024;
  else if (unit == "GiB" || unit == "GB" || unit == "G") mul = 1024ull * 1024 * 1024;
  else throw std::invalid_argument("invalid size unit in \"" + std::string(text) + "\"");
  // "17179869184GiB" would wrap around to 0 bytes.
  if (n > ~std::size_t{0} / mul) throw std::invalid_argument("size \"" + std::string(text) + "\" is too large");
  return n * mul;
}

std::chrono::seconds parse_duration(std::string_view text) {
  long long n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p == text.data() || n < 0)
    throw std::invalid_argument("invalid duration \"" + std::string(text) + "\" (examples: 30s, 15m, 24h, 7d)");
  std::string_view unit(p, text.data() + text.size() - p);
  long long mul = 0;
  if (unit.empty() || unit == "s") mul = 1;
  else if (unit == "m") mul = 60;
  else if (unit == "h") mul = 3600;
  else if (unit == "d") mul = 86400;
  else throw std::invalid_argument("invalid duration unit in \"" + std::string(text) + "\" (s, m, h or d)");
  if (n > 100LL * 365 * 86400 / mul) throw std::invalid_argument("duration \"" + std::string(text) + "\" is too long");
  return std::chrono::seconds(n * mul);
}

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& key, const std::string& why) {
  throw std::runtime_error(where + ": " + key + ": " + why);
}

bool parse_bool(const std::string& where, const std::string& key, std::string_view s) {
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  bad(where, key, "expected true or false, got \"" + std::string(s) + "\"");
}

int parse_int(const std::string& where, const std::string& key, std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
    bad(where, key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        "], got \"" + std::string(s) + "\"");
  return v;
}

// Walks a TOML table, refusing keys it does not know (a typo should not be silently ignored).
class TomlReader {
 public:
  TomlReader(const toml::table& t, std::string file) : root_(t), file_(std::move(file)) {}

  void read(Config& c) {
    check_keys(root_, "", {"host", "port", "environment", "database", "http", "persistence", "log", "auth", "saas",
                           "events", "queue", "cron", "mcp", "dashboard", "metrics"});
    str(root_, "host", c.host);
    integer(root_, "port", c.port, 0, 65535);
    str(root_, "environment", c.environment);
    if (auto* db = table("database")) {
      check_keys(*db, "database.", {"url", "migrate_on_start", "readers", "busy_timeout_ms", "pool"});
      str(*db, "url", c.database.url, "database.");
      boolean(*db, "migrate_on_start", c.database.migrate_on_start, "database.");
      integer(*db, "readers", c.database.readers, 1, 64, "database.");
      integer(*db, "busy_timeout_ms", c.database.busy_timeout_ms, 0, 600000, "database.");
      if (auto n = (*db)["pool"]; n) {
        if (!n.is_table()) bad(file_, "database.pool", "expected a table ([database.pool])");
        const auto& t = *n.as_table();
        const std::string pp = "database.pool.";
        check_keys(t, pp, {"max", "connect_timeout_ms", "statement_timeout_ms"});
        integer(t, "max", c.database.pool.max, 1, 1000, pp);
        integer(t, "connect_timeout_ms", c.database.pool.connect_timeout_ms, 1, 600000, pp);
        integer(t, "statement_timeout_ms", c.database.pool.statement_timeout_ms, 0, 86400000, pp);
      }
    }
    if (auto* h = table("http")) {
      check_keys(*h, "http.", {"body_limit", "io_threads", "workers", "idle_timeout_s", "shutdown_timeout_ms",
                               "public_url", "trusted_proxies", "compression", "compression_min_size", "cors",
                               "static", "max_errors", "max_inflight_body"});
      {
        int max_errors = static_cast<int>(c.http.max_errors);
        integer(*h, "max_errors", max_errors, 1, 100000, "http.");
        c.http.max_errors = static_cast<std::size_t>(max_errors);
      }
      bytes(*h, "body_limit", c.http.body_limit, "http.");
      bytes(*h, "max_inflight_body", c.http.max_inflight_body, "http.");
      if (c.http.max_inflight_body < c.http.body_limit)
        bad(file_, "http.max_inflight_body", "expected at least body_limit (" + std::to_string(c.http.body_limit) +
                                                 " bytes): a body that size could never be taken");
      str(*h, "public_url", c.http.public_url, "http.");
      strings(*h, "trusted_proxies", c.http.trusted_proxies, "http.");
      boolean(*h, "compression", c.http.compression, "http.");
      bytes(*h, "compression_min_size", c.http.compression_min_size, "http.");
      if (auto n = (*h)["cors"]; n) {
        if (!n.is_table()) bad(file_, "http.cors", "expected a table ([http.cors])");
        const auto& t = *n.as_table();
        const std::string cp = "http.cors.";
        auto& cors = c.http.cors;
        check_keys(t, cp, {"origins", "credentials", "methods", "headers", "expose_headers", "max_age"});
        strings(t, "origins", cors.origins, cp);
        boolean(t, "credentials", cors.credentials, cp);
        strings(t, "methods", cors.methods, cp);
        strings(t, "headers", cors.headers, cp);
        strings(t, "expose_headers", cors.expose_headers, cp);
        integer(t, "max_age", cors.max_age, 0, 86400, cp);
      }
      if (auto n = (*h)["static"]; n) {
        if (!n.is_table()) bad(file_, "http.static", "expected a table ([http.static])");
        const auto& t = *n.as_table();
        const std::string sp = "http.static.";
        auto& st = c.http.static_files;
        check_keys(t, sp, {"dir", "prefix", "spa_fallback", "cache_control", "immutable"});
        str(t, "dir", st.dir, sp);
        str(t, "prefix", st.prefix, sp);
        str(t, "spa_fallback", st.spa_fallback, sp);
        str(t, "cache_control", st.cache_control, sp);
        strings(t, "immutable", st.immutable, sp);
      }
      integer(*h, "io_threads", c.http.io_threads, 0, 256, "http.");
      integer(*h, "workers", c.http.workers, 0, 1024, "http.");
      integer(*h, "idle_timeout_s", c.http.idle_timeout_s, 1, 86400, "http.");
      integer(*h, "shutdown_timeout_ms", c.http.shutdown_timeout_ms, 0, 600000, "http.");
    }
    if (auto* p = table("persistence")) {
      check_keys(*p, "persistence.", {"enabled", "flush_interval_ms", "max_batch", "capacity", "max_payload"});
      bytes(*p, "max_payload", c.persistence.max_payload, "persistence.");
      boolean(*p, "enabled", c.persistence.enabled, "persistence.");
      integer(*p, "flush_interval_ms", c.persistence.flush_interval_ms, 10, 3600000, "persistence.");
      int batch = static_cast<int>(c.persistence.max_batch), cap = static_cast<int>(c.persistence.capacity);
      integer(*p, "max_batch", batch, 1, 1000000, "persistence.");
      integer(*p, "capacity", cap, 1, 100000000, "persistence.");
      c.persistence.max_batch = batch;
      c.persistence.capacity = cap;
    }
    if (auto* e = table("events")) {
      const std::string pre = "events.";
      check_keys(*e, pre, {"workers", "capacity", "overflow", "retention"});
      integer(*e, "workers", c.events.workers, 1, 256, pre);
      int cap = static_cast<int>(c.events.capacity);
      integer(*e, "capacity", cap, 1, 10000000, pre);
      c.events.capacity = static_cast<std::size_t>(cap);
      if (str(*e, "overflow", c.events.overflow, pre) && c.events.overflow != "block" && c.events.overflow != "fail")
        bad(file_, pre + "overflow", "expected block or fail");
      duration(*e, "retention", c.events.retention, pre);
    }
    if (auto* q = table("queue")) {
      const std::string pre = "queue.";
      check_keys(*q, pre, {"workers", "queues", "poll_ms", "claim_batch", "lease", "timeout", "retention"});
      integer(*q, "workers", c.queue.workers, 0, 256, pre);
      integer(*q, "poll_ms", c.queue.poll_ms, 10, 60000, pre);
      integer(*q, "claim_batch", c.queue.claim_batch, 0, 1000, pre);
      duration(*q, "lease", c.queue.lease, pre);
      duration(*q, "timeout", c.queue.timeout, pre);
      duration(*q, "retention", c.queue.retention, pre);
      if (c.queue.lease.count() < 1) bad(file_, pre + "lease", "expected at least 1s");
      if (auto n = (*q)["queues"]; n) {
        if (!n.is_table()) bad(file_, pre + "queues", "expected a table such as { emails = 2 }");
        for (const auto& [k, v] : *n.as_table()) {
          if (!v.is_integer() || *v.value<std::int64_t>() < 0 || *v.value<std::int64_t>() > 256)
            bad(file_, pre + "queues." + std::string(k.str()), "expected workers in [0, 256]");
          c.queue.queues.emplace_back(std::string(k.str()), static_cast<int>(*v.value<std::int64_t>()));
        }
      }
    }
    if (auto* cr = table("cron")) {
      check_keys(*cr, "cron.", {"catch_up"});
      if (str(*cr, "catch_up", c.cron.catch_up, "cron.") && c.cron.catch_up != "once" && c.cron.catch_up != "skip")
        bad(file_, "cron.catch_up", "expected once or skip");
    }
    if (auto* a = table("auth")) {
      const std::string pre = "auth.";
      check_keys(*a, pre, {"enabled", "token_expiry", "trusted_origins", "password_memory_kib", "password_iterations",
                           "sign_in_limit", "sign_in_client_limit", "sign_in_email_limit", "sign_in_window",
                           "sign_in_max_delay", "mail_limit", "mail_client_limit", "mail_window", "hash_workers",
                           "hash_queue", "verification_expiry", "reset_expiry", "public_url", "smtp"});
      boolean(*a, "enabled", c.auth.enabled, pre);
      duration(*a, "token_expiry", c.auth.token_expiry, pre);
      strings(*a, "trusted_origins", c.auth.trusted_origins, pre);
      integer(*a, "password_memory_kib", c.auth.password_memory_kib, 8, 4 * 1024 * 1024, pre);
      integer(*a, "password_iterations", c.auth.password_iterations, 1, 100, pre);
      integer(*a, "sign_in_limit", c.auth.sign_in_limit, 1, 1000000, pre);
      integer(*a, "sign_in_client_limit", c.auth.sign_in_client_limit, 1, 1000000, pre);
      integer(*a, "sign_in_email_limit", c.auth.sign_in_email_limit, 1, 1000000, pre);
      duration(*a, "sign_in_window", c.auth.sign_in_window, pre);
      duration(*a, "sign_in_max_delay", c.auth.sign_in_max_delay, pre);
      integer(*a, "mail_limit", c.auth.mail_limit, 1, 1000000, pre);
      integer(*a, "mail_client_limit", c.auth.mail_client_limit, 1, 1000000, pre);
      duration(*a, "mail_window", c.auth.mail_window, pre);
      integer(*a, "hash_workers", c.auth.hash_workers, 0, 256, pre);
      integer(*a, "hash_queue", c.auth.hash_queue, -1, 100000, pre);
      duration(*a, "verification_expiry", c.auth.verification_expiry, pre);
      duration(*a, "reset_expiry", c.auth.reset_expiry, pre);
      str(*a, "public_url", c.auth.public_url, pre);
      if (auto n = (*a)["smtp"]; n) {
        if (!n.is_table()) bad(file_, "auth.smtp", "expected a table ([auth.smtp])");
        const auto& t = *n.as_table();
        const std::string sp = "auth.smtp.";
        check_keys(t, sp, {"url", "username", "password", "from", "poll_ms"});
        str(t, "url", c.auth.smtp.url, sp);
        str(t, "username", c.auth.smtp.username, sp);
        str(t, "password", c.auth.smtp.password, sp);
        str(t, "from", c.auth.smtp.from, sp);
        integer(t, "poll_ms", c.auth.smtp.poll_ms, 10, 3600000, sp);
      }
    }
    if (auto* sa = table("saas")) {
      const std::string pre = "saas.";
      check_keys(*sa, pre, {"organizations", "enabled", "path", "invitation_expiry", "features", "plans",
                            "sweep_schedule", "trial_notice", "stripe"});
      boolean(*sa, "organizations", c.saas.organizations, pre);
      boolean(*sa, "enabled", c.saas.enabled, pre);
      str(*sa, "path", c.saas.path, pre);
      duration(*sa, "invitation_expiry", c.saas.invitation_expiry, pre);
      saas_features(*sa, c.saas.features);
      saas_plans(*sa, c.saas.plans, c.saas.features);
      str(*sa, "sweep_schedule", c.saas.sweep_schedule, pre);
      duration(*sa, "trial_notice", c.saas.trial_notice, pre);
      if (auto n = (*sa)["stripe"]; n) {
        if (!n.is_table()) bad(file_, "saas.stripe", "expected a table ([saas.stripe])");
        const auto& t = *n.as_table();
        const std::string sp = "saas.stripe.";
        check_keys(t, sp, {"secret_key", "webhook_secrets", "api_base", "api_version", "timeout_ms", "max_retries",
                           "tolerance"});
        str(t, "secret_key", c.saas.stripe.secret_key, sp);
        strings(t, "webhook_secrets", c.saas.stripe.webhook_secrets, sp);
        str(t, "api_base", c.saas.stripe.api_base, sp);
        str(t, "api_version", c.saas.stripe.api_version, sp);
        integer(t, "timeout_ms", c.saas.stripe.timeout_ms, 100, 120000, sp);
        integer(t, "max_retries", c.saas.stripe.max_retries, 0, 10, sp);
        duration(t, "tolerance", c.saas.stripe.tolerance, sp);
      }
    }
    if (auto* m = table("mcp")) {
      const std::string pre = "mcp.";
      check_keys(*m, pre, {"enabled", "path", "allowed_origins", "stdio_system"});
      boolean(*m, "enabled", c.mcp.enabled, pre);
      if (str(*m, "path", c.mcp.path, pre) && (c.mcp.path.size() < 2 || c.mcp.path.front() != '/' || c.mcp.path.back() == '/'))
        bad(file_, pre + "path", "expected a path such as \"/mcp\"");
      strings(*m, "allowed_origins", c.mcp.allowed_origins, pre);
      boolean(*m, "stdio_system", c.mcp.stdio_system, pre);
    }
    if (auto* d = table("dashboard")) {
      const std::string pre = "dashboard.";
      check_keys(*d, pre, {"enabled", "key", "admins", "loopback"});
      boolean(*d, "enabled", c.dashboard.enabled, pre);
      str(*d, "key", c.dashboard.key, pre);
      strings(*d, "admins", c.dashboard.admins, pre);
      if ((*d)["loopback"]) {
        bool loopback = false;
        boolean(*d, "loopback", loopback, pre);
        c.dashboard.loopback = loopback;
      }
    }
    if (auto* m = table("metrics")) {
      const std::string pre = "metrics.";
      check_keys(*m, pre, {"enabled", "path", "token", "retention"});
      boolean(*m, "enabled", c.metrics.enabled, pre);
      if (str(*m, "path", c.metrics.path, pre) &&
          (c.metrics.path.size() < 2 || c.metrics.path.front() != '/' || c.metrics.path.back() == '/'))
        bad(file_, pre + "path", "expected a path such as \"/metrics\"");
      str(*m, "token", c.metrics.token, pre);
      duration(*m, "retention", c.metrics.retention, pre);
      if (c.metrics.retention.count() < 60) bad(file_, pre + "retention", "expected at least 1m");
    }
    if (auto* l = table("log")) {
      check_keys(*l, "log.", {"level", "format"});
      std::string level;
      if (str(*l, "level", level, "log.")) {
        try {
          c.log.level = parse_log_level(level);
        } catch (const std::exception& e) {
          bad(file_, "log.level", e.what());
        }
      }
      str(*l, "format", c.log.format, "log.");
    }
  }

 private:
  const toml::table* table(const char* key) {
    auto node = root_[key];
    if (!node) return nullptr;
    if (!node.is_table()) bad(file_, key, "expected a table ([" + std::string(key) + "])");
    return node.as_table();
  }
  void check_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto name : known) ok = ok || k.str() == name;
      if (!ok) bad(file_, prefix + std::string(k.str()), "unknown key");
    }
  }
  bool str(const toml::table& t, const char* key, std::string& out, const std::string& prefix = "") {
    auto n = t[key];
    if (!n) return false;
    auto v = n.value<std::string>();
    if (!v || !n.is_string()) bad(file_, prefix + key, "expected a string");
    out = *v;
    return true;
  }
  void integer(const toml::table& t, const char* key, int& out, int lo, int hi, const std::string& prefix = "") {
    auto n = t[key];
    if (!n) return;
    auto v = n.value<std::int64_t>();
    if (!v || !n.is_integer() || *v < lo || *v > hi)
      bad(file_, prefix + key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<int>(*v);
  }
  void boolean(const toml::table& t, const char* key, bool& out, const std::string& prefix = "") {
    auto n = t[key];
    if (!n) return;
    if (!n.is_boolean()) bad(file_, prefix + key, "expected true or false");
    out = *n.value<bool>();
  }
  void duration(const toml::table& t, const char* key, std::chrono::seconds& out, const std::string& prefix) {
    std::string text;
    if (auto n = t[key]; n && n.is_integer()) text = std::to_string(*n.value<std::int64_t>());
    else if (!str(t, key, text, prefix)) return;
    try {
      out = parse_duration(text);
    } catch (const std::exception& e) {
      bad(file_, prefix + key, e.what());
    }
  }
  void strings(const toml::table& t, const char* key, std::vector<std::string>& out, const std::string& prefix) {
    auto n = t[key];
    if (!n) return;
    const toml::array* arr = n.as_array();
    if (!arr) bad(file_, prefix + key, "expected an array of strings");
    out.clear();
    for (const auto& item : *arr) {
      auto v = item.value<std::string>();
      if (!v || !item.is_string()) bad(file_, prefix + key, "expected an array of strings");
      out.push_back(*v);
    }
  }
  // Bytes as an integer or a size such as "1MiB".
  void bytes(const toml::table& t, const char* key, std::size_t& out, const std::string& prefix) {
    auto n = t[key];
    if (!n) return;
    if (auto i = n.value<std::int64_t>(); i && n.is_integer() && *i >= 0) out = static_cast<std::size_t>(*i);
    else if (auto s = n.value<std::string>(); s && n.is_string()) out = size(*s, (prefix + key).c_str());
    else bad(file_, prefix + key, "expected bytes or a size such as \"1MiB\"");
  }
  std::size_t size(const std::string& s, const char* key) {
    try {
      return parse_size(s);
    } catch (const std::exception& e) {
      bad(file_, key, e.what());
    }
  }

  // [[saas.features]]: key, name, description; each key once.
  void saas_features(const toml::table& sa, std::vector<Config::Saas::FeatureEntry>& out) {
    for_each_table(sa, "features", [&](const toml::table& t, const std::string& pre) {
      check_keys(t, pre, {"key", "name", "description"});
      Config::Saas::FeatureEntry f;
      catalog_key(t, pre, f.key);
      for (const auto& other : out)
        if (other.key == f.key) bad(file_, pre + "key", "the feature \"" + f.key + "\" is declared twice");
      if (!str(t, "name", f.name, pre) || f.name.empty()) bad(file_, pre + "name", "expected a non-empty string");
      str(t, "description", f.description, pre);
      out.push_back(std::move(f));
    });
  }
  // [[saas.plans]]: key, name, price_cents, interval, trial_days, is_public, default, features
  // (a table of declared feature keys: true = included without limit, an integer = its limit,
  // false = not included); each key once, at most one default plan.
  void saas_plans(const toml::table& sa, std::vector<Config::Saas::PlanEntry>& out,
                  const std::vector<Config::Saas::FeatureEntry>& features) {
    for_each_table(sa, "plans", [&](const toml::table& t, const std::string& pre) {
      check_keys(t, pre, {"key", "name", "price_cents", "interval", "trial_days", "is_public", "default",
                          "stripe_price", "features"});
      Config::Saas::PlanEntry p;
      catalog_key(t, pre, p.key);
      for (const auto& other : out) {
        if (other.key == p.key) bad(file_, pre + "key", "the plan \"" + p.key + "\" is declared twice");
      }
      if (!str(t, "name", p.name, pre) || p.name.empty()) bad(file_, pre + "name", "expected a non-empty string");
      if (auto n = t["price_cents"]; n) {
        if (!n.is_integer() || *n.value<std::int64_t>() < 0)
          bad(file_, pre + "price_cents", "expected an integer >= 0 (the price in cents)");
        p.price_cents = *n.value<std::int64_t>();
      }
      if (str(t, "interval", p.interval, pre) && p.interval != "month" && p.interval != "year")
        bad(file_, pre + "interval", "expected month or year, got \"" + p.interval + "\"");
      integer(t, "trial_days", p.trial_days, 0, 365, pre);
      boolean(t, "is_public", p.is_public, pre);
      boolean(t, "default", p.is_default, pre);
      str(t, "stripe_price", p.stripe_price, pre);
      if (p.is_default)
        for (const auto& other : out)
          if (other.is_default)
            bad(file_, pre + "default", "\"" + other.key + "\" is already the default plan: at most one may be");
      if (auto n = t["features"]; n) {
        if (!n.is_table()) bad(file_, pre + "features", "expected a table such as { billing = true, seats = 10 }");
        for (const auto& [k, v] : *n.as_table()) {
          const std::string key(k.str()), where = pre + "features." + key;
          bool declared = false;
          for (const auto& f : features) declared = declared || f.key == key;
          if (!declared) bad(file_, where, "unknown feature (declare it in [[saas.features]])");
          if (v.is_boolean()) {
            if (*v.value<bool>()) p.features.push_back({.key = key, .limit = std::nullopt});
          } else if (v.is_integer() && *v.value<std::int64_t>() >= 0) {
            p.features.push_back({.key = key, .limit = *v.value<std::int64_t>()});
          } else {
            bad(file_, where, "expected true (no limit), false (not included) or a limit (an integer >= 0)");
          }
        }
      }
      out.push_back(std::move(p));
    });
  }
  // An array of tables ([[saas.plans]]): fn(table, "saas.plans[i].") for each.
  template <class F>
  void for_each_table(const toml::table& parent, const char* key, F&& fn) {
    const std::string path = "saas." + std::string(key);
    auto n = parent[key];
    if (!n) return;
    const toml::array* arr = n.as_array();
    if (!arr) bad(file_, path, "expected an array of tables ([[" + path + "]])");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string pre = path + "[" + std::to_string(i) + "].";
      const toml::table* t = (*arr)[i].as_table();
      if (!t) bad(file_, path + "[" + std::to_string(i) + "]", "expected a table");
      fn(*t, pre);
    }
  }
  // A plan or feature key: a lower-case letter, then up to 49 of [a-z0-9_-].
  void catalog_key(const toml::table& t, const std::string& pre, std::string& out) {
    if (!str(t, "key", out, pre)) bad(file_, pre + "key", "missing");
    bool ok = !out.empty() && out.size() <= 50 && out[0] >= 'a' && out[0] <= 'z';
    for (char ch : out) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-');
    if (!ok) bad(file_, pre + "key", "expected a lower-case letter then up to 49 of a-z, 0-9, _ and -, got \"" + out + "\"");
  }

  const toml::table& root_;
  std::string file_;
};

// "a, b,,c" -> {"a", "b", "c"}
std::vector<std::string> comma_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

}  // namespace

Config load_config(const ConfigSources& sources) {
  Config c;
  auto getenv = sources.getenv ? sources.getenv : [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };

  std::string path = sources.path.value_or("bunbase.toml");
  if (std::filesystem::exists(path)) {
    toml::table t;
    try {
      t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      throw std::runtime_error(path + ":" + std::to_string(where.line) + ":" +
                               std::to_string(where.column) + ": " + std::string(e.description()));
    }
    TomlReader(t, path).read(c);
    c.source = path;
  } else if (sources.path) {
    throw std::runtime_error("config file not found: " + path);
  }

  const std::string env = "environment";
  if (auto v = getenv("HOST")) c.host = *v;
  if (auto v = getenv("PORT")) c.port = parse_int(env, "PORT", *v, 0, 65535);
  if (auto v = getenv("BUNBASE_ENV")) c.environment = *v;
  if (auto v = getenv("DATABASE_URL")) c.database.url = *v;
  if (auto v = getenv("DATABASE_POOL_MAX")) c.database.pool.max = parse_int(env, "DATABASE_POOL_MAX", *v, 1, 1000);
  if (auto v = getenv("BUNBASE_MIGRATE_ON_START")) c.database.migrate_on_start = parse_bool(env, "BUNBASE_MIGRATE_ON_START", *v);
  if (auto v = getenv("BUNBASE_BODY_LIMIT")) {
    try {
      c.http.body_limit = parse_size(*v);
    } catch (const std::exception& e) {
      bad(env, "BUNBASE_BODY_LIMIT", e.what());
    }
  }
  if (auto v = getenv("BUNBASE_MAX_INFLIGHT_BODY")) {
    try {
      c.http.max_inflight_body = parse_size(*v);
    } catch (const std::exception& e) {
      bad(env, "BUNBASE_MAX_INFLIGHT_BODY", e.what());
    }
  }
  if (auto v = getenv("BUNBASE_IO_THREADS")) c.http.io_threads = parse_int(env, "BUNBASE_IO_THREADS", *v, 0, 256);
  if (auto v = getenv("BUNBASE_IDLE_TIMEOUT_S")) c.http.idle_timeout_s = parse_int(env, "BUNBASE_IDLE_TIMEOUT_S", *v, 1, 86400);
  if (auto v = getenv("BUNBASE_WORKERS")) c.http.workers = parse_int(env, "BUNBASE_WORKERS", *v, 0, 1024);
  if (auto v = getenv("BUNBASE_HASH_WORKERS")) c.auth.hash_workers = parse_int(env, "BUNBASE_HASH_WORKERS", *v, 0, 256);
  if (auto v = getenv("BUNBASE_PERSISTENCE_ENABLED")) c.persistence.enabled = parse_bool(env, "BUNBASE_PERSISTENCE_ENABLED", *v);
  if (auto v = getenv("LOG_LEVEL")) {
    try {
      c.log.level = parse_log_level(*v);
    } catch (const std::exception& e) {
      bad(env, "LOG_LEVEL", e.what());
    }
  }
  if (auto v = getenv("LOG_FORMAT")) c.log.format = *v;

  if (auto v = getenv("BUNBASE_SMTP_URL")) c.auth.smtp.url = *v;
  if (auto v = getenv("BUNBASE_SMTP_USERNAME")) c.auth.smtp.username = *v;
  if (auto v = getenv("BUNBASE_SMTP_PASSWORD")) c.auth.smtp.password = *v;
  if (!c.auth.smtp.url.empty() && !c.auth.smtp.url.starts_with("smtp://") && !c.auth.smtp.url.starts_with("smtps://"))
    bad(c.source.empty() ? env : c.source, "auth.smtp.url", "expected smtp://host:port or smtps://host:port");
  if (auto v = getenv("BUNBASE_AUTH_TRUSTED_ORIGINS")) c.auth.trusted_origins = comma_list(*v);
  if (auto v = getenv("BUNBASE_TRUSTED_PROXIES")) c.http.trusted_proxies = comma_list(*v);
  if (auto v = getenv("BUNBASE_CORS_ORIGINS")) c.http.cors.origins = comma_list(*v);
  if (auto v = getenv("BUNBASE_PUBLIC_URL")) c.http.public_url = *v;
  if (auto v = getenv("STRIPE_SECRET_KEY")) c.saas.stripe.secret_key = *v;
  if (auto v = getenv("BUNBASE_ADMIN_KEY")) c.dashboard.key = *v;
  if (auto v = getenv("BUNBASE_METRICS_TOKEN")) c.metrics.token = *v;
  if (auto v = getenv("BUNBASE_METRICS_ENABLED")) c.metrics.enabled = parse_bool(env, "BUNBASE_METRICS_ENABLED", *v);
  if (auto v = getenv("STRIPE_WEBHOOK_SECRET")) c.saas.stripe.webhook_secrets = {*v};
  if (auto v = getenv("BUNBASE_STRIPE_API_BASE")) c.saas.stripe.api_base = *v;
  if (c.saas.stripe_enabled() && !c.saas.enabled)
    bad(c.source.empty() ? env : c.source, "saas.stripe", "Stripe bills subscriptions: set [saas] enabled = true");
  if (c.saas.stripe_enabled() && c.saas.stripe.webhook_secrets.empty())
    bad(c.source.empty() ? env : c.source, "saas.stripe.webhook_secrets",
        "Stripe is configured without a webhook secret (STRIPE_WEBHOOK_SECRET): its events could not be verified");
  if (!c.saas.path.empty() && (c.saas.path.front() != '/' || c.saas.path.back() == '/'))
    bad(c.source.empty() ? env : c.source, "saas.path", "expected a path such as \"/_cockpit\"");
  if (c.saas.enabled && !c.saas.organizations)
    bad(c.source.empty() ? env : c.source, "saas.enabled", "plans and features need organizations: set organizations = true");
  if (!c.saas.enabled && (!c.saas.plans.empty() || !c.saas.features.empty()))
    bad(c.source.empty() ? env : c.source, c.saas.plans.empty() ? "saas.features" : "saas.plans",
        "declared but unused: set [saas] enabled = true");
  if (c.environment != "development" && c.environment != "production")
    bad(c.source.empty() ? env : c.source, "environment", "expected development or production, got \"" + c.environment + "\"");
  if (!c.dashboard.key.empty() && c.dashboard.key.size() < 24)
    bad(c.source.empty() ? env : c.source, "dashboard.key",
        "an admin key needs at least 24 characters (BUNBASE_ADMIN_KEY): try `openssl rand -hex 24`");
  if (!c.metrics.token.empty() && c.metrics.token.size() < 24)
    bad(c.source.empty() ? env : c.source, "metrics.token",
        "a metrics token needs at least 24 characters (BUNBASE_METRICS_TOKEN): try `openssl rand -hex 24`");
  const std::string where = c.source.empty() ? env : c.source;
  if (!c.http.public_url.empty()) {
    if (!c.http.public_url.starts_with("http://") && !c.http.public_url.starts_with("https://"))
      bad(where, "http.public_url", "expected http://host[:port] or https://host[:port], got \"" + c.http.public_url + "\"");
    while (c.http.public_url.ends_with("/")) c.http.public_url.pop_back();
  }
  if (c.auth.public_url.empty())
    c.auth.public_url = !c.http.public_url.empty() ? c.http.public_url : "http://localhost:" + std::to_string(c.port ? c.port : 3000);
  for (const auto& origin : c.http.cors.origins) {
    if (origin == "*") {
      if (c.http.cors.credentials)
        bad(where, "http.cors.origins", "\"*\" cannot be used with credentials = true: list the origins");
      continue;
    }
    auto sep = origin.find("://");
    if (sep == std::string::npos || origin.find('/', sep + 3) != std::string::npos)
      bad(where, "http.cors.origins", "expected origins such as \"https://app.example.com\" (no path), got \"" + origin + "\"");
  }
  {
    const auto& st = c.http.static_files;
    if (st.prefix.empty() || st.prefix.front() != '/')
      bad(where, "http.static.prefix", "expected a path such as \"/\" or \"/app\"");
    if (!st.spa_fallback.empty() && (st.spa_fallback.find("..") != std::string::npos || st.spa_fallback.front() == '/'))
      bad(where, "http.static.spa_fallback", "expected a file of dir such as \"index.html\"");
  }
  if (c.log.format != "auto" && c.log.format != "human" && c.log.format != "json")
    bad(c.source.empty() ? env : c.source, "log.format", "expected auto, human or json");
  return c;
}

int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

int http_worker_count(const Config& c) { return c.http.workers > 0 ? c.http.workers : std::max(4, 2 * usable_cpus()); }

int hash_worker_count(const Config& c) { return c.auth.hash_workers > 0 ? c.auth.hash_workers : std::max(1, usable_cpus() / 2); }

}  // namespace bb
