#include "src/auth/auth_limits.hpp"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "bunbase/core/error.hpp"
#include "bunbase/db/database.hpp"
#include "src/auth/shared_counters.hpp"

namespace bb::auth {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// 128 bits of BLAKE2b, hex: what the keys hold instead of emails and addresses.
std::string digest(std::string_view a, std::string_view b = {}) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&st, &separator, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  unsigned char out[16];
  crypto_generichash_final(&st, out, sizeof out);
  char hex[sizeof out * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

bool shared(const db::Database* db) { return db && db->dialect() == "postgres"; }

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Error refused(std::string_view what, std::int64_t wait_ms) {
  const std::int64_t seconds = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
  return Error(ErrorCode::rate_limited, std::string(what) + ", retry in " + std::to_string(seconds) + " s",
               boost::json::object{{"retry_after", seconds}})
      .with_code("rate_limited");
}

}  // namespace

std::string client_key(const Context& ctx) {
  if (!ctx.request) return "local";
  std::string ip(ctx.request->ip());
  in6_addr v6{};
  if (ip.find(':') != std::string::npos && inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char text[INET6_ADDRSTRLEN];
    if (std::memcmp(v6.s6_addr, kMapped, sizeof kMapped) == 0) {  // ::ffff:a.b.c.d is IPv4
      inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof text);
      return text;
    }
    // One IPv6 host usually holds a whole /64: counting addresses would give it 2^64 budgets.
    std::memset(v6.s6_addr + 8, 0, 8);
    inet_ntop(AF_INET6, &v6, text, sizeof text);
    return std::string(text) + "/64";
  }
  return ip;
}

// ---- sign-in ----------------------------------------------------------------------------

SignInLimits::SignInLimits(Options options) : options_(options), table_(options.slots) {}

CounterTable::Admit SignInLimits::add(db::Database* db, const std::string& key, const CounterTable::Rule& rule) {
  return shared(db) ? shared_add(*db, key, unix_ms(), rule) : table_.add(key, steady_ms(), rule);
}
int SignInLimits::take(db::Database* db, const std::string& key) {
  return shared(db) ? shared_take(*db, key, unix_ms()) : table_.take(key, steady_ms());
}
void SignInLimits::subtract(db::Database* db, const std::string& key, int n) {
  if (n <= 0) return;
  if (shared(db)) shared_subtract(*db, key, n);
  else table_.subtract(key, n, steady_ms());
}

SignInLimits::Attempt SignInLimits::begin(Context& ctx, std::string_view email, bool any_client) {
  Attempt a;
  if (ctx.auth.is_system()) return a;
  const std::string mail = lowercase(email), client = client_key(ctx);
  a.limits_ = this;
  a.db_ = &ctx.db;
  a.any_client_ = any_client;
  a.pair_ = "auth.fail:pair|" + digest(mail, any_client ? "*" : client);
  a.client_ = "auth.fail:client|" + digest(client);
  a.email_ = "auth.fail:email|" + digest(mail);
  const std::int64_t window = std::chrono::milliseconds(options_.window).count();
  const CounterTable::Rule hard{.limit = options_.per_email_client, .window_ms = window, .sliding = true};
  if (auto r = add(a.db_, a.pair_, hard); !r.allowed) throw refused("too many failed sign-ins for this email", r.wait_ms);
  if (auto r = add(a.db_, a.client_, {.limit = options_.per_client, .window_ms = window, .sliding = true}); !r.allowed) {
    subtract(a.db_, a.pair_, 1);
    throw refused("too many failed sign-ins from this address", r.wait_ms);
  }
  const CounterTable::Rule slowed{.limit = options_.per_email,
                                  .window_ms = window,
                                  .sliding = true,
                                  .delay_ms = 1000,
                                  .max_delay_ms = std::chrono::milliseconds(options_.max_delay).count()};
  if (auto r = add(a.db_, a.email_, slowed); !r.allowed) {
    subtract(a.db_, a.pair_, 1);
    subtract(a.db_, a.client_, 1);
    throw refused("too many failed sign-ins for this email, slowing down", r.wait_ms);
  }
  a.state_ = Attempt::State::open;
  return a;
}

SignInLimits::Attempt::Attempt(Attempt&& other) noexcept
    : limits_(other.limits_),
      db_(other.db_),
      pair_(std::move(other.pair_)),
      client_(std::move(other.client_)),
      email_(std::move(other.email_)),
      any_client_(other.any_client_),
      state_(other.state_) {
  other.state_ = State::settled;
}

SignInLimits::Attempt::~Attempt() {
  if (state_ != State::open || !limits_) return;
  // The attempt never came to a verdict (503 busy, a database error): it was not a failure.
  try {
    for (const std::string* key : {&pair_, &client_, &email_}) limits_->subtract(db_, *key, 1);
  } catch (...) {
  }
}

void SignInLimits::Attempt::failed() {
  if (state_ == State::open) state_ = State::failed;
}

void SignInLimits::Attempt::succeeded() {
  if (state_ != State::open || !limits_) return;
  state_ = State::settled;
  // This attempt and the client's earlier failures for the email: forgiven in the other counts
  // too (at least this attempt's, if the pair's count was evicted meanwhile). Counted for the
  // email whatever the client, the earlier ones may have come from other clients: this client's
  // count only gives back this attempt.
  const int n = std::max(1, limits_->take(db_, pair_));
  limits_->subtract(db_, client_, any_client_ ? 1 : n);
  limits_->subtract(db_, email_, n);
}

// ---- mail -------------------------------------------------------------------------------

MailLimits::MailLimits(const Options& o)
    : per_email_client_(o.per_email_client, o.window, "auth.mail:pair"),
      per_client_(o.per_client, o.window, "auth.mail:client") {}

void MailLimits::check(Context& ctx, std::string_view email) {
  if (ctx.auth.is_system()) return;
  const std::string client = client_key(ctx);
  auto pair = per_email_client_.hit(digest(lowercase(email), client), &ctx.db);
  if (!pair.allowed) throw refused("too many requests for this email", std::chrono::milliseconds(pair.reset).count());
  auto any = per_client_.hit(digest(client), &ctx.db);
  if (!any.allowed) throw refused("too many requests from this address", std::chrono::milliseconds(any.reset).count());
}

}  // namespace bb::auth
