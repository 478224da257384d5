// The HTTP/1.1 server (Boost.Beast over Asio): one io_context per network thread, keep-alive,
// a body limit, idle timeouts and a graceful stop that lets in-flight requests finish.
// Responses are whole (Exchange::finish) or streamed in chunks (Exchange::start_stream).
//
//   bb::http::Server server({.host = "127.0.0.1", .port = 0}, handler);
//   unsigned short port = server.start();
//   ...
//   server.stop(std::chrono::seconds(10));
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "src/http/compression.hpp"
#include "src/http/exchange.hpp"
#include "src/http/forwarded.hpp"
#include "src/http/memory_budget.hpp"

#include <boost/asio/steady_timer.hpp>

namespace boost::asio {
class io_context;
}

namespace bb::http {

class Session;

class Server {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    unsigned short port = 3000;  // 0: any free port
    std::size_t body_limit = 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    // Request bodies and their parsed JSON held at once by all requests in flight; a request
    // past it is answered 503 busy (memory_budget.hpp).
    std::size_t max_inflight_body = 256 * 1024 * 1024;
    int io_threads = 1;
    // A connection waiting for a request, or for the client to take a response, this long is
    // closed. A streamed response may stay open and quiet for any time.
    std::chrono::seconds idle_timeout{60};
    // The most bytes of a streamed response queued but not yet written before the stream gives
    // up on a client that does not read (http::Stream::write returns false).
    std::size_t stream_queue_limit = 1024 * 1024;
    // Peers whose forwarding headers are believed (Exchange::ip(), scheme(), host()).
    AddressSet trusted_proxies;
    CompressionOptions compression;
  };

  Server(Options options, Handler& handler);
  ~Server();

  // Binds, listens and starts the network threads. Returns the bound port. Throws on failure.
  unsigned short start();
  // Stops accepting, closes idle connections, ends open streamed responses (their streams
  // close), waits up to `grace` for in-flight requests, then stops the network threads.
  // Idempotent.
  void stop(std::chrono::milliseconds grace);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  const Options& options() const { return options_; }
  Handler& handler() { return handler_; }
  MemoryBudget& memory_budget() { return memory_budget_; }
  // Where the server tells the operator of trouble (out of file descriptors); stderr until set.
  // Set before start(); called on a network thread.
  void on_warning(std::function<void(std::string_view)> warn) { warn_ = std::move(warn); }

 private:
  friend class Session;
  struct Acceptor;
  void accept();
  void sweep();
  void attach(const std::shared_ptr<Session>& s);
  void detach(Session* s);

  Options options_;
  Handler& handler_;
  MemoryBudget memory_budget_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::vector<std::thread> threads_;
  std::size_t next_context_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::mutex sessions_mutex_;
  std::condition_variable sessions_gone_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  // An accept that failed is retried after a pause, never at once: its cause (out of file
  // descriptors, mostly) would fail it again and the loop would spin. Out of descriptors, the
  // connection idle the longest is closed to make room, and the operator is told once per
  // episode. All of it on contexts_[0]'s thread, the acceptor's.
  void accept_later(const boost::system::error_code& ec);
  bool shed_oldest_idle();
  void warn(std::string_view message);
  std::function<void(std::string_view)> warn_;
  std::unique_ptr<boost::asio::steady_timer> accept_timer_;
  std::chrono::milliseconds accept_pause_{0};
  std::int64_t last_refused_ms_ = -1;  // the last accept refused for want of descriptors
  // Connections asked to close that were busy after all (answering a client slow to read), by
  // the deadline they had then: passed over until it changes.
  std::unordered_map<Session*, std::int64_t> shed_asked_;
};

}  // namespace bb::http
