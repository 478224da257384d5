// The streamed-response half of a connection (Exchange::start_stream): the head, then the
// stream's pieces one write at a time, a read kept pending to notice a client that leaves, and
// the way back to the next request (or to close) once the stream is over.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "src/http/session.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// From the handler's thread, instead of on_finish().
std::shared_ptr<Stream> Session::on_start_stream() {
  const bool chunked = exchange_.message().version() >= 11;
  auto st = std::make_shared<Stream>(
      [weak = weak_from_this(), ex = stream_.get_executor(), gen = stream_gen_ + 1](bool abort) {
        net::post(ex, [weak, gen, abort] {
          auto self = weak.lock();
          if (!self || !self->sse_ || self->stream_gen_ != gen) return;
          if (abort) self->stream_fail();
          else self->stream_flush();
        });
      },
      server_.options_.stream_queue_limit, chunked);
  net::dispatch(stream_.get_executor(), [self = std::move(in_flight_), st] { self->stream_head(st); });
  return st;
}

void Session::stream_head(const std::shared_ptr<Stream>& st) {
  sse_ = st;
  ++stream_gen_;
  if (server_.stopping() || !sse_->chunked()) exchange_.close = true;  // HTTP/1.0: the body ends at close
  const bool no_body = build_head(true);
  const bool bodiless = no_body || exchange_.message().method() == beast::http::verb::head;
  arm_deadline();
  stream_writing_ = true;
  net::async_write(stream_, net::buffer(head_), [self = shared_from_this(), bodiless](beast::error_code ec, std::size_t) {
    self->stream_writing_ = false;
    if (ec) return self->stream_fail();
    self->deadline_.store(kNoDeadline, std::memory_order_relaxed);  // a stream may stay quiet
    if (bodiless) {
      self->sse_->close();
      return self->stream_finished();
    }
    if (self->stream_stopping_) return self->stream_last_chunk();
    if (self->server_.stopping()) return self->stream_stop();
    self->probe();
    self->stream_flush();
  });
}

// Writes what the stream has queued, one write at a time; the next write or end() wakes us
// when it has nothing.
void Session::stream_flush() {
  if (!sse_ || stream_writing_) return;
  switch (sse_->take(stream_out_)) {
    case Stream::Take::idle: return;
    case Stream::Take::done: return stream_finished();
    case Stream::Take::data: break;
  }
  arm_deadline();  // a client that stops reading is cut after the idle timeout
  stream_writing_ = true;
  net::async_write(stream_, net::buffer(stream_out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->stream_writing_ = false;
    if (ec) return self->stream_fail();
    self->deadline_.store(kNoDeadline, std::memory_order_relaxed);
    if (!self->sse_) return;
    if (self->stream_stopping_) return self->stream_last_chunk();
    self->sse_->sent();
    self->stream_flush();
  });
}

// While streaming, a read stays pending to notice a client that goes away. Whatever the
// client sends meanwhile (a pipelined request) is kept for after the stream.
void Session::probe() {
  if (probing_) return;
  // A client that sends more than a connection holds while it streams is not waiting for it.
  if (buffer_.size() + 1024 > buffer_.max_size()) return stream_fail();
  probing_ = true;
  stream_.async_read_some(buffer_.prepare(1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->probing_ = false;
    self->buffer_.commit(n);
    if (self->resume_after_probe_) {  // the stream is over and the connection kept: next request
      self->resume_after_probe_ = false;
      if (!ec || ec == net::error::operation_aborted) self->read();
      return;
    }
    if (!self->sse_) return;
    if (ec) return self->stream_fail();  // the client went away (or reset)
    self->probe();
  });
}

// Everything, the last chunk included, is written: the next request, or close.
void Session::stream_finished() {
  stream_stopping_ = false;
  sse_->close();
  sse_.reset();
  if (exchange_.close || server_.stopping()) {
    boost::system::error_code ignored;
    stream_.shutdown(tcp::socket::shutdown_send, ignored);
    if (probing_) stream_.cancel(ignored);  // the session ends, which closes the socket
    return;
  }
  if (!probing_) return read();
  resume_after_probe_ = true;  // one read at a time: the probe's completion reads on
  boost::system::error_code ignored;
  stream_.cancel(ignored);
}

// The client is gone, does not read, or the stream gave up: drop the connection.
void Session::stream_fail() {
  stream_stopping_ = false;
  if (sse_) {
    sse_->close();
    sse_.reset();
  }
  close();
}

// The server is stopping: end the stream now (its pieces not yet taken are dropped) with its
// last chunk, after the write under way if any, unless the client does not take them soon:
// stop() should not wait on a client that does not read.
void Session::stream_stop() {
  if (!sse_ || stream_stopping_) return;
  sse_->close();
  exchange_.close = true;
  stream_stopping_ = true;
  auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), std::chrono::milliseconds(250));
  timer->async_wait([weak = weak_from_this(), timer](beast::error_code) {
    if (auto self = weak.lock(); self && self->stream_stopping_) self->stream_fail();
  });
  if (!stream_writing_) stream_last_chunk();  // else after the write under way
}

void Session::stream_last_chunk() {
  if (!sse_->chunked()) return stream_finished();
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  stream_writing_ = true;
  net::async_write(stream_, net::buffer(kLastChunk.data(), kLastChunk.size()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->stream_writing_ = false;
                     if (ec || !self->sse_) return self->stream_fail();
                     self->stream_finished();
                   });
}

}  // namespace bb::http
