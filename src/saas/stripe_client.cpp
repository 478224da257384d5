#include "src/saas/stripe_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "bunbase/core/error.hpp"

namespace bb::saas {

namespace {

constexpr std::chrono::milliseconds kBaseDelay{250};
constexpr std::chrono::milliseconds kMaxRetryAfter{5000};
constexpr std::chrono::milliseconds kMaxConnectTimeout{5000};

void init_curl() {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK)
    throw bb::Error(bb::ErrorCode::unavailable, "Stripe: libcurl could not be initialised")
        .with_code("stripe_unavailable");
}

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Headers = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

struct Reply {
  long status = 0;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<bool> should_retry;  // Stripe-Should-Retry, when sent
  std::string request_id;
};

size_t on_body(char* data, size_t size, size_t n, void* self) {
  static_cast<Reply*>(self)->body.append(data, size * n);
  return size * n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t on_header(char* data, size_t size, size_t n, void* self) {
  auto* reply = static_cast<Reply*>(self);
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name = lower(trim(line.substr(0, colon)));
  std::string_view value = trim(line.substr(colon + 1));
  if (name == "retry-after") {
    long long seconds = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc{} && p == value.data() + value.size() && seconds >= 0)
      reply->retry_after = std::chrono::seconds(std::min<long long>(seconds, 3600));
  } else if (name == "stripe-should-retry") {
    reply->should_retry = value == "true";
  } else if (name == "request-id") {
    reply->request_id = std::string(value.substr(0, 128));
  }
  return size * n;
}

std::chrono::milliseconds backoff(int retry, std::optional<std::chrono::milliseconds> retry_after) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto base = kBaseDelay * (1 << std::min(retry, 10));
  // Half to all of the exponential delay, so that clients retrying together spread out.
  std::uniform_int_distribution<long long> jitter(base.count() / 2, base.count());
  std::chrono::milliseconds delay(jitter(rng));
  if (retry_after) delay = std::max(delay, std::min(*retry_after, kMaxRetryAfter));
  return delay;
}

// Our own key must never reach a message or a log line, even if a server echoes it back.
std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "sk_***");
  return text;
}

bb::Error unavailable(std::string message, boost::json::object details) {
  return bb::Error(bb::ErrorCode::unavailable, std::move(message), std::move(details))
      .with_code("stripe_unavailable");
}

boost::json::value field(const boost::json::object& error, std::string_view name) {
  auto it = error.find(name);
  return it == error.end() ? boost::json::value(nullptr) : it->value();
}

}  // namespace

std::string form_encode(const FormFields& fields) {
  init_curl();
  Easy curl(curl_easy_init(), &curl_easy_cleanup);
  std::string out;
  auto append = [&](const std::string& s) {
    if (s.empty()) return;
    char* escaped = curl_easy_escape(curl.get(), s.data(), static_cast<int>(s.size()));
    if (!escaped) throw std::bad_alloc();
    out += escaped;
    curl_free(escaped);
  };
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    append(name);
    out += '=';
    append(value);
  }
  return out;
}

StripeClient::StripeClient(StripeSettings settings) : settings_(std::move(settings)) {
  while (settings_.api_base.ends_with('/')) settings_.api_base.pop_back();
}

boost::json::object StripeClient::post(std::string_view path, const FormFields& fields,
                                       std::string_view idempotency_key) {
  const std::string body = form_encode(fields);
  return request(path, &body, idempotency_key);
}

boost::json::object StripeClient::get(std::string_view path) { return request(path, nullptr, {}); }

boost::json::object StripeClient::request(std::string_view path, const std::string* body,
                                          std::string_view idempotency_key) {
  while (path.starts_with('/')) path.remove_prefix(1);
  // Paths are ours (ids come from Stripe), but a stray space or line break must not become a
  // different request.
  for (unsigned char c : path)
    if (c <= 0x20 || c == 0x7f)
      throw bb::Error(bb::ErrorCode::internal, "Stripe: invalid request path");
  for (unsigned char c : idempotency_key)
    if (c < 0x20 || c == 0x7f)
      throw bb::Error(bb::ErrorCode::internal, "Stripe: invalid idempotency key");

  init_curl();
  Easy curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw unavailable("Stripe: libcurl could not be initialised", {});

  const std::string url = settings_.api_base + "/v1/" + std::string(path);
  Headers headers(nullptr, &curl_slist_free_all);
  auto add = [&](const std::string& h) {
    curl_slist* head = curl_slist_append(headers.get(), h.c_str());
    if (!head) throw std::bad_alloc();
    (void)headers.release();
    headers.reset(head);
  };
  add("Authorization: Bearer " + settings_.secret_key);
  add("Accept: application/json");
  add("Expect:");  // no 100-continue round trip
  if (!settings_.api_version.empty()) add("Stripe-Version: " + settings_.api_version);
  if (body) add("Content-Type: application/x-www-form-urlencoded");
  if (!idempotency_key.empty()) add("Idempotency-Key: " + std::string(idempotency_key));

  Reply reply;
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "Bunbase (stripe)");
  if (body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(settings_.timeout, kMaxConnectTimeout).count()));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  const int attempts = std::max(0, settings_.max_retries) + 1;
  for (int attempt = 0;; ++attempt) {
    reply = Reply{};
    error[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);

    bool transient = rc != CURLE_OK || reply.status == 429 || reply.status >= 500;
    if (rc == CURLE_OK && reply.should_retry) transient = *reply.should_retry;
    if (transient && attempt + 1 < attempts) {
      std::this_thread::sleep_for(backoff(attempt, reply.retry_after));
      continue;
    }

    boost::json::object details{{"attempts", attempt + 1}};
    if (rc != CURLE_OK) {
      std::string why = redact(error[0] ? error : curl_easy_strerror(rc), settings_.secret_key);
      throw unavailable("Stripe unreachable: " + why, std::move(details));
    }
    details["status"] = reply.status;
    if (!reply.request_id.empty()) details["request_id"] = reply.request_id;

    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(reply.body, ec);
    if (ec || !json.is_object())
      throw unavailable("Stripe: unparseable response (HTTP " + std::to_string(reply.status) + ")",
                        std::move(details));
    if (reply.status >= 200 && reply.status < 300) return std::move(json.as_object());

    // Stripe's {"error": {"type", "code", "message", "param", ...}}
    const boost::json::value* err = json.as_object().if_contains("error");
    for (std::string_view name : {"type", "code", "message", "param"})
      details[name] =
          err && err->is_object() ? field(err->get_object(), name) : boost::json::value(nullptr);
    if (auto* m = details["message"].if_string())
      *m = redact(std::string(*m), settings_.secret_key);
    if (reply.status >= 400 && reply.status < 500 && reply.status != 429) {
      std::string message = "Stripe: ";
      if (auto* m = details["message"].if_string())
        message += std::string(*m);
      else
        message += "request failed with HTTP " + std::to_string(reply.status);
      throw bb::Error(bb::ErrorCode::invalid_argument, std::move(message), std::move(details))
          .with_code("stripe_error");
    }
    throw unavailable("Stripe unavailable: HTTP " + std::to_string(reply.status),
                      std::move(details));
  }
}

}  // namespace bb::saas
