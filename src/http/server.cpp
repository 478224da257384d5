#include "src/http/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "src/http/heap.hpp"
#include "src/http/session.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {
// Out of descriptors, the next attempt after a connection was asked to close: it is gone by then.
constexpr std::chrono::milliseconds kRetryAfterShedding{10};
// Otherwise the pause doubles from the first to the longest while accepts keep failing.
constexpr std::chrono::milliseconds kFirstPause{50};
constexpr std::chrono::milliseconds kLongestPause{1000};
// Refusals closer than this belong to one episode, told of once.
constexpr std::int64_t kEpisodeGapMs = 60'000;

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system;
}
}  // namespace

struct Server::Acceptor {
  tcp::acceptor socket;
  explicit Acceptor(net::io_context& ctx) : socket(ctx) {}
};

Server::Server(Options options, Handler& handler)
    : options_(std::move(options)), handler_(handler), memory_budget_(options_.max_inflight_body) {}

Server::~Server() {
  stop(std::chrono::milliseconds(0));
  // Destroying the contexts destroys pending handlers and the sessions they hold, which
  // detach themselves: do it while the session registry still exists.
  sweep_timer_.reset();
  accept_timer_.reset();
  acceptor_.reset();
  contexts_.clear();
}

unsigned short Server::start() {
  int n = std::max(1, options_.io_threads);
  map_large_blocks();
  for (int i = 0; i < n; ++i) contexts_.push_back(std::make_unique<net::io_context>(1));
  acceptor_ = std::make_unique<Acceptor>(*contexts_[0]);
  boost::system::error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) throw std::runtime_error("invalid host address \"" + options_.host + "\": " + ec.message());
  tcp::endpoint ep(address, options_.port);
  auto& a = acceptor_->socket;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                             ": " + ec.message());
  unsigned short port = a.local_endpoint().port();
  accept_timer_ = std::make_unique<net::steady_timer>(*contexts_[0]);
  accept();
  sweep_timer_ = std::make_unique<net::steady_timer>(*contexts_[0]);
  sweep();
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get(), i = threads_.size()] {
      pthread_setname_np(pthread_self(), ("bb-io-" + std::to_string(i)).c_str());
      auto guard = net::make_work_guard(*c);
      c->run();
    });
  }
  return port;
}

void Server::accept() {
  net::io_context& target = *contexts_[next_context_++ % contexts_.size()];
  acceptor_->socket.async_accept(target, [this, &target](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->socket.is_open()) return;
    if (ec) return accept_later(ec);
    accept_pause_ = {};
    if (!stopping()) {
      auto s = std::make_shared<Session>(*this, target, std::move(socket));
      attach(s);
      net::post(s->executor(), [s] { s->start(); });
    }
    accept();
  });
}

// Linux takes the new descriptor before it looks at the backlog: at the limit every accept fails
// at once, client waiting or not, which is why retrying at once spun. A client waiting stays in
// the backlog meanwhile; closing the connection idle the longest frees a descriptor for it (and
// the accept that follows a success sheds the next, so one stays free for the next client).
void Server::accept_later(const boost::system::error_code& ec) {
  accept_pause_ = std::clamp(accept_pause_ * 2, kFirstPause, kLongestPause);
  std::chrono::milliseconds pause = accept_pause_;
  if (out_of_descriptors(ec)) {
    const std::int64_t now = coarse_now_ms();
    if (last_refused_ms_ < 0 || now - last_refused_ms_ > kEpisodeGapMs) {
      rlimit limit{};
      getrlimit(RLIMIT_NOFILE, &limit);
      std::size_t open = 0;
      {
        std::lock_guard lock(sessions_mutex_);
        open = sessions_.size();
      }
      warn("out of file descriptors (accept: " + ec.message() + "; limit " +
           std::to_string(limit.rlim_cur) + ", " + std::to_string(open) +
           " connections open): closing the connections idle the longest to accept new ones; "
           "raise the limit (ulimit -n, systemd LimitNOFILE=)");
    }
    last_refused_ms_ = now;
    if (shed_oldest_idle()) pause = kRetryAfterShedding;
  }
  accept_timer_->expires_after(pause);
  accept_timer_->async_wait([this](beast::error_code ec) {
    if (!ec && !stopping() && acceptor_->socket.is_open()) accept();
  });
}

// Asks the connection that has waited on its client the longest (the earliest deadline) to
// close if it is waiting for a request; its own thread knows. False when there is none to ask.
bool Server::shed_oldest_idle() {
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex_);
    open.reserve(sessions_.size());
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  std::shared_ptr<Session> oldest;
  std::int64_t earliest = kNoDeadline;
  std::unordered_map<Session*, std::int64_t> still_asked;
  for (auto& s : open) {
    const std::int64_t deadline = s->deadline();
    if (deadline == kNoDeadline) continue;  // a handler has its request, or a stream is quiet
    if (auto a = shed_asked_.find(s.get()); a != shed_asked_.end() && a->second == deadline) {
      still_asked.emplace(s.get(), deadline);
      continue;
    }
    if (deadline < earliest) {
      earliest = deadline;
      oldest = s;
    }
  }
  shed_asked_ = std::move(still_asked);
  if (!oldest) return false;
  shed_asked_.emplace(oldest.get(), earliest);
  auto on_its_thread = oldest->executor();
  net::post(on_its_thread, [s = std::move(oldest)] {
    if (s->reading()) s->close_if_idle();
  });
  open.clear();  // outside the lock: a last reference detaches its session
  return true;
}

void Server::warn(std::string_view message) {
  if (warn_) return warn_(message);
  std::fprintf(stderr, "bunbase http: %.*s\n", static_cast<int>(message.size()), message.data());
}

// Once a second, close connections idle past their deadline (slow or silent clients).
void Server::sweep() {
  sweep_timer_->expires_after(std::chrono::seconds(1));
  sweep_timer_->async_wait([this](beast::error_code ec) {
    if (ec || stopping()) return;
    const std::int64_t now = coarse_now_ms();
    // Every reference leaves the lock in the vector: one dropped inside it could be a session's
    // last, whose destructor detaches it and would take the lock again.
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(sessions_mutex_);
      open.reserve(sessions_.size());
      for (auto& [ptr, weak] : sessions_)
        if (auto s = weak.lock()) open.push_back(std::move(s));
    }
    for (auto& s : open)
      if (s->expired(now)) s->close_if_expired();
    open.clear();  // outside the lock: a last reference detaches its session
    if (memory_budget_.large_taken_since_last_asked()) trim_heap();
    sweep();
  });
}

void Server::attach(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.emplace(s.get(), s);
}

void Server::detach(Session* s) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(s);
  if (sessions_.empty()) sessions_gone_.notify_all();
}

void Server::stop(std::chrono::milliseconds grace) {
  if (stopped_ || contexts_.empty()) return;
  stopped_ = true;
  stopping_ = true;
  net::post(*contexts_[0], [this] {
    boost::system::error_code ec;
    acceptor_->socket.close(ec);
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  // Outside the lock: dropping the last reference to a session detaches it, which locks.
  for (auto& s : open) s->close_if_idle();
  open.clear();
  {
    std::unique_lock lock(sessions_mutex_);
    sessions_gone_.wait_for(lock, grace, [&] { return sessions_.empty(); });
  }
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(sessions_mutex_);
  sessions_.clear();
}

}  // namespace bb::http
