// Memory bounded by configuration, not by the client: large hostile JSON bodies sent by many
// anonymous clients at once are each answered (a 400, or 413/503 when a bound is reached), the
// server keeps serving, and once they are answered its resident memory is back within 20 MB of
// where it was idle. A body is taken from the server's in-flight budget before it is read (503
// busy, Retry-After, past [http] max_inflight_body); a body whose parsed JSON would not fit is
// 413 body_too_complex.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

constexpr std::size_t kBody = 1000 * 1000;  // under the default 1 MiB body limit

// Four shapes of ~1 MB a client may send to a public route, each cheap to send and costly to
// parse or to answer: thousands of unknown members, a member holding half a million numbers,
// one huge string, an array of empty objects instead of an object.
std::string hostile_body(int shape) {
  std::string s;
  s.reserve(kBody + 32);
  switch (shape % 4) {
    case 0:
      s = R"({"email":"a@example.com","password":"x")";
      for (int i = 0; s.size() < kBody - 16; ++i) s += ",\"k" + std::to_string(i) + "\":0";
      s += '}';
      break;
    case 1:
      s = R"({"email":[0)";
      while (s.size() < kBody - 4) s += ",0";
      s += "]}";
      break;
    case 2:
      s = R"({"email":")" + std::string(kBody - 20, 'x') + R"(","password":"x"})";
      break;
    default:
      s = "[{}";
      while (s.size() < kBody - 4) s += ",{}";
      s += ']';
  }
  return s;
}

// Waits up to `timeout` for the process's RSS to come within `bound_kib` of `target_kib`
// (freed memory goes back to the system a moment after the last response); the last reading.
long settled_rss(pid_t pid, long target_kib, long bound_kib, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  long rss = memory_kib(pid);
  while (rss - target_kib >= bound_kib && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    rss = memory_kib(pid);
  }
  return rss;
}

TEST(RequestMemory, SixtyFourConcurrentMegabyteBodiesLeaveMemoryWhereItWas) {
  DemoServer server({.sign_in = false});
  const pid_t pid = server.process().pid();
  // Warm: the first requests load what every request uses (statements, the schema, TLS-free
  // buffers); idle is measured after them.
  for (int i = 0; i < 20; ++i) http(server.port(), "POST", "/auth/sign-in", R"({"email":"a@example.com"})");
  std::this_thread::sleep_for(500ms);
  const long idle = memory_kib(pid);

  std::vector<std::string> bodies;
  for (int shape = 0; shape < 4; ++shape) bodies.push_back(hostile_body(shape));
  constexpr int kClients = 64, kRounds = 3;
  std::mutex mutex;
  std::map<int, int> statuses;
  int tried = 0, correct = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i)
      clients.emplace_back([&, i] {
        int status = 0;
        bool problem = false;
        try {
          Connection c(server.port(), std::chrono::seconds(60));
          Response r = c.request("POST", "/auth/sign-in", bodies[i % 4]);
          status = r.status;
          problem = r.header("content-type").value_or("").starts_with("application/problem+json");
        } catch (const std::exception&) {
        }
        std::lock_guard lock(mutex);
        ++tried;
        ++statuses[status];
        correct += problem && (status == 400 || status == 413 || status == 503);
      });
    for (auto& t : clients) t.join();
  }
  const bool alive = server.healthy();
  const long peak = memory_kib(pid, "VmHWM:");
  const long after = settled_rss(pid, idle, 20 * 1024, std::chrono::seconds(5));
  std::string by_status;
  for (auto [status, n] : statuses) by_status += " " + std::to_string(status) + "x" + std::to_string(n);
  std::printf("[memory] tried %d / correct %d / alive %s; statuses%s; RSS %ld KiB idle, %ld KiB peak, %ld KiB after\n",
              tried, correct, alive ? "yes" : "no", by_status.c_str(), idle, peak, after);
  EXPECT_EQ(correct, tried) << by_status;
  EXPECT_TRUE(alive);
#if defined(__SANITIZE_ADDRESS__)
  std::printf("[memory] RSS not checked: AddressSanitizer keeps freed memory in quarantine\n");
#else
  EXPECT_LT(after - idle, 20 * 1024) << "memory taken by large bodies must go back once they are answered";
#endif
}

// Two connections hold a 1 MB body each (header sent, body not yet): with a 2.5 MB budget a
// third is refused before its body is read; a request without a body is served meanwhile;
// once the first two are answered, the third's retry is taken.
TEST(RequestMemory, BodiesPastTheInflightBudgetAre503BusyUntilTheBudgetFrees) {
  DemoServer server({.env = {{"BUNBASE_MAX_INFLIGHT_BODY", "2500000"}}, .sign_in = false});
  // 1 MB that parses into almost nothing (JSON allows the whitespace): only the bodies count.
  const std::string body = R"({"email":"x","password":"x"})" + std::string(kBody - 28, ' ');
  const std::string head = "POST /auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  Connection a(server.port()), b(server.port());
  ASSERT_TRUE(a.send_raw(head + body.substr(0, 1000)));
  ASSERT_TRUE(b.send_raw(head + body.substr(0, 1000)));
  std::this_thread::sleep_for(300ms);  // both headers read, both bodies reserved

  Connection c(server.port());
  ASSERT_TRUE(c.send_raw(head));
  auto refused = c.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << *refused;
  EXPECT_EQ(refused->header("retry-after").value_or(""), "1");
  EXPECT_NE(refused->body.find("\"busy\""), std::string::npos) << *refused;
  EXPECT_TRUE(c.closed_by_peer()) << "the unread body is never taken as a request";
  EXPECT_TRUE(server.healthy()) << "a request without a body needs no budget";

  ASSERT_TRUE(a.send_raw(body.substr(1000)));
  ASSERT_TRUE(b.send_raw(body.substr(1000)));
  auto ra = a.read_response(), rb = b.read_response();
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 400) << *ra;
  EXPECT_EQ(rb->status, 400) << *rb;

  Connection retry(server.port());
  Response r = retry.request("POST", "/auth/sign-in", body);
  EXPECT_EQ(r.status, 400) << "the budget is free again: the body is read and validated\n" << r;
}

// Parsed, a dense body takes many times its size (an array of half a million numbers: ~28x);
// with an 8 MB budget a request may take at most 4 MB: 413, not 503 (it never would fit).
// A body of the same size that parses small is served.
TEST(RequestMemory, ABodyTooComplexToParseWithinItsBoundIs413) {
  DemoServer server({.env = {{"BUNBASE_MAX_INFLIGHT_BODY", "8MiB"}}, .sign_in = false});
  Response dense = http(server.port(), "POST", "/auth/sign-in", hostile_body(1));
  EXPECT_EQ(dense.status, 413) << dense;
  EXPECT_NE(dense.body.find("\"body_too_complex\""), std::string::npos) << dense;
  Response light = http(server.port(), "POST", "/auth/sign-in", hostile_body(2));
  EXPECT_EQ(light.status, 400) << "one long string parses into about its own size\n" << light;
  EXPECT_TRUE(server.healthy());
}

}  // namespace
}  // namespace bbit
