// Configuration: bunbase.toml (working directory, or --config PATH), overridden by the
// environment (PORT, HOST, DATABASE_URL, LOG_LEVEL, ...), overridden by command-line flags.
//
//   bb::Config c = bb::load_config({.path = "bunbase.toml"});
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bunbase/core/log.hpp"

namespace bb {

struct Config {
  std::string host = "127.0.0.1";  // loopback unless configured: nothing public by default
  int port = 3000;
  // development | production. Unset means production: development's conveniences (the
  // dashboard open to this machine, mail links in the log, cookies without Secure, the front
  // page at /) are asked for, never inherited.
  std::string environment = "production";

  struct Database {
    std::string url = "sqlite://data/app.db";
    bool migrate_on_start = true;
    int readers = 4;
    int busy_timeout_ms = 5000;
    // [database.pool]: PostgreSQL's connections (SQLite ignores them).
    struct Pool {
      int max = 10;                  // connections at most per instance (env DATABASE_POOL_MAX)
      int connect_timeout_ms = 5000;  // opening one gives up after this long
      int statement_timeout_ms = 0;   // the server cancels a longer statement; 0 = no limit
    } pool;
  } database;

  struct Http {
    std::size_t body_limit = 1024 * 1024;
    // Request bodies, and the JSON parsed from them, held at once by all requests in flight;
    // past it a request is answered 503 busy (BUNBASE_MAX_INFLIGHT_BODY).
    std::size_t max_inflight_body = 256 * 1024 * 1024;
    int io_threads = 0;  // 0: one per CPU this process may run on
    int workers = 0;     // handler threads; 0: max(4, 2 x CPUs)
    int idle_timeout_s = 60;
    int shutdown_timeout_ms = 10000;
    // Validation issues listed in a 400 (and its run record); the rest are only counted.
    std::size_t max_errors = 100;
    // The app's address as its clients reach it ("https://api.example.com"): a Host the
    // privileged surfaces accept besides loopback names, and the base of links in emails
    // unless [auth] public_url says otherwise. BUNBASE_PUBLIC_URL.
    std::string public_url;
    // Reverse proxies whose forwarding headers are believed (CIDR ranges, IPv4 and IPv6;
    // BUNBASE_TRUSTED_PROXIES, comma separated). Empty: the socket peer is the client.
    std::vector<std::string> trusted_proxies;
    // gzip / Brotli for bodies of at least compression_min_size bytes.
    bool compression = true;
    std::size_t compression_min_size = 1024;

    // [http.cors]: browsers on these origins may call the API. "*" allows any origin without
    // credentials. Listed origins are also trusted by the CSRF check. BUNBASE_CORS_ORIGINS.
    struct Cors {
      std::vector<std::string> origins;
      bool credentials = false;  // cookies and Authorization from those origins
      std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
      std::vector<std::string> headers;  // request headers allowed; empty: those the preflight asks for
      std::vector<std::string> expose_headers = {"traceparent", "Retry-After"};
      int max_age = 600;  // seconds a preflight is cached
    } cors;

    // [http.static]: files of `dir` served under `prefix` (action routes win), with ETag,
    // Last-Modified, Range and pre-compressed .br/.gz siblings; `spa_fallback` (a file of dir)
    // answers GETs for HTML that match no file.
    struct Static {
      std::string dir;  // empty: no static files
      std::string prefix = "/";
      std::string spa_fallback;
      std::string cache_control = "no-cache";
      // Path prefixes under `prefix` whose files never change (fingerprinted build output):
      // "public, max-age=31536000, immutable".
      std::vector<std::string> immutable = {"/assets/"};
    } static_files;
  } http;

  struct Persistence {
    bool enabled = true;
    int flush_interval_ms = 2000;
    std::size_t max_batch = 500;
    std::size_t capacity = 10000;
    // A recorded input or output larger than this is stored as its size and first bytes.
    std::size_t max_payload = 16 * 1024;
  } persistence;

  // The event bus: subscribers run on `workers` threads; at most `capacity` deliveries wait.
  struct Events {
    int workers = 4;
    std::size_t capacity = 10000;
    std::string overflow = "block";  // block | fail: what emit() does when the bus is full
    std::chrono::seconds retention{7 * 24 * 3600};  // events kept in the `events` table
  } events;

  // The job queue: workers per queue, leases, retention.
  struct Queue {
    int workers = 4;                            // for every queue not listed in `queues`
    std::vector<std::pair<std::string, int>> queues;  // per-queue concurrency: { emails = 2 }
    int poll_ms = 500;                          // how often workers look for due jobs
    int claim_batch = 0;                        // jobs claimed per statement; 0: the group's workers
    std::chrono::seconds lease{30};             // renewed by a heartbeat while the job runs
    std::chrono::seconds timeout{300};          // default job timeout (JobOptions::timeout)
    std::chrono::seconds retention{7 * 24 * 3600};  // completed and cancelled jobs kept
  } queue;

  // Cron triggers.
  struct Cron {
    std::string catch_up = "once";  // once | skip: a tick missed while the app was down
  } cron;

  // The built-in auth module (users, sessions, API keys) and the guards that read sessions.
  struct Auth {
    bool enabled = false;
    std::chrono::seconds token_expiry{7 * 24 * 3600};  // sessions; renewed while in use
    std::vector<std::string> trusted_origins;          // origins besides the request's own (CSRF)
    // argon2id parameters for new hashes; stored hashes below them are re-hashed on sign-in.
    int password_memory_kib = 65536;
    int password_iterations = 2;
    // Sign-in counts failures only (OWASP: lock out the guesser, not the owner), each count
    // forgotten sign_in_window after its last failure. Past sign_in_limit for one email from one
    // client, that client gets 429 for that email; past sign_in_client_limit from one client, for
    // every email; past sign_in_email_limit for one email from all clients, every attempt for it
    // waits 1 s, doubling per failure up to sign_in_max_delay. A success forgives that client's
    // failures for that email.
    int sign_in_limit = 10;
    int sign_in_client_limit = 100;
    int sign_in_email_limit = 100;
    std::chrono::seconds sign_in_window{15 * 60};
    std::chrono::seconds sign_in_max_delay{60};
    // Requests that send mail (sign-up, password reset), per email and client and per client, in
    // fixed windows: they never spend the sign-in budget.
    int mail_limit = 5;
    int mail_client_limit = 50;
    std::chrono::seconds mail_window{15 * 60};
    // Password hashes run on threads of their own (BUNBASE_HASH_WORKERS; 0: half the CPUs, at
    // least 1); hash_queue more requests may wait for one (-1: as many as keep half of the HTTP
    // workers free). Never more than half the HTTP workers wait; past that, 503 busy.
    int hash_workers = 0;
    int hash_queue = -1;
    std::chrono::seconds verification_expiry{24 * 3600};
    std::chrono::seconds reset_expiry{3600};
    std::string public_url;  // the base of links in emails; empty: [http] public_url, else http://localhost:<port>
    // Delivery of the mail outbox. Without a url, mail stays in the outbox (the dashboard shows it).
    struct Smtp {
      std::string url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
      std::string username, password;
      std::string from = "Bunbase <no-reply@localhost>";
      int poll_ms = 1000;  // how often the outbox is checked for mail to send
    } smtp;
  } auth;

  // The SaaS cockpit, mounted under `path`: organizations, invitations and RBAC
  // (`organizations`); plans and features (`enabled`, needs organizations), declared here as
  // [[saas.features]] and [[saas.plans]] and synced into the database on every migrate.
  struct Saas {
    bool organizations = false;
    bool enabled = false;
    std::string path = "/_cockpit";
    std::chrono::seconds invitation_expiry{7 * 24 * 3600};

    struct FeatureEntry {
      std::string key, name, description;
    };
    // A feature a plan includes: `true` in the file (no limit), or an integer (its limit).
    struct PlanFeatureEntry {
      std::string key;
      std::optional<std::int64_t> limit;  // empty: unlimited
    };
    struct PlanEntry {
      std::string key, name;
      std::int64_t price_cents = 0;
      std::string interval = "month";  // month | year
      int trial_days = 0;
      bool is_public = true;
      bool is_default = false;  // `default` in the file; at most one plan
      std::string stripe_price;  // the Stripe price id (price_...) checkout sells this plan with
      std::vector<PlanFeatureEntry> features;
    };
    std::vector<FeatureEntry> features;
    std::vector<PlanEntry> plans;

    // Subscriptions: when trials and billing periods are checked (trial ends, downgrades and
    // cancellations due; a cron expression), and how long before a trial's end `trial.ending`
    // is emitted.
    std::string sweep_schedule = "* * * * *";
    std::chrono::seconds trial_notice{3 * 24 * 3600};

    // Stripe as the payment provider: on when secret_key is set (or STRIPE_SECRET_KEY).
    // Without it subscriptions run without a provider (plan changes apply at once, for free).
    struct Stripe {
      std::string secret_key;                   // sk_live_... / sk_test_... (STRIPE_SECRET_KEY)
      std::vector<std::string> webhook_secrets; // whsec_... (STRIPE_WEBHOOK_SECRET); several while rotating
      std::string api_base = "https://api.stripe.com";
      std::string api_version;                  // sent as Stripe-Version when set
      int timeout_ms = 10000;                   // per attempt
      int max_retries = 2;                      // on network errors, 429 and 5xx
      std::chrono::seconds tolerance{300};      // webhook timestamp tolerance
    } stripe;
    bool stripe_enabled() const { return !stripe.secret_key.empty(); }
  } saas;

  // The MCP server: Streamable HTTP at `path` while serving, and `<app> mcp` on stdio.
  struct Mcp {
    bool enabled = true;
    std::string path = "/mcp";
    std::vector<std::string> allowed_origins;  // browser origins allowed besides a loopback page of this server
    bool stdio_system = false;  // `<app> mcp` without BUNBASE_API_KEY runs as the system principal
  } mcp;

  // The developer dashboard at /_admin and its JSON API at /_admin/api. Who may open it: a
  // request with the admin key (header X-Admin-Key, or the cookie the page's sign-in sets), a
  // signed-in user whose email is in `admins`, or, when `loopback` holds (the default in
  // development only), any request from this machine. Nothing else: with none of them
  // configured, a production app's dashboard refuses every request.
  struct Dashboard {
    bool enabled = true;
    std::string key;                  // BUNBASE_ADMIN_KEY; at least 24 characters
    std::vector<std::string> admins;  // emails of users (the auth module's sessions)
    std::optional<bool> loopback;     // unset: true in development, false otherwise
  } dashboard;

  // Exact run counters (every run, recorded or not: per action, trigger and status, with a
  // latency histogram), written to action_metrics once a minute and kept `retention`, and served
  // to Prometheus at `path`. Who may scrape: `Authorization: Bearer <token>`, or whoever may
  // open the dashboard without signing in (its key; this machine where [dashboard] loopback
  // holds, i.e. development). Off: no counting, no rows, no page.
  struct Metrics {
    bool enabled = true;                              // BUNBASE_METRICS_ENABLED
    std::string path = "/metrics";
    std::string token;                                // BUNBASE_METRICS_TOKEN; at least 24 characters
    std::chrono::seconds retention{14 * 24 * 3600};  // rows of action_metrics kept
  } metrics;

  struct Log {
    LogLevel level = LogLevel::info;
    std::string format = "auto";  // auto | human | json
  } log;

  std::string source;  // the file it was read from, or "" when none was found

  bool development() const { return environment == "development"; }
};

// CPUs this process may run on (affinity, cpusets), at least 1.
int usable_cpus();
// What the machine-dependent defaults come to on this machine: [http] workers (0: max(4, 2 x
// CPUs)), [auth] hash_workers (0: max(1, CPUs / 2)).
int http_worker_count(const Config& c);
int hash_worker_count(const Config& c);

struct ConfigSources {
  std::optional<std::string> path;  // --config; when set the file must exist
  // Reads an environment variable; defaults to std::getenv.
  std::function<std::optional<std::string>(const char*)> getenv;
};

// Throws std::runtime_error with the file, key and problem for anything invalid.
Config load_config(const ConfigSources& sources = {});

// "1MiB", "512KiB", "1048576" -> bytes. Throws std::invalid_argument.
std::size_t parse_size(std::string_view text);

// "30s", "15m", "24h", "7d", "3600" (seconds) -> seconds. Throws std::invalid_argument.
std::chrono::seconds parse_duration(std::string_view text);

}  // namespace bb
