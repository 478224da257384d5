// A small synchronous client for Stripe's REST API (form-encoded requests, JSON answers) with
// retries on network errors, 429 and 5xx, and Stripe's errors mapped to bb::Error.
//
//   bb::saas::StripeClient stripe({.secret_key = key});
//   auto session = stripe.post("checkout/sessions", {{"mode", "subscription"},
//                              {"line_items[0][price]", price}, {"line_items[0][quantity]", "1"}},
//                              idempotency_key);
//   std::string url(session.at("url").as_string());
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb::saas {

struct StripeSettings {
  std::string secret_key;                           // sk_test_... / rk_live_...; never logged
  std::string api_base = "https://api.stripe.com";  // tests point it at a local fake server
  std::string api_version;                          // sent as Stripe-Version when not empty
  std::chrono::milliseconds timeout{10000};  // per attempt, in total; connecting: min(timeout, 5 s)
  int max_retries =
      2;  // on network errors, 429 and 5xx: 250 ms * 2^n with jitter, or Retry-After (<= 5 s)
};

// "line_items[0][price]" -> "price_123", in the order given.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded: every name and value percent-encoded (curl_easy_escape).
std::string form_encode(const FormFields& fields);

// Errors are thrown as bb::Error:
//  - Stripe's 4xx: invalid_argument, code "stripe_error", details {status, type, code, message,
//    param, request_id} from Stripe's {"error": {...}};
//  - network failure, timeout, 429 or 5xx once the retries are spent, or a body that is not a JSON
//    object: unavailable, code "stripe_unavailable".
// Thread-safe: every call uses its own connection.
class StripeClient {
 public:
  explicit StripeClient(StripeSettings settings);

  // POST <api_base>/v1/<path>, the same Idempotency-Key on every retry.
  boost::json::object post(std::string_view path, const FormFields& fields,
                           std::string_view idempotency_key);
  // GET <api_base>/v1/<path> (path may carry a query string, e.g.
  // "subscriptions/sub_1?expand[]=customer").
  boost::json::object get(std::string_view path);

 private:
  // A POST when body is given, else a GET.
  boost::json::object request(std::string_view path, const std::string* body,
                              std::string_view idempotency_key);

  StripeSettings settings_;
};

}  // namespace bb::saas
