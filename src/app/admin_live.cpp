#include "src/app/admin_live.hpp"

#include <pthread.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "src/admin/admin_access.hpp"
#include "src/http/problem.hpp"

namespace bb {

namespace {

boost::json::value text_or_null(const std::string& s) { return s.empty() ? boost::json::value(nullptr) : boost::json::value(s); }

std::string event(std::string_view name, const boost::json::object& data) {
  return "event: " + std::string(name) + "\ndata: " + boost::json::serialize(data) + "\n\n";
}

}  // namespace

AdminLiveHandler::AdminLiveHandler(const Config& config) : config_(config) {
  heartbeat_ = std::thread([this] { heartbeat(); });
}

AdminLiveHandler::~AdminLiveHandler() { stop(); }

void AdminLiveHandler::handle(http::Exchange& ex) {
  if (ex.method() != "GET") {
    http::set_problem(ex, Error(ErrorCode::invalid_argument, "the live view answers GET"), 405, ex.path(), "");
    return ex.finish();
  }
  admin::Admission a = admin::admit_without_session(config_, ex);
  if (!a.admitted) {
    http::set_problem(ex, Error(ErrorCode::unauthenticated, a.refused), 401, ex.path(), "");
    return ex.finish();
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || streams_.size() >= kMaxStreams) {
      http::set_problem(ex, Error(ErrorCode::unavailable, "too many live views are open; try again later"), 503,
                        ex.path(), "");
      return ex.finish();
    }
  }
  ex.status = 200;
  ex.content_type = "text/event-stream";
  ex.response.headers.emplace_back("Cache-Control", "no-cache");
  ex.response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: do not hold the stream back
  std::shared_ptr<http::Stream> stream = ex.start_stream();
  if (!stream || !stream->write("retry: 2000\n: live\n\n")) return;
  std::lock_guard lock(mutex_);
  streams_.push_back(std::move(stream));
  open_.store(streams_.size(), std::memory_order_release);
}

void AdminLiveHandler::broadcast(const std::string& message) {
  std::lock_guard lock(mutex_);
  std::erase_if(streams_, [&](const std::shared_ptr<http::Stream>& s) { return !s->write(message); });
  open_.store(streams_.size(), std::memory_order_release);
}

void AdminLiveHandler::on_run(const RunRecord& r) {
  if (open_.load(std::memory_order_acquire) == 0) return;  // the common case: nobody watching
  boost::json::object run{{"id", r.id},
                          {"action", r.action},
                          {"module", text_or_null(r.module)},
                          {"trigger", r.trigger_type},
                          {"triggerDetail", text_or_null(r.trigger_detail)},
                          {"status", r.status},
                          {"durationMs", r.duration_ms},
                          {"startedAt", r.started_at},
                          {"traceId", r.trace_id},
                          {"parentRunId", text_or_null(r.parent_run_id)}};
  if (!r.error.empty()) {
    boost::system::error_code ec;
    auto e = boost::json::parse(r.error, ec);
    if (!ec && e.is_object()) {
      if (const auto* c = e.as_object().if_contains("code")) run["errorCode"] = *c;
      if (const auto* m = e.as_object().if_contains("message")) run["errorMessage"] = *m;
    }
  }
  broadcast(event("run", run));
}

void AdminLiveHandler::on_log(const LogRecord& l) {
  if (open_.load(std::memory_order_acquire) == 0) return;
  boost::system::error_code ec;
  boost::json::value meta = l.meta.empty() ? boost::json::value(boost::json::object()) : boost::json::parse(l.meta, ec);
  if (ec) meta = boost::json::object();
  broadcast(event("log", {{"runId", text_or_null(l.run_id)},
                          {"level", l.level},
                          {"message", l.message},
                          {"meta", std::move(meta)},
                          {"createdAt", l.created_at}}));
}

void AdminLiveHandler::heartbeat() {
  pthread_setname_np(pthread_self(), "bb-live");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(15), [&] { return stopping_; });
    if (stopping_) break;
    std::erase_if(streams_, [](const std::shared_ptr<http::Stream>& s) { return !s->write(": keep-alive\n\n"); });
    open_.store(streams_.size(), std::memory_order_release);
  }
}

void AdminLiveHandler::stop() {
  std::vector<std::shared_ptr<http::Stream>> streams;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    streams.swap(streams_);
    open_.store(0, std::memory_order_release);
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  for (auto& s : streams) s->end();
}

}  // namespace bb
