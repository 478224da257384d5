// One HTTP request and the response being built for it. Owned by its connection and reused
// for the next request on a keep-alive connection. finish() sends the response; it may be
// called from any thread, exactly once per request. start_stream() instead sends the status
// and headers now and returns a Stream for a body sent in pieces (Server-Sent Events).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bunbase/core/request.hpp"
#include "src/http/forwarded.hpp"
#include "src/http/stream.hpp"

namespace bb::http {

struct CompressionOptions;
class MemoryBudget;

class Exchange final : public bb::Request {
 public:
  using Message = boost::beast::http::request<boost::beast::http::string_body>;

  using StartStream = std::function<std::shared_ptr<Stream>()>;
  explicit Exchange(std::function<void()> on_finish, StartStream on_stream = {})
      : on_finish_(std::move(on_finish)), on_stream_(std::move(on_stream)) {}

  // --- request
  Message& message() { return request_; }
  const Message& message() const { return request_; }
  std::string_view method() const override;
  std::string_view target() const;
  std::string_view path() const override;  // target up to '?', not decoded
  std::optional<std::string_view> header(std::string_view name) const override;
  std::optional<std::string_view> cookie(std::string_view name) const override;
  // The client's address, scheme and host: the peer's and the Host header's, or what a trusted
  // proxy forwarded (forwarded.hpp). Resolved once per request, on first use.
  std::string_view ip() const override;
  std::string_view peer_ip() const override { return ip_; }
  std::string_view scheme() const override;
  std::string_view host() const override;
  bool forwarded() const override { return has_forwarding_header(request_.base()); }
  std::string_view body() const override { return request_.body(); }
  std::optional<std::string_view> param(std::string_view name) const override;
  // The matched route's path parameters (name -> decoded value); set by the router's user.
  std::vector<std::pair<std::string_view, std::string>> params;

  // --- response
  int status = 200;
  std::string content_type = "application/json";
  std::string body_out;
  // Instead of body_out, a body that outlives the exchange (an embedded asset, a cached file),
  // sent without a copy; `gzip` and `br` are the same bytes pre-compressed (empty: none).
  struct StaticBody {
    std::string_view identity, gzip, br;
  };
  std::optional<StaticBody> static_body;
  // Instead of body_out, `length` bytes of an open file from `offset` (a static file); the
  // exchange owns `fd` and closes it once sent or dropped.
  struct FileBody {
    int fd = -1;
    std::uint64_t offset = 0, length = 0;
  };
  FileBody file;
  // false: never compress this response (a range, a format that is compressed already).
  bool compressible = true;
  bb::Response response;  // extra headers and cookies (and a status set by the action)
  bool close = false;     // send "Connection: close" and close after writing
  // W3C traceparent of the response ("00-<trace>-<span>-01"), empty when not set. A fixed
  // buffer: every response carries one, so it should cost no allocation.
  char traceparent[56] = {};
  void set_traceparent(std::string_view trace_id, std::string_view span_id);

  // Sends the response: compresses the body first when the client accepts it and the server's
  // options allow (compression.hpp).
  void finish() {
    prepare_body();
    on_finish_();
  }
  // The bytes the response carries after finish(): body_out, or the chosen static body.
  std::string_view body_to_send() const { return send_view_.data() ? send_view_ : std::string_view(body_out); }
  // Instead of finish(), from any thread, exactly once: sends the status line and headers now
  // (status, content_type, response headers; chunked, no Content-Length), then whatever is
  // written to the returned stream until its end(). Do not touch the exchange afterwards: it
  // serves the connection's next request. The stream is closed at once for a HEAD request or a
  // status without a body (204, 304). nullptr when this exchange cannot stream (a test double).
  std::shared_ptr<Stream> start_stream() { return on_stream_ ? on_stream_() : nullptr; }

  // Used by the connection.
  void reset(Message&& m, std::string_view ip);
  void configure(const AddressSet* trusted_proxies, const CompressionOptions* compression,
                 MemoryBudget* memory_budget = nullptr, std::size_t body_limit = 1024 * 1024) {
    trusted_ = trusted_proxies;
    compression_ = compression;
    memory_budget_ = memory_budget;
    body_limit_ = body_limit;
  }
  // What a body parsed from this request may cost (json_body.hpp); null: no shared budget.
  MemoryBudget* memory_budget() const { return memory_budget_; }
  std::size_t body_limit() const { return body_limit_; }
  // Between requests: drops the request and buffers grown past their everyday size, so an
  // idle connection holds no memory a large request or response needed.
  void release_memory();
  // Picks what finish() sends (compression.cpp); called by finish().
  void prepare_body();
  void close_file();
  ~Exchange() { close_file(); }

 private:
  const ClientView& client() const;

  Message request_;
  std::string ip_;
  const AddressSet* trusted_ = nullptr;
  const CompressionOptions* compression_ = nullptr;
  MemoryBudget* memory_budget_ = nullptr;
  std::size_t body_limit_ = 1024 * 1024;
  mutable std::optional<ClientView> client_;
  std::string_view send_view_;
  std::function<void()> on_finish_;
  StartStream on_stream_;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Must lead to exactly one ex.finish() or ex.start_stream(), now or later, from any thread.
  virtual void handle(Exchange& ex) = 0;
};

}  // namespace bb::http
