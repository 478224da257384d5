// The webhook trigger's verifiers and delivery ids (bunbase/webhooks.hpp), over the checks in
// signatures.cpp.
#include <cstdlib>

#include "bunbase/webhooks.hpp"

namespace bb::webhooks {

namespace {

std::string_view header(const Request& r, std::string_view name) { return r.header(name).value_or(""); }

}  // namespace

Verifier stripe(std::vector<std::string> secrets, std::chrono::seconds tolerance) {
  return [secrets = std::move(secrets), tolerance](const Request& r) {
    require(check_stripe(r.body(), header(r, "stripe-signature"), secrets, tolerance), "Stripe");
  };
}

Verifier github(std::vector<std::string> secrets) {
  return [secrets = std::move(secrets)](const Request& r) {
    require(check_github(r.body(), header(r, "x-hub-signature-256"), secrets), "GitHub");
  };
}

Verifier standard(std::vector<std::string> secrets, std::chrono::seconds tolerance) {
  return [secrets = std::move(secrets), tolerance](const Request& r) {
    // Svix sends the same three under svix-* names.
    auto pick = [&](std::string_view standard, std::string_view svix) {
      auto v = header(r, standard);
      return v.empty() ? header(r, svix) : v;
    };
    require(check_standard(r.body(), pick("webhook-id", "svix-id"), pick("webhook-timestamp", "svix-timestamp"),
                           pick("webhook-signature", "svix-signature"), secrets, tolerance),
            "Standard Webhooks");
  };
}

Verifier hmac_sha256(std::string name, std::vector<std::string> secrets) {
  return [name = std::move(name), secrets = std::move(secrets)](const Request& r) {
    require(check_hmac_sha256(r.body(), header(r, name), secrets), "HMAC-SHA256");
  };
}

std::vector<std::string> env_secrets(const char* variable) {
  std::vector<std::string> out;
  const char* value = std::getenv(variable);
  std::string_view rest = value ? value : "";
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

std::string stripe_event_id(const boost::json::value& body, const Request&) {
  if (const auto* o = body.if_object())
    if (const auto* id = o->if_contains("id"); id && id->is_string()) return std::string(id->as_string());
  return {};
}

std::string github_delivery_id(const boost::json::value&, const Request& r) {
  return std::string(header(r, "x-github-delivery"));
}

std::string standard_webhook_id(const boost::json::value&, const Request& r) {
  auto id = header(r, "webhook-id");
  return std::string(id.empty() ? header(r, "svix-id") : id);
}

}  // namespace bb::webhooks
