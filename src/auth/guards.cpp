// authenticated() and rate_limit(); the organization guards are in src/saas/org_guards.cpp.
#include "bunbase/guards.hpp"

#include <atomic>
#include <memory>

#include "bunbase/auth/identity.hpp"
#include "bunbase/auth/rate_limiter.hpp"
#include "bunbase/core/error.hpp"

namespace bb::guards {

Guard authenticated() {
  return Guard("authenticated", [](Context& ctx) {
    if (!auth::identify(ctx))
      throw Error(ErrorCode::unauthenticated, "authentication required").with_code("unauthenticated");
  });
}

namespace {

std::string rate_key(Context& ctx, const RateLimit& o) {
  if (o.custom_key) return "custom:" + o.custom_key(ctx);
  std::string ip = ctx.request ? std::string(ctx.request->ip()) : std::string("local");
  switch (o.key) {
    case RateKey::user:
      auth::identify(ctx);
      return ctx.auth.user_id.empty() ? "ip:" + ip : "user:" + ctx.auth.user_id;
    case RateKey::org:
      return ctx.auth.org_id.empty() ? "ip:" + ip : "org:" + ctx.auth.org_id;
    case RateKey::ip:
      break;
  }
  return "ip:" + ip;
}

std::string describe(const RateLimit& o) {
  const char* by = o.custom_key ? "custom key" : o.key == RateKey::user ? "user" : o.key == RateKey::org ? "org" : "ip";
  return "rate_limit(" + std::to_string(o.limit) + "/" + std::to_string(o.window.count()) + "s by " + by + ")";
}

}  // namespace

Guard rate_limit(RateLimit options) {
  std::string name = describe(options);
  // Each guard counts on its own, in the shared table too: its scope is its place among the
  // rate_limit() calls, which every instance of the app makes in the same order.
  static std::atomic<int> declared{0};
  auto limiter = std::make_shared<auth::RateLimiter>(options.limit, options.window,
                                                     name + "#" + std::to_string(declared.fetch_add(1)));
  return Guard(std::move(name), [limiter, o = std::move(options)](Context& ctx) {
    if (ctx.auth.is_system()) return;
    auto d = limiter->hit(rate_key(ctx, o), &ctx.db);
    if (ctx.response) {
      ctx.response->set_header("RateLimit-Limit", std::to_string(d.limit));
      ctx.response->set_header("RateLimit-Remaining", std::to_string(d.remaining));
      ctx.response->set_header("RateLimit-Reset", std::to_string(d.reset.count()));
    }
    if (!d.allowed)
      throw Error(ErrorCode::rate_limited, "too many requests, retry in " + std::to_string(d.reset.count()) + " s",
                  boost::json::object{{"retry_after", d.reset.count()}})
          .with_code("rate_limited");
  });
}

}  // namespace bb::guards
