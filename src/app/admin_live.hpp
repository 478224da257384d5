// GET /_admin/api/live: the dashboard's live view, as Server-Sent Events. Every run and log
// record this instance writes to its history is sent to each open stream as it happens:
//
//   event: run                      event: log
//   data: {RunSummary}              data: {"runId":..,"level":..,"message":..,"meta":..,"createdAt":..}
//
// Admission as for the admin API minus sessions (admin_access.hpp: the key by header or cookie,
// or loopback where allowed). A comment every 15 s keeps proxies from closing an idle stream;
// a client that stops reading is dropped (the stream's queue limit), at most 32 at once.
// This instance's records only: with several instances, each page sees the one it reached
// (the run list itself reads the shared history).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bunbase/runtime/config.hpp"
#include "bunbase/runtime/write_buffer.hpp"
#include "src/http/exchange.hpp"
#include "src/http/stream.hpp"

namespace bb {

class AdminLiveHandler final : public http::Handler, public WriteBuffer::Observer {
 public:
  static constexpr std::string_view kPath = "/_admin/api/live";
  static constexpr std::size_t kMaxStreams = 32;

  explicit AdminLiveHandler(const Config& config);
  ~AdminLiveHandler() override;

  void handle(http::Exchange& ex) override;
  void on_run(const RunRecord& run) override;
  void on_log(const LogRecord& log) override;
  // Ends every open stream and the heartbeat (before the server stops).
  void stop();

 private:
  void broadcast(const std::string& message);
  void heartbeat();

  const Config& config_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<http::Stream>> streams_;
  std::atomic<std::size_t> open_{0};  // streams_.size(), read without the lock on every record
  std::thread heartbeat_;
};

}  // namespace bb
