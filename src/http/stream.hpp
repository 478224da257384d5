// A response body sent in pieces as they are produced (Server-Sent Events, live logs): the
// handle Exchange::start_stream() returns. Any thread may keep and use it, even after the
// connection is gone: it then refuses writes, it never touches the dead connection.
//
//   ex.content_type = "text/event-stream";
//   ex.response.headers.emplace_back("Cache-Control", "no-cache");
//   std::shared_ptr<bb::http::Stream> stream = ex.start_stream();  // instead of ex.finish()
//   auto id = feed.subscribe([stream](const std::string& line) {  // called on the feed's thread
//     stream->write("data: " + line + "\n\n");                    // false once the client left
//   });
//   stream->on_close([&feed, id] { feed.unsubscribe(id); });  // the client left, or stop()
//   ...
//   stream->write(": heartbeat\n\n");  // every ~15 s: proxies keep the connection open
//   stream->end();                      // to end the response, once
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace bb::http {

class Stream {
 public:
  // What the connection answers to. `wake(false)`: pieces are queued, write them; `wake(true)`:
  // the queue went over its limit, drop the connection. Called with the stream's lock held,
  // only while the connection is attached (until close()).
  using Wake = std::function<void(bool abort)>;

  // `limit`: the most bytes queued and not yet written before the stream gives up on the
  // client. `chunked`: frame each piece as an HTTP/1.1 chunk (else the body ends at close).
  Stream(Wake wake, std::size_t limit, bool chunked);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Queues `piece` behind the earlier ones; any thread. False once the stream is closed (the
  // client went away, did not read and the queue passed its limit, the server is stopping,
  // or end() was called): stop producing then. An empty piece sends nothing.
  bool write(std::string_view piece);
  // Sends what is queued, then ends the response. Later calls and writes do nothing.
  void end();
  // True once writes are refused.
  bool closed() const;
  // `f` runs once, when the stream closes for any of the reasons above: on the thread that
  // closed it (a network thread when the client went away; run now when already closed).
  // Keep it short, do not block in it. It may hold the stream: it is dropped after it runs.
  void on_close(std::function<void()> f);

  // --- the connection's side, on its thread
  enum class Take { data, idle, done };
  // Moves what is queued into `out`: data; nothing queued: idle (the next write wakes the
  // connection again) or done (end() was called and everything has been taken).
  Take take(std::string& out);
  // What take() gave has been written.
  void sent();
  // The connection is done with the stream (ended, gone, or stopping): writes are refused and
  // the connection is never woken again.
  void close();
  bool chunked() const { return chunked_; }

 private:
  // Unlocks, then runs the close callback if this call closed the stream.
  void closed_now(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  Wake wake_;
  const std::size_t limit_;
  const bool chunked_;
  std::string pending_;    // framed pieces not yet taken
  std::size_t taken_ = 0;  // bytes taken and not yet written
  bool awake_ = true;      // the connection takes again without a wake (the head comes first)
  bool closed_ = false;
  bool ended_ = false;
  std::function<void()> on_close_;
};

}  // namespace bb::http
