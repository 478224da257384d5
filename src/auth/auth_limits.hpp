// The auth module's limits on guessing and on mail, after the OWASP Authentication Cheat Sheet
// ("Protect Against Automated Attacks"): lock out the guesser, not the owner.
//
// Sign-in counts failures only (a wrong password, an unknown email), in three counts, each
// forgotten `window` after its last failure:
//   - per email and client: past `per_email_client`, that client is refused for that email (429);
//   - per client, any email: past `per_client`, that client is refused for every email (429);
//   - per email, any client: past `per_email` (much higher), each further attempt waits a delay
//     since the last failure, 1 s doubling per failure up to `max_delay` (429 with the wait).
// A success forgives that client's failures for that email, in all three counts. An attempt
// takes its failure before the password is checked (so that parallel guesses cannot all pass
// the check) and gives it back when it turns out right, or never happened (503 busy, an error).
//
// Mail requests (sign-up, password reset) count every request, per email and client and per
// client, in fixed windows of their own: they never spend the sign-in budget, nor it theirs.
//
// In this process's memory, tables of fixed size (CounterTable); on PostgreSQL, the shared
// `rate_limits` table, keyed by a digest (no email or address is stored). A client is its IP
// address (through trusted proxies), an IPv6 client its /64.
//
//   auto attempt = limits.begin(ctx, in.email);   // 429 rate_limited with Retry-After
//   if (!right) { attempt.failed(); throw invalid_credentials(); }
//   attempt.succeeded();
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "bunbase/auth/rate_limiter.hpp"
#include "bunbase/core/context.hpp"
#include "src/auth/counter_table.hpp"

namespace bb::auth {

// The key a request's client is counted under: its address, an IPv6 address's /64, "local"
// without a request (CLI, jobs).
std::string client_key(const Context& ctx);

class SignInLimits {
 public:
  struct Options {
    int per_email_client = 10;
    int per_client = 100;
    int per_email = 100;
    std::chrono::seconds window{15 * 60};
    std::chrono::seconds max_delay{60};
    std::size_t slots = 1 << 16;  // of the in-memory table, shared by the three counts (1.5 MiB)
  };

  // One sign-in attempt's failure, taken in advance; see the file comment.
  class Attempt {
   public:
    Attempt() = default;  // not counted (the system principal)
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&&) = delete;
    ~Attempt();
    // The credentials were wrong: the failure stays counted.
    void failed();
    // They were right: this client's failures for this email are forgiven everywhere.
    void succeeded();

   private:
    friend class SignInLimits;
    enum class State { open, failed, settled };
    SignInLimits* limits_ = nullptr;
    db::Database* db_ = nullptr;
    std::string pair_, client_, email_;
    bool any_client_ = false;
    State state_ = State::settled;
  };

  explicit SignInLimits(Options options);

  // `email` in any case. Throws Error(rate_limited, details {retry_after}) when refused.
  // `any_client`: the per-email-and-client count is kept for the email whatever the client, for
  // guesses that come with a session (changePassword: a stolen session, guessing from anywhere).
  Attempt begin(Context& ctx, std::string_view email, bool any_client = false);

  const CounterTable& table() const { return table_; }

 private:
  CounterTable::Admit add(db::Database* db, const std::string& key, const CounterTable::Rule& rule);
  int take(db::Database* db, const std::string& key);
  void subtract(db::Database* db, const std::string& key, int n);

  Options options_;
  CounterTable table_;
};

class MailLimits {
 public:
  struct Options {
    int per_email_client = 5;
    int per_client = 50;
    std::chrono::seconds window{15 * 60};
  };
  explicit MailLimits(const Options& options);
  // One more mail request for `email` from the caller; throws Error(rate_limited) when refused.
  void check(Context& ctx, std::string_view email);

 private:
  RateLimiter per_email_client_, per_client_;
};

}  // namespace bb::auth
