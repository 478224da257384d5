#include "src/http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <pthread.h>
#include <time.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "src/http/problem.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {
// A cheap monotonic clock for idle deadlines (milliseconds; a few ms of resolution is plenty).
std::int64_t coarse_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
constexpr std::int64_t kNoDeadline = INT64_MAX;

void append_number(std::string& s, std::size_t n) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, n);
  s.append(buf, p);
}
}  // namespace

struct Server::Acceptor {
  tcp::acceptor socket;
  explicit Acceptor(net::io_context& ctx) : socket(ctx) {}
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The socket's executor is the io_context's own (not type-erased): cheaper on every operation.
  using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

  Session(Server& server, net::io_context& ctx, tcp::socket&& accepted)
      : server_(server), stream_(ctx), exchange_([this] { on_finish(); }) {
    boost::system::error_code ec;
    auto protocol = accepted.local_endpoint(ec).protocol();
    stream_.assign(protocol, accepted.release(ec), ec);
    auto ep = stream_.remote_endpoint(ec);
    if (!ec) ip_ = ep.address().to_string();
    stream_.set_option(tcp::no_delay(true), ec);
  }

  void start() { read(); }
  net::io_context::executor_type executor() { return stream_.get_executor(); }

  // From any thread (shutdown): close if waiting for a request.
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_) self->close();
    });
  }
  // From any thread (the idle sweep): close if the connection's deadline has passed.
  bool expired(std::int64_t now) const { return deadline_.load(std::memory_order_relaxed) < now; }
  void close_if_expired() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->expired(coarse_now_ms())) self->close();
    });
  }

  ~Session() { server_.detach(this); }

 private:
  void close() {
    boost::system::error_code ec;
    stream_.shutdown(tcp::socket::shutdown_both, ec);
    stream_.close(ec);
  }
  void arm_deadline() {
    deadline_.store(coarse_now_ms() + server_.options_.idle_timeout.count() * 1000, std::memory_order_relaxed);
  }

  void read() {
    if (server_.stopping()) return;  // the connection closes when the last reference goes
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options_.header_limit));
    arm_deadline();
    reading_ = true;
    // The header first: a client that sent "Expect: 100-continue" waits for our go-ahead
    // before it sends the body.
    beast::http::async_read_header(stream_, buffer_, *parser_,
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     self->on_header(ec);
                                   });
  }

  void on_header(beast::error_code ec) {
    if (ec || parser_->is_done()) return on_read(ec);
    auto expect = parser_->get()[beast::http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->on_read(ec);
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    beast::http::async_read(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_read(ec);
                            });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec == beast::http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor)
      return;
    if (ec) return refuse(ec);
    bool keep_alive = parser_->keep_alive();
    exchange_.reset(parser_->release(), ip_);
    parser_.reset();
    if (!keep_alive) exchange_.close = true;
    deadline_.store(kNoDeadline, std::memory_order_relaxed);  // handlers take the time they need
    in_flight_ = shared_from_this();  // alive until the response is written, wherever it is made
    server_.handler_.handle(exchange_);
  }

  // A request we cannot read to the end: answer and close, the stream is out of sync. When
  // its header was read, the answer continues the caller's trace and names the path.
  void refuse(beast::error_code ec) {
    int status = 400;
    std::string code = "bad_request", detail = "malformed HTTP request: " + ec.message();
    if (ec == beast::http::error::body_limit) {
      status = 413, code = "payload_too_large";
      detail = "request body exceeds the limit of " + std::to_string(server_.options_.body_limit) + " bytes";
    } else if (ec == beast::http::error::header_limit) {
      status = 431, code = "headers_too_large", detail = "request headers are too large";
    }
    std::string instance;
    std::string_view traceparent;
    if (parser_) {  // what was read of the header (a body over the limit is refused at the header)
      const auto& req = parser_->get();
      auto tp = req["traceparent"];
      traceparent = std::string_view(tp.data(), tp.size());
      auto target = req.target();
      instance.assign(target.data(), std::min<std::size_t>(target.find('?'), target.size()));
    }
    exchange_.reset({}, ip_);
    set_problem(exchange_, Error(error_code_for_status(status), detail).with_code(code), status, instance,
                traceparent);
    exchange_.close = true;
    write();
  }

  // From any thread: hop to this connection's thread (inline when already on it).
  void on_finish() {
    net::dispatch(stream_.get_executor(), [self = std::move(in_flight_)] { self->write(); });
  }

  void write() {
    if (server_.stopping()) exchange_.close = true;
    const int status = exchange_.response.status ? exchange_.response.status : exchange_.status;
    head_.clear();
    head_.append("HTTP/1.1 ");
    append_number(head_, static_cast<std::size_t>(status));
    head_ += ' ';
    auto reason = beast::http::obsolete_reason(static_cast<beast::http::status>(status));
    head_.append(reason.data(), reason.size());
    head_.append("\r\n");
    const bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (!no_body) {
      head_.append("Content-Type: ").append(exchange_.content_type).append("\r\nContent-Length: ");
      append_number(head_, exchange_.body_out.size());
      head_.append("\r\n");
    }
    for (const auto& [name, value] : exchange_.response.headers) {
      // Response::headers is a public vector: a line break must never split the response.
      if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
      head_.append(name).append(": ").append(value).append("\r\n");
    }
    if (exchange_.traceparent[0]) head_.append("traceparent: ").append(exchange_.traceparent, 55).append("\r\n");
    if (exchange_.close) head_.append("Connection: close\r\n");
    head_.append("\r\n");
    const bool send_body = !no_body && exchange_.message().method() != beast::http::verb::head;
    std::array<net::const_buffer, 2> buffers{net::buffer(head_),
                                             net::buffer(send_body ? std::string_view(exchange_.body_out) : std::string_view())};
    arm_deadline();
    net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->exchange_.close) {
        boost::system::error_code ignored;
        self->stream_.shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      self->read();
    });
  }

  Server& server_;
  Socket stream_;
  std::atomic<std::int64_t> deadline_{kNoDeadline};
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  Exchange exchange_;
  std::string head_;
  std::string ip_;
  bool reading_ = false;
  std::shared_ptr<Session> in_flight_;
};

Server::Server(Options options, Handler& handler) : options_(std::move(options)), handler_(handler) {}

Server::~Server() {
  stop(std::chrono::milliseconds(0));
  // Destroying the contexts destroys pending handlers and the sessions they hold, which
  // detach themselves: do it while the session registry still exists.
  sweep_timer_.reset();
  acceptor_.reset();
  contexts_.clear();
}

unsigned short Server::start() {
  int n = std::max(1, options_.io_threads);
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
    if (!ec && !stopping()) {
      auto s = std::make_shared<Session>(*this, target, std::move(socket));
      attach(s);
      net::post(s->executor(), [s] { s->start(); });
    }
    accept();
  });
}

// Once a second, close connections idle past their deadline (slow or silent clients).
void Server::sweep() {
  sweep_timer_->expires_after(std::chrono::seconds(1));
  sweep_timer_->async_wait([this](beast::error_code ec) {
    if (ec || stopping()) return;
    const std::int64_t now = coarse_now_ms();
    std::vector<std::shared_ptr<Session>> expired;
    {
      std::lock_guard lock(sessions_mutex_);
      for (auto& [ptr, weak] : sessions_)
        if (auto s = weak.lock(); s && s->expired(now)) expired.push_back(std::move(s));
    }
    for (auto& s : expired) s->close_if_expired();
    expired.clear();  // outside the lock: a last reference detaches its session
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
