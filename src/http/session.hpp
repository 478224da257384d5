// One accepted connection of the Server (private to src/http): reads requests, hands each to
// the handler as an Exchange, writes the whole response (session.cpp) or streams it in
// chunks (session_stream.cpp), keep-alive and idle deadline included. It lives as long as an
// operation of its own (or the handler, while it has a request) holds it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "src/http/exchange.hpp"
#include "src/http/server.hpp"
#include "src/http/stream.hpp"

namespace bb::http {

// A cheap monotonic clock for idle deadlines (milliseconds; a few ms of resolution is plenty).
inline std::int64_t coarse_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
inline constexpr std::int64_t kNoDeadline = INT64_MAX;
// What a connection may hold unparsed beyond the header limit: one read's worth.
inline constexpr std::size_t kReadAhead = 64 * 1024;

struct FramingError;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The socket's executor is the io_context's own (not type-erased): cheaper on every operation.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  Session(Server& server, boost::asio::io_context& ctx, boost::asio::ip::tcp::socket&& accepted);
  ~Session();

  void start() { read(); }
  boost::asio::io_context::executor_type executor() { return stream_.get_executor(); }

  // From any thread (shutdown): close if waiting for a request; a streamed response ends now.
  void close_if_idle();
  // From any thread (the idle sweep): close if the connection's deadline has passed.
  bool expired(std::int64_t now) const { return deadline_.load(std::memory_order_relaxed) < now; }
  // From any thread: when it closes unless the client acts (kNoDeadline while a handler has its
  // request or a stream is quiet): the earliest has waited on its client the longest.
  std::int64_t deadline() const { return deadline_.load(std::memory_order_relaxed); }
  // On this connection's thread: waiting for a request (or reading one), nothing to answer.
  bool reading() const { return reading_; }
  void close_if_expired();

 private:
  void close();
  void arm_deadline() {
    deadline_.store(coarse_now_ms() + server_.options_.idle_timeout.count() * 1000, std::memory_order_relaxed);
  }

  // --- requests and whole responses (session.cpp)
  void read();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void on_read(boost::beast::error_code ec);
  void refuse(boost::beast::error_code ec, const FramingError* framing = nullptr);
  bool reserve_body();
  void release_request();
  void on_finish();
  void write();
  void written();
  bool build_head(bool streamed);

  // --- a file body (session_file.cpp): the head, then the file in pieces.
  void write_file();
  bool read_file_piece();
  void write_file_piece();

  // --- streamed responses (session_stream.cpp). The session holds its Stream; the Stream
  // reaches the session only through a weak link posted to this thread, dropped once closed.
  std::shared_ptr<Stream> on_start_stream();
  void stream_head(const std::shared_ptr<Stream>& st);
  void stream_flush();
  void probe();
  void stream_finished();
  void stream_fail();
  void stream_stop();
  void stream_last_chunk();

  Server& server_;
  Socket stream_;
  std::atomic<std::int64_t> deadline_{kNoDeadline};
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Exchange exchange_;
  std::string head_;
  std::string file_piece_;  // the part of a file body being written
  std::string ip_;
  std::size_t body_reserved_ = 0;  // of the server's MemoryBudget, for this request's body
  bool reading_ = false;
  std::shared_ptr<Session> in_flight_;
  // A streamed response (this thread only).
  std::shared_ptr<Stream> sse_;
  std::string stream_out_;
  std::uint64_t stream_gen_ = 0;  // which stream a wake is for
  bool stream_writing_ = false;
  bool probing_ = false;
  bool resume_after_probe_ = false;
  bool stream_stopping_ = false;  // the server stops: the last chunk after the write under way
};

}  // namespace bb::http
