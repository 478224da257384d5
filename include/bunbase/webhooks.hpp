// Webhook signature verifiers: pure functions over the raw body bytes and header values for
// Stripe, GitHub, Standard Webhooks (Svix) and a plain HMAC-SHA256 header. No I/O, no JSON.
//
//   auto v = bb::webhooks::check_stripe(raw_body, req.header("Stripe-Signature"), {secret});
//   bb::webhooks::require(v, "stripe");  // throws invalid_argument / "invalid_signature" unless ok
//
// Verify the body exactly as received, before any JSON parsing. Every scheme takes a list of
// secrets so that ours can be rotated: a match with any one of them is enough.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/core/request.hpp"

namespace bb::webhooks {

enum class Verdict {
  ok,
  missing,    // no header, or no signature of a scheme we accept in it
  malformed,  // a header we cannot parse (bad timestamp, bad hex or base64, oversized)
  mismatch,   // well formed, but no signature matches any (non-empty, decodable) secret
  too_old,    // signed timestamp further in the past than the tolerance
  too_new,    // signed timestamp further in the future than the tolerance
};

std::string_view to_string(Verdict v);

// Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...][,v0=...]". HMAC-SHA256 keyed with the
// whole "whsec_..." string over "<t>.<body>"; any v1 may match, v0 and other schemes are ignored.
// A timestamp exactly `tolerance` away still passes.
Verdict check_stripe(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets,
                     std::chrono::seconds tolerance = std::chrono::seconds(300),
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// X-Hub-Signature-256: "sha256=<hex HMAC-SHA256(secret, body)>".
Verdict check_github(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets);

// Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature (a space-separated
// list of "v1,<base64>"). Secrets are "whsec_" + base64 key (the prefix is optional);
// HMAC-SHA256 over "<id>.<timestamp>.<body>"; the timestamp must be within ±tolerance.
Verdict check_standard(
    std::string_view body, std::string_view id, std::string_view timestamp,
    std::string_view signatures, const std::vector<std::string>& secrets,
    std::chrono::seconds tolerance = std::chrono::seconds(300),
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// A plain header whose value is hex HMAC-SHA256(secret, body), optionally prefixed "sha256=".
Verdict check_hmac_sha256(std::string_view body, std::string_view header,
                          const std::vector<std::string>& secrets);

// Throws bb::Error(invalid_argument, "<scheme> signature: <why>") with code "invalid_signature"
// unless v is ok.
void require(Verdict v, std::string_view scheme);

}  // namespace bb::webhooks

// --- Verifiers and delivery ids for bb::triggers::webhook.
//
//   .triggers = {bb::triggers::webhook("/stripe", {.verify = bb::webhooks::stripe(bb::webhooks::env_secrets("STRIPE_WEBHOOK_SECRET")),
//                                                  .event_id = bb::webhooks::stripe_event_id})}

namespace bb::webhooks {

using Verifier = std::function<void(const Request&)>;

// Throw bb::Error (invalid_signature) unless the request carries a valid signature. With no
// secret at all every delivery is refused.
Verifier stripe(std::vector<std::string> secrets, std::chrono::seconds tolerance = std::chrono::seconds(300));
Verifier github(std::vector<std::string> secrets);
Verifier standard(std::vector<std::string> secrets, std::chrono::seconds tolerance = std::chrono::seconds(300));
Verifier hmac_sha256(std::string header, std::vector<std::string> secrets);

// The secrets in an environment variable, comma separated (several while rotating); none when
// it is unset or empty.
std::vector<std::string> env_secrets(const char* variable);

// Delivery ids: Stripe's event `id`, GitHub's X-GitHub-Delivery, Standard Webhooks' webhook-id.
std::string stripe_event_id(const boost::json::value& body, const Request& request);
std::string github_delivery_id(const boost::json::value& body, const Request& request);
std::string standard_webhook_id(const boost::json::value& body, const Request& request);

}  // namespace bb::webhooks
