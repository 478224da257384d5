// Streamed responses (Exchange::start_stream) against a real server and socket: chunks arrive
// as they are written, a client that leaves or stops reading closes the stream, stop() ends
// open streams at once, and the connection serves its next request after a stream.
#include "src/http/stream.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <semaphore>
#include <string>
#include <thread>

#include "src/http/server.hpp"

namespace bb::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// --- a small blocking HTTP client over a plain socket

class Client {
 public:
  explicit Client(unsigned short port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until `buf_` holds `delim`; returns what precedes it (and consumes it).
  std::optional<std::string> until(std::string_view delim, std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto at = buf_.find(delim); at != std::string::npos) {
        std::string out = buf_.substr(0, at);
        buf_.erase(0, at + delim.size());
        return out;
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }
  std::optional<std::string> exactly(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (buf_.size() < n)
      if (!fill(deadline)) return std::nullopt;
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }
  // The response head: the status line and headers, each ending in CRLF.
  std::optional<std::string> head() {
    auto h = until("\r\n\r\n");
    if (h) *h += "\r\n";
    return h;
  }
  // One chunk of a chunked body: its data ("" for the last chunk), checking the framing.
  std::optional<std::string> chunk(std::chrono::milliseconds timeout = 5s) {
    auto size_line = until("\r\n", timeout);
    if (!size_line) return std::nullopt;
    std::size_t size = std::stoul(*size_line, nullptr, 16);
    auto data = exactly(size + 2, timeout);
    if (!data || data->substr(size) != "\r\n") return std::nullopt;
    return data->substr(0, size);
  }
  // True when the server closes the connection (EOF or reset) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    buf_.clear();
    while (fill(deadline)) buf_.clear();
    return eof_;
  }
  // Everything until the server closes the connection.
  std::string rest(std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return std::exchange(buf_, {});
  }

 private:
  bool fill(Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

std::string get_once(unsigned short port, std::string_view path) {
  Client c(port);
  c.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  return c.rest();
}

// "/hello" answers at once; "/events" is up to the test.
class TestHandler : public Handler {
 public:
  std::function<void(Exchange&)> on_events;
  void handle(Exchange& ex) override {
    if (ex.path() == "/events" && on_events) return on_events(ex);
    ex.content_type = "text/plain";
    ex.body_out = "hello";
    ex.finish();
  }
};

std::shared_ptr<Stream> start_sse(Exchange& ex) {
  ex.content_type = "text/event-stream";
  ex.response.headers.emplace_back("Cache-Control", "no-cache");
  return ex.start_stream();
}

// --- the stream alone

TEST(HttpStream, FramesPiecesAsChunksAndEndsOnce) {
  int wakes = 0, aborts = 0, closes = 0;
  Stream s([&](bool abort) { (abort ? aborts : wakes)++; }, 1024, true);
  s.on_close([&] { ++closes; });
  std::string out;
  EXPECT_TRUE(s.write("abc"));
  EXPECT_TRUE(s.write(""));  // nothing: an empty chunk would end the body
  EXPECT_EQ(wakes, 0);       // the connection takes after the head without being woken
  ASSERT_EQ(s.take(out), Stream::Take::data);
  EXPECT_EQ(out, "3\r\nabc\r\n");
  s.sent();
  EXPECT_EQ(s.take(out), Stream::Take::idle);
  EXPECT_TRUE(s.write(std::string(20, 'x')));
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(s.write("y"));
  EXPECT_EQ(wakes, 1);  // one wake until the connection takes again
  s.end();
  s.end();
  EXPECT_EQ(closes, 1);
  EXPECT_TRUE(s.closed());
  EXPECT_FALSE(s.write("late"));
  ASSERT_EQ(s.take(out), Stream::Take::data);
  EXPECT_EQ(out, "14\r\nxxxxxxxxxxxxxxxxxxxx\r\n1\r\ny\r\n0\r\n\r\n");
  s.sent();
  EXPECT_EQ(s.take(out), Stream::Take::done);
  EXPECT_EQ(aborts, 0);
  bool late_callback = false;
  s.on_close([&] { late_callback = true; });  // already closed: runs now
  EXPECT_TRUE(late_callback);
}

TEST(HttpStream, GivesUpWhenTheQueuePassesItsLimit) {
  int aborts = 0, closes = 0;
  Stream s([&](bool abort) { aborts += abort; }, 100, true);
  s.on_close([&] { ++closes; });
  EXPECT_TRUE(s.write(std::string(40, 'a')));
  std::string out;
  ASSERT_EQ(s.take(out), Stream::Take::data);  // taken but not yet written: still counts
  EXPECT_TRUE(s.write(std::string(30, 'b')));
  EXPECT_FALSE(s.write(std::string(30, 'c')));
  EXPECT_EQ(aborts, 1);
  EXPECT_EQ(closes, 1);
  EXPECT_FALSE(s.write("d"));
  s.end();  // ignored
  EXPECT_EQ(aborts, 1);
}

// --- over a socket

class HttpStreamServer : public ::testing::Test {
 public:
  void start(Server::Options o = {}) {
    o.port = 0;
    server_.emplace(std::move(o), handler_);
    port_ = server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }
  TestHandler handler_;
  std::optional<Server> server_;
  unsigned short port_ = 0;
};

// A producer thread. On scope exit (after a failed assertion too) the server stops, which
// closes the streams, and the thread is joined before the test's locals go.
struct Joined {
  HttpStreamServer* fixture;
  std::thread t;
  explicit Joined(HttpStreamServer* f) : fixture(f) {}
  ~Joined() {
    if (fixture->server_) fixture->server_->stop(1s);
    if (t.joinable()) t.join();
  }
};

TEST_F(HttpStreamServer, SendsEventsAsTheyAreWrittenThenServesTheNextRequest) {
  start();
  std::counting_semaphore<3> received(0);
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    ASSERT_TRUE(stream);
    producer.t = std::thread([stream, &received] {
      for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(30ms);
        EXPECT_TRUE(stream->write("id: " + std::to_string(i) + "\ndata: event " +
                                  std::to_string(i) + "\n\n"));
        // The next event only once the client has this one: proves it was not held back.
        EXPECT_TRUE(received.try_acquire_for(5s));
      }
      stream->end();
    });
  };
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send("GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n");
  auto head = c.head();
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->starts_with("HTTP/1.1 200 OK\r\n")) << *head;
  EXPECT_NE(head->find("Content-Type: text/event-stream\r\n"), std::string::npos) << *head;
  EXPECT_NE(head->find("Transfer-Encoding: chunked\r\n"), std::string::npos) << *head;
  EXPECT_NE(head->find("Cache-Control: no-cache\r\n"), std::string::npos) << *head;
  EXPECT_EQ(head->find("Content-Length"), std::string::npos) << *head;
  EXPECT_EQ(head->find("Connection: close"), std::string::npos) << *head;
  for (int i = 0; i < 3; ++i) {
    auto chunk = c.chunk();
    ASSERT_TRUE(chunk) << "event " << i;
    EXPECT_EQ(*chunk, "id: " + std::to_string(i) + "\ndata: event " + std::to_string(i) + "\n\n");
    if (i == 0) {  // other connections are served meanwhile
      auto other = get_once(port_, "/hello");
      EXPECT_TRUE(other.starts_with("HTTP/1.1 200 OK\r\n")) << other;
      EXPECT_TRUE(other.ends_with("\r\n\r\nhello")) << other;
    }
    received.release();
  }
  auto last = c.chunk();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, "");
  // The connection is kept: it serves the next request.
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.head();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->starts_with("HTTP/1.1 200 OK\r\n")) << *next;
  EXPECT_NE(next->find("Content-Length: 5\r\n"), std::string::npos) << *next;
  EXPECT_EQ(c.exactly(5), "hello");
}

TEST_F(HttpStreamServer, StreamsFromTheNetworkThreadAndKeepsAPipelinedRequest) {
  start();
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);  // written and ended before the handler returns
    stream->write("data: a\n\n");
    stream->write("data: b\n\n");
    stream->end();
  };
  Client c(port_);
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.head());
  EXPECT_EQ(c.chunk(), "data: a\n\n");
  EXPECT_EQ(c.chunk(), "data: b\n\n");
  EXPECT_EQ(c.chunk(), "");
  auto next = c.head();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->starts_with("HTTP/1.1 200 OK\r\n")) << *next;
  EXPECT_EQ(c.exactly(5), "hello");
}

TEST_F(HttpStreamServer, AClientThatLeavesClosesTheStreamAndReleasesIt) {
  start();
  std::promise<void> closed;
  std::promise<Clock::time_point> refused;
  std::weak_ptr<Stream> weak;
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    weak = stream;
    stream->on_close([&closed, stream] { closed.set_value(); });  // holds the stream: dropped after
    producer.t = std::thread([stream = std::move(stream), &refused]() mutable {
      while (stream->write(": heartbeat\n\n")) std::this_thread::sleep_for(10ms);
      refused.set_value(Clock::now());
      stream.reset();
    });
  };
  Client c(port_);
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.head());
  ASSERT_EQ(c.chunk(), ": heartbeat\n\n");
  auto left = Clock::now();
  c.close();
  ASSERT_EQ(closed.get_future().wait_for(2s), std::future_status::ready);
  auto fut = refused.get_future();
  ASSERT_EQ(fut.wait_for(2s), std::future_status::ready);
  EXPECT_LT(fut.get() - left, 1s);
  producer.t.join();
  // Neither the connection nor the close callback keeps the stream.
  EXPECT_TRUE(weak.expired());
  EXPECT_TRUE(get_once(port_, "/hello").ends_with("hello"));
  // Nor is the connection kept: stop() has no session left to wait for.
  auto t0 = Clock::now();
  server_->stop(3s);
  EXPECT_LT(Clock::now() - t0, 1s);
}

TEST_F(HttpStreamServer, AClientThatDoesNotReadHitsTheQueueLimit) {
  start({.stream_queue_limit = 64 * 1024});
  std::promise<std::size_t> refused_after;
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    producer.t = std::thread([stream, &refused_after] {
      const std::string piece = "data: " + std::string(8 * 1024, 'x') + "\n\n";
      std::size_t written = 0;
      // Far more than the kernel's socket buffers plus the limit hold.
      while (written < 256 * 1024 * 1024 && stream->write(piece)) written += piece.size();
      refused_after.set_value(written);
    });
  };
  Client c(port_, 4096);  // connects, asks, and never reads
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  auto fut = refused_after.get_future();
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  EXPECT_LT(fut.get(), 256u * 1024 * 1024);
  // Others are served meanwhile, and the stuck connection was dropped.
  EXPECT_TRUE(get_once(port_, "/hello").ends_with("hello"));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpStreamServer, StopEndsOpenStreamsPromptly) {
  start({.stream_queue_limit = 64 * 1024 * 1024});
  std::promise<void> reader_closed, stuck_closed, stuck_full;
  std::atomic<int> streams{0};
  std::shared_ptr<Stream> kept;
  Joined reader_producer(this), stuck_producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    if (streams++ == 0) {  // the reading client: a heartbeat now and then
      kept = stream;
      stream->on_close([&] { reader_closed.set_value(); });
      reader_producer.t = std::thread([stream] {
        while (stream->write(": heartbeat\n\n")) std::this_thread::sleep_for(20ms);
      });
    } else {  // the client that does not read: a write stays pending
      stream->on_close([&] { stuck_closed.set_value(); });
      stuck_producer.t = std::thread([stream, &stuck_full] {
        const std::string piece(64 * 1024, 'x');
        for (std::size_t written = 0; written < 16 * 1024 * 1024; written += piece.size())
          if (!stream->write(piece)) break;
        stuck_full.set_value();
        while (stream->write(": heartbeat\n\n")) std::this_thread::sleep_for(20ms);
      });
    }
  };
  Client reading(port_);
  reading.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(reading.head());
  ASSERT_EQ(reading.chunk(), ": heartbeat\n\n");
  Client stuck(port_, 4096);
  stuck.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_EQ(stuck_full.get_future().wait_for(10s), std::future_status::ready);

  auto t0 = Clock::now();
  server_->stop(10s);
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(reader_closed.get_future().wait_for(0s), std::future_status::ready);
  EXPECT_EQ(stuck_closed.get_future().wait_for(0s), std::future_status::ready);
  // The reading client sees the body end properly, then the connection close.
  std::string rest = reading.rest(2s);
  EXPECT_TRUE(rest.ends_with("0\r\n\r\n")) << rest;
  EXPECT_TRUE(reading.closed_by_peer(1s));
  // A producer that kept its stream past the server is refused, nothing more.
  server_.reset();
  EXPECT_FALSE(kept->write("data: late\n\n"));
}

TEST_F(HttpStreamServer, TheIdleTimeoutDoesNotCutAQuietStream) {
  start({.idle_timeout = 1s});
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    producer.t = std::thread([stream] {
      stream->write("data: first\n\n");
      std::this_thread::sleep_for(2500ms);  // quiet for longer than the idle timeout (+ sweep)
      stream->write("data: second\n\n");
      stream->end();
    });
  };
  Client c(port_);
  c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.head());
  EXPECT_EQ(c.chunk(), "data: first\n\n");
  EXPECT_EQ(c.chunk(5s), "data: second\n\n");
  EXPECT_EQ(c.chunk(), "");
  // Once the stream is over, the connection is idle again and times out as usual.
  EXPECT_TRUE(c.closed_by_peer(4s));
}

TEST_F(HttpStreamServer, AnHttp10ClientGetsTheBodyUntilClose) {
  start();
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    producer.t = std::thread([stream] {
      stream->write("data: a\n\n");
      std::this_thread::sleep_for(20ms);
      stream->write("data: b\n\n");
      stream->end();
    });
  };
  Client c(port_);
  c.send("GET /events HTTP/1.0\r\n\r\n");
  auto head = c.head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->find("Transfer-Encoding"), std::string::npos) << *head;
  EXPECT_NE(head->find("\r\nConnection: close"), std::string::npos) << *head;
  EXPECT_EQ(c.rest(), "data: a\n\ndata: b\n\n");
}

TEST_F(HttpStreamServer, AHeadRequestClosesTheStreamAtOnce) {
  start();
  std::promise<bool> write_after_head;
  Joined producer(this);
  handler_.on_events = [&](Exchange& ex) {
    auto stream = start_sse(ex);
    producer.t = std::thread([stream, &write_after_head] {
      for (int i = 0; i < 200 && !stream->closed(); ++i) std::this_thread::sleep_for(5ms);
      write_after_head.set_value(stream->write("data: a\n\n"));
    });
  };
  Client c(port_);
  c.send("HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = c.head();
  ASSERT_TRUE(head);
  EXPECT_NE(head->find("Transfer-Encoding: chunked\r\n"), std::string::npos) << *head;
  auto fut = write_after_head.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(fut.get());
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto next = c.head();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->starts_with("HTTP/1.1 200 OK\r\n")) << *next;
  EXPECT_EQ(c.exactly(5), "hello");
}

}  // namespace
}  // namespace bb::http
