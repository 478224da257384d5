#include "src/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>

#include "src/http/framing.hpp"
#include "src/http/problem.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {
void append_number(std::string& s, std::size_t n) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, n);
  s.append(buf, p);
}
}  // namespace

Session::Session(Server& server, net::io_context& ctx, tcp::socket&& accepted)
    : server_(server),
      stream_(ctx),
      // Bounded: what is held unparsed at once is a header, a chunk-size line (extensions
      // included) or a trailer, or a read's worth of body; an endless line is refused, not stored.
      buffer_(server.options_.header_limit + kReadAhead),
      exchange_([this] { on_finish(); }, [this] { return on_start_stream(); }) {
  boost::system::error_code ec;
  auto protocol = accepted.local_endpoint(ec).protocol();
  stream_.assign(protocol, accepted.release(ec), ec);
  auto ep = stream_.remote_endpoint(ec);
  if (!ec) ip_ = ep.address().to_string();
  stream_.set_option(tcp::no_delay(true), ec);
  exchange_.configure(&server.options_.trusted_proxies, &server.options_.compression, &server.memory_budget_,
                      server.options_.body_limit);
}

Session::~Session() {
  if (sse_) sse_->close();  // torn down with its io_context: the producer learns it here
  if (body_reserved_) server_.memory_budget_.release(body_reserved_);
  server_.detach(this);
}

void Session::close_if_idle() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->reading_) self->close();
    else if (self->sse_) self->stream_stop();
  });
}

void Session::close_if_expired() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->expired(coarse_now_ms())) self->close();
  });
}

void Session::close() {
  boost::system::error_code ec;
  stream_.shutdown(tcp::socket::shutdown_both, ec);
  stream_.close(ec);
}

// The last request is answered: what it needed goes before the connection waits, perhaps for
// minutes, for the next one. An everyday read buffer stays (no allocation per request).
void Session::release_request() {
  exchange_.release_memory();
  if (body_reserved_) server_.memory_budget_.release(std::exchange(body_reserved_, 0));
  if (buffer_.size() == 0 && buffer_.capacity() > 8 * 1024) buffer_.shrink_to_fit();
}

// What the body will hold once read, taken from the server's budget before a byte of it is
// read: its Content-Length, or the body limit for a chunked body (its size is not known yet).
bool Session::reserve_body() {
  std::size_t n = 0;
  if (auto length = parser_->content_length()) n = static_cast<std::size_t>(*length);
  else if (parser_->chunked()) n = server_.options_.body_limit;
  if (n == 0) return true;
  if (!server_.memory_budget_.try_reserve(n)) return false;
  body_reserved_ = n;
  return true;
}

void Session::read() {
  release_request();
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

void Session::on_header(beast::error_code ec) {
  if (!ec) {  // before any body byte is read: nothing after a bad frame is taken as a request
    if (auto bad = check_framing(parser_->get().base(), parser_->get().version())) return refuse({}, &*bad);
    if (!reserve_body()) {
      static const FramingError busy{503, "busy", "the server is busy with other large requests; try again shortly"};
      return refuse({}, &busy);
    }
  }
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

void Session::read_body() {
  beast::http::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_read(ec);
                          });
}

void Session::on_read(beast::error_code ec) {
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

// A request we cannot read to the end (or will not: no memory for its body): answer and
// close, the stream is out of sync. When
// its header was read, the answer continues the caller's trace and names the path.
void Session::refuse(beast::error_code ec, const FramingError* framing) {
  int status = 400;
  std::string code = "bad_request", detail = "malformed HTTP request: " + ec.message();
  if (framing) {
    status = framing->status, code = framing->code, detail = framing->detail;
  } else if (ec == beast::http::error::buffer_overflow) {
    detail = "a request line, header, chunk-size line or trailer is too long";
  } else if (ec == beast::http::error::body_limit) {
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
  if (status == 503) exchange_.response.headers.emplace_back("Retry-After", "1");
  exchange_.close = true;
  write();
}

// From any thread: hop to this connection's thread (inline when already on it).
void Session::on_finish() {
  net::dispatch(stream_.get_executor(), [self = std::move(in_flight_)] { self->write(); });
}

void Session::write() {
  if (server_.stopping()) exchange_.close = true;
  const bool no_body = build_head(false);
  const bool send_body = !no_body && exchange_.message().method() != beast::http::verb::head;
  if (send_body && exchange_.file.fd >= 0) return write_file();
  exchange_.close_file();
  std::array<net::const_buffer, 2> buffers{net::buffer(head_),
                                           net::buffer(send_body ? exchange_.body_to_send() : std::string_view())};
  arm_deadline();
  net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return;
    self->written();
  });
}

// The whole response is out: the next request, or the end of the connection.
void Session::written() {
  if (exchange_.close) {
    boost::system::error_code ignored;
    stream_.shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  read();
}

// The status line and headers into head_; `streamed`: the body follows in chunks (or until
// the connection closes for HTTP/1.0), no Content-Length. Returns whether the status has no
// body (1xx, 204, 304).
bool Session::build_head(bool streamed) {
  const int status = exchange_.response.status ? exchange_.response.status : exchange_.status;
  head_.clear();
  head_.append("HTTP/1.1 ");
  append_number(head_, static_cast<std::size_t>(status));
  head_ += ' ';
  auto reason = beast::http::obsolete_reason(static_cast<beast::http::status>(status));
  head_.append(reason.data(), reason.size());
  head_.append("\r\n");
  const bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (!no_body && !streamed) {
    head_.append("Content-Type: ").append(exchange_.content_type).append("\r\nContent-Length: ");
    append_number(head_, exchange_.file.fd >= 0 ? exchange_.file.length : exchange_.body_to_send().size());
    head_.append("\r\n");
  } else if (!no_body) {
    head_.append("Content-Type: ").append(exchange_.content_type).append("\r\n");
    if (exchange_.message().version() >= 11) head_.append("Transfer-Encoding: chunked\r\n");
  }
  for (const auto& [name, value] : exchange_.response.headers) {
    // Response::headers is a public vector: a line break must never split the response.
    if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
    head_.append(name).append(": ").append(value).append("\r\n");
  }
  if (exchange_.traceparent[0]) head_.append("traceparent: ").append(exchange_.traceparent, 55).append("\r\n");
  if (exchange_.close) head_.append("Connection: close\r\n");
  head_.append("\r\n");
  return no_body;
}

}  // namespace bb::http
