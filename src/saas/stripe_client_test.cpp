#include "src/saas/stripe_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "bunbase/core/error.hpp"

namespace {

using namespace std::chrono_literals;
using bb::saas::FormFields;
using bb::saas::StripeClient;
using bb::saas::StripeSettings;

// A one-request-per-connection HTTP/1.1 server on 127.0.0.1 that answers canned responses in
// order and records what it was sent.
class FakeHttp {
 public:
  struct Canned {
    int status = 200;
    std::string body = "{}";
    std::string extra_headers;  // "Name: value\r\n" lines
    bool hang = false;          // read the request, never answer
  };
  struct Recorded {
    std::string request_line;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
  };

  explicit FakeHttp(std::vector<Canned> replies) : replies_(replies.begin(), replies.end()) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0)
      throw std::runtime_error("FakeHttp: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeHttp() {
    stop_ = true;
    thread_.join();
    for (int fd : hanging_) ::close(fd);
    ::close(listener_);
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static bool readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

  void serve() {
    while (!stop_) {
      if (!readable(listener_, 20)) continue;
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      Recorded r = read_request(fd);
      Canned reply{.status = 418, .body = R"({"error":{"message":"no canned reply left"}})"};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(r);
        if (!replies_.empty()) {
          reply = replies_.front();
          replies_.pop_front();
        }
      }
      if (reply.hang) {
        hanging_.push_back(fd);
        continue;
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                        " X\r\nContent-Type: application/json\r\n" + reply.extra_headers +
                        "Content-Length: " + std::to_string(reply.body.size()) +
                        "\r\nConnection: close\r\n\r\n" + reply.body;
      for (std::size_t sent = 0; sent < out.size();) {
        ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
  }

  Recorded read_request(int fd) {
    std::string data;
    std::size_t head_end = std::string::npos, content_length = 0;
    char buf[4096];
    while (!stop_ && readable(fd, 2000)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos &&
          (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        auto at = lower(data.substr(0, head_end)).find("\r\ncontent-length:");
        if (at != std::string::npos) content_length = std::stoul(data.substr(at + 17));
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + content_length) break;
    }
    Recorded r;
    if (head_end == std::string::npos) return r;
    std::string head = data.substr(0, head_end);
    r.body = data.substr(head_end + 4);
    std::size_t eol = head.find("\r\n");
    r.request_line = head.substr(0, eol);
    while (eol != std::string::npos) {
      std::size_t next = head.find("\r\n", eol + 2);
      std::string line =
          head.substr(eol + 2, next == std::string::npos ? std::string::npos : next - eol - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        r.headers[lower(line.substr(0, colon))] = value;
      }
      eol = next;
    }
    return r;
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::deque<Canned> replies_;
  std::vector<Recorded> requests_;
  std::vector<int> hanging_;
};

constexpr std::string_view kKey = "sk_test_51Secret0123456789";

StripeSettings settings(const FakeHttp& server) {
  return {.secret_key = std::string(kKey), .api_base = server.base(), .timeout = 2000ms};
}

bb::Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const bb::Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a bb::Error";
  return bb::Error(bb::ErrorCode::internal, "none");
}

// ---- form_encode -----------------------------------------------------------------------

TEST(StripeForm, EncodesNamesAndValuesInOrder) {
  EXPECT_EQ(bb::saas::form_encode({}), "");
  EXPECT_EQ(bb::saas::form_encode({{"mode", "subscription"}, {"a", ""}}), "mode=subscription&a=");
  EXPECT_EQ(bb::saas::form_encode(
                {{"line_items[0][price]", "price_123"}, {"line_items[0][quantity]", "1"}}),
            "line_items%5B0%5D%5Bprice%5D=price_123&line_items%5B0%5D%5Bquantity%5D=1");
  EXPECT_EQ(bb::saas::form_encode({{"metadata[note]", "a b&c=d+e/f?g"}}),
            "metadata%5Bnote%5D=a%20b%26c%3Dd%2Be%2Ff%3Fg");
  EXPECT_EQ(bb::saas::form_encode({{"name", "Zoë 日本"}}), "name=Zo%C3%AB%20%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(bb::saas::form_encode({{"z", "1"}, {"a", "2"}}), "z=1&a=2") << "order kept";
}

// ---- requests --------------------------------------------------------------------------

TEST(StripeClient, PostSendsTheHeadersAndTheFormBody) {
  FakeHttp server({{.status = 200, .body = R"({"id":"cs_test_1","object":"checkout.session"})"}});
  auto s = settings(server);
  s.api_version = "2025-03-31.basil";
  StripeClient stripe(s);
  auto out =
      stripe.post("checkout/sessions",
                  {{"mode", "subscription"}, {"line_items[0][price]", "price 1"}}, "idem-123");
  EXPECT_EQ(out.at("id"), "cs_test_1");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].request_line, "POST /v1/checkout/sessions HTTP/1.1");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer " + std::string(kKey));
  EXPECT_EQ(reqs[0].headers["idempotency-key"], "idem-123");
  EXPECT_EQ(reqs[0].headers["stripe-version"], "2025-03-31.basil");
  EXPECT_EQ(reqs[0].headers["content-type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(reqs[0].headers.count("expect"), 0u);
  EXPECT_EQ(reqs[0].body, "mode=subscription&line_items%5B0%5D%5Bprice%5D=price%201");
}

TEST(StripeClient, GetHasNoBodyNoIdempotencyKeyAndNoVersionUnlessSet) {
  FakeHttp server({{.body = R"({"id":"sub_1","object":"subscription"})"}});
  auto s = settings(server);
  s.api_base += "/";
  StripeClient stripe(s);
  EXPECT_EQ(stripe.get("/subscriptions/sub_1").at("object"), "subscription");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].request_line, "GET /v1/subscriptions/sub_1 HTTP/1.1");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer " + std::string(kKey));
  EXPECT_EQ(reqs[0].headers.count("idempotency-key"), 0u);
  EXPECT_EQ(reqs[0].headers.count("stripe-version"), 0u);
  EXPECT_EQ(reqs[0].body, "");
}

TEST(StripeClient, RetriesA500WithTheSameIdempotencyKey) {
  FakeHttp server({{.status = 500, .body = R"({"error":{"type":"api_error","message":"boom"}})"},
                   {.status = 503, .body = "<html>busy</html>"},
                   {.body = R"({"id":"bps_1"})"}});
  StripeClient stripe(settings(server));
  auto out = stripe.post("billing_portal/sessions", {{"customer", "cus_1"}}, "key-1");
  EXPECT_EQ(out.at("id"), "bps_1");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (auto& r : reqs) {
    EXPECT_EQ(r.headers["idempotency-key"], "key-1");
    EXPECT_EQ(r.body, "customer=cus_1");
  }
}

TEST(StripeClient, HonoursRetryAfterOn429) {
  FakeHttp server({{.status = 429,
                    .body = R"({"error":{"type":"rate_limit_error"}})",
                    .extra_headers = "Retry-After: 1\r\n"},
                   {.body = R"({"ok":true})"}});
  StripeClient stripe(settings(server));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(stripe.get("balance").at("ok"), true);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 950ms);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(StripeClient, A400IsNotRetriedAndCarriesStripesError) {
  FakeHttp server(
      {{.status = 400,
        .body = R"({"error":{"type":"invalid_request_error","code":"parameter_missing",)"
                R"("message":"Missing required param: customer.","param":"customer"}})",
        .extra_headers = "Request-Id: req_123\r\n"}});
  StripeClient stripe(settings(server));
  bb::Error e = error_of([&] { stripe.post("billing_portal/sessions", {}, "k"); });
  EXPECT_EQ(e.kind(), bb::ErrorCode::invalid_argument);
  EXPECT_EQ(e.code(), "stripe_error");
  EXPECT_EQ(e.message(), "Stripe: Missing required param: customer.");
  auto& d = e.details().as_object();
  EXPECT_EQ(d.at("status"), 400);
  EXPECT_EQ(d.at("type"), "invalid_request_error");
  EXPECT_EQ(d.at("code"), "parameter_missing");
  EXPECT_EQ(d.at("message"), "Missing required param: customer.");
  EXPECT_EQ(d.at("param"), "customer");
  EXPECT_EQ(d.at("request_id"), "req_123");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(StripeClient, TheSecretKeyNeverAppearsInAnError) {
  FakeHttp server(
      {{.status = 401,
        .body =
            R"({"error":{"type":"invalid_request_error","message":"Invalid API Key provided: )" +
            std::string(kKey) + "\"}}"}});
  StripeClient stripe(settings(server));
  bb::Error e = error_of([&] { stripe.get("customers/cus_1"); });
  EXPECT_EQ(e.code(), "stripe_error");
  EXPECT_EQ(e.message().find(kKey), std::string::npos) << e.message();
  EXPECT_EQ(boost::json::serialize(e.details()).find(kKey), std::string::npos);
}

TEST(StripeClient, FiveHundredsAfterTheRetriesAreUnavailable) {
  FakeHttp server({{.status = 500},
                   {.status = 502},
                   {.status = 500, .body = R"({"error":{"message":"still down"}})"}});
  StripeClient stripe(settings(server));
  bb::Error e = error_of([&] {
    stripe.post("subscriptions/sub_1", {{"cancel_at_period_end", "true"}}, "k");
  });
  EXPECT_EQ(e.kind(), bb::ErrorCode::unavailable);
  EXPECT_EQ(e.code(), "stripe_unavailable");
  EXPECT_EQ(e.details().at("attempts"), 3);
  EXPECT_EQ(e.details().at("status"), 500);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(StripeClient, AnUnparseableBodyIsUnavailable) {
  FakeHttp server({{.status = 200, .body = "not json"}, {.status = 200, .body = "[1,2]"}});
  StripeClient stripe(settings(server));
  EXPECT_EQ(error_of([&] { stripe.get("a"); }).code(), "stripe_unavailable");
  EXPECT_EQ(error_of([&] { stripe.get("b"); }).kind(), bb::ErrorCode::unavailable);
}

TEST(StripeClient, ATimeoutIsUnavailable) {
  FakeHttp server({{.hang = true}, {.hang = true}});
  auto s = settings(server);
  s.timeout = 300ms;
  s.max_retries = 1;
  StripeClient stripe(s);
  auto start = std::chrono::steady_clock::now();
  bb::Error e = error_of([&] { stripe.get("subscriptions/sub_1"); });
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.kind(), bb::ErrorCode::unavailable);
  EXPECT_EQ(e.code(), "stripe_unavailable");
  EXPECT_EQ(e.details().at("attempts"), 2);
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(StripeClient, ConnectionRefusedIsUnavailable) {
  // A port that was just free: bind, read it, close without listening.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  StripeClient stripe({.secret_key = std::string(kKey),
                       .api_base = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                       .max_retries = 1});
  bb::Error e = error_of([&] { stripe.post("checkout/sessions", {{"mode", "payment"}}, "k"); });
  EXPECT_EQ(e.kind(), bb::ErrorCode::unavailable);
  EXPECT_EQ(e.code(), "stripe_unavailable");
  EXPECT_EQ(e.details().at("attempts"), 2);
  EXPECT_EQ(e.message().find(kKey), std::string::npos);
}

TEST(StripeClient, PathsCannotSmuggleARequest) {
  StripeClient stripe(
      {.secret_key = std::string(kKey), .api_base = "http://127.0.0.1:1", .max_retries = 0});
  EXPECT_EQ(error_of([&] { stripe.get("customers/x HTTP/1.1\r\nHost: evil"); }).kind(),
            bb::ErrorCode::internal);
  EXPECT_EQ(error_of([&] { stripe.post("customers", {}, "k\r\nX: y"); }).kind(),
            bb::ErrorCode::internal);
}

}  // namespace
