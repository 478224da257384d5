// The jobs-app's webhooks (tests/integration/webhook_test.cpp): one endpoint per verifier, each
// with its secret from the environment, all handled by one action body that writes every
// attempt and every handled delivery, so that a test reading the database can count runs.
//
//   POST /hooks/github    github(HOOKS_GITHUB_SECRET), deduped by X-GitHub-Delivery
//   POST /hooks/standard  standard(HOOKS_STANDARD_SECRET), deduped by webhook-id
//   POST /hooks/hmac      hmac_sha256("X-Signature", HOOKS_HMAC_SECRET), no delivery id
//   POST /hooks/custom    a lambda checking X-Hook-Token against HOOKS_CUSTOM_TOKEN, deduped by
//                         the body's eventId (a callable event_id too)
//   POST /hooks/queued    stripe(HOOKS_STRIPE_SECRET), deduped by the event id, enqueue = true
//
// A body with "failTimes": N makes the first N attempts of its delivery fail (a 503), so that
// the sender's retry with the same id can be seen to run again; "sleepMs": N makes a run slow
// (a redelivery arriving meanwhile).
#include <unistd.h>

#include <bunbase/bunbase.hpp>
#include <bunbase/webhooks.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct HookDelivery {
  std::string source;
  std::string deliveryId;                // "" when the endpoint names no delivery
  std::string body;                      // the JSON body, serialized
  std::optional<std::int64_t> failTimes;  // the first N attempts of this delivery fail
  std::optional<bb::Int<bb::Minimum<0>, bb::Maximum<5000>>> sleepMs;  // before anything else
};
BOOST_DESCRIBE_STRUCT(HookDelivery, (), (source, deliveryId, body, failTimes, sleepMs))

struct HookHandled {
  std::int64_t attempt = 0;
};
BOOST_DESCRIBE_STRUCT(HookHandled, (), (attempt))

using EventId = std::function<std::string(const boost::json::value&, const bb::Request&)>;

// The action's input: where it came from, its id and the body as received (parsed).
auto mapper(std::string source, EventId id) {
  return [source = std::move(source), id = std::move(id)](const boost::json::value& body,
                                                           const bb::Request& request) {
    boost::json::object in{{"source", source},
                           {"deliveryId", id ? id(body, request) : std::string()},
                           {"body", boost::json::serialize(body)}};
    if (const auto* o = body.if_object())
      for (const char* key : {"failTimes", "sleepMs"})
        if (const auto* n = o->if_contains(key); n && n->is_int64()) in[key] = *n;
    return boost::json::value(std::move(in));
  };
}

HookHandled handle(const HookDelivery& in, bb::Context& ctx) {
  if (in.sleepMs) std::this_thread::sleep_for(std::chrono::milliseconds(in.sleepMs->value));
  ctx.db.exec("INSERT INTO hook_attempts (source, delivery_id, at_ms) VALUES ($1, $2, $3)",
              {in.source, in.deliveryId, now_ms()});
  const std::int64_t attempt =
      ctx.db
          .query_one("SELECT count(*) AS n FROM hook_attempts WHERE source = $1 AND delivery_id = $2",
                     {in.source, in.deliveryId})
          ->at("n")
          .as_int64();
  if (in.failTimes && attempt <= *in.failTimes)
    throw bb::Error(bb::ErrorCode::unavailable,
                    "failing on purpose (attempt " + std::to_string(attempt) + ")")
        .with_code("failing_on_purpose");
  ctx.db.exec(
      "INSERT INTO deliveries (source, delivery_id, body, attempt, trigger, at_ms) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {in.source, in.deliveryId, in.body, attempt,
       std::string(ctx.trigger.type) + " " + std::string(ctx.trigger.detail), now_ms()});
  return HookHandled{attempt};
}

bb::Action hook(std::string name, std::string source, bb::webhooks::Verifier verify, EventId id,
                bool enqueue = false) {
  const std::string path = "/" + source;
  return bb::action<HookDelivery, HookHandled>(
      {.name = std::move(name),
       .description = "A verified " + source + " delivery: recorded in deliveries",
       .triggers = {bb::triggers::webhook(path, {.verify = std::move(verify),
                                                 .map = mapper(source, id),
                                                 .event_id = id,
                                                 .enqueue = enqueue})}},
      handle);
}

// A custom verifier is any callable that throws to refuse: here a shared token in a header,
// compared without an early exit.
bb::webhooks::Verifier token_header(std::string header, std::string token) {
  return [header = std::move(header), token = std::move(token)](const bb::Request& r) {
    const std::string_view given = r.header(header).value_or("");
    bool same = !token.empty() && given.size() == token.size();
    unsigned char diff = 0;
    for (std::size_t i = 0; same && i < token.size(); ++i)
      diff |= static_cast<unsigned char>(given[i] ^ token[i]);
    if (!same || diff != 0)
      throw bb::Error(bb::ErrorCode::unauthenticated, "token header: does not match")
          .with_code("invalid_token");
  };
}

std::string body_event_id(const boost::json::value& body, const bb::Request&) {
  if (const auto* o = body.if_object())
    if (const auto* id = o->if_contains("eventId"); id && id->is_string())
      return std::string(id->as_string());
  return {};
}

}  // namespace

BUNBASE_MODULE(hooks) {
  namespace wh = bb::webhooks;
  const char* token = std::getenv("HOOKS_CUSTOM_TOKEN");
  return bb::module(
      {.name = "hooks",
       .description = "Verified webhooks, one per verifier, for the webhook tests",
       .api_prefix = "/hooks",
       .actions = {
           hook("githubHook", "github", wh::github(wh::env_secrets("HOOKS_GITHUB_SECRET")),
                wh::github_delivery_id),
           hook("standardHook", "standard", wh::standard(wh::env_secrets("HOOKS_STANDARD_SECRET")),
                wh::standard_webhook_id),
           hook("hmacHook", "hmac",
                wh::hmac_sha256("X-Signature", wh::env_secrets("HOOKS_HMAC_SECRET")), nullptr),
           hook("customHook", "custom", token_header("X-Hook-Token", token ? token : ""),
                body_event_id),
           hook("queuedHook", "queued", wh::stripe(wh::env_secrets("HOOKS_STRIPE_SECRET")),
                wh::stripe_event_id, /*enqueue=*/true),
       }});
}
