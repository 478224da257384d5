#include "src/triggers/metrics_handler.hpp"

#include "bunbase/db/database.hpp"
#include "src/http/problem.hpp"
#include "src/triggers/process_metrics.hpp"
#include "src/triggers/prometheus_text.hpp"

namespace bb::triggers {

namespace {

void write_counter(PrometheusText& out, std::string_view name, std::string_view help,
                   std::uint64_t value) {
  out.family(name, "counter", help);
  out.sample(name, {}, value);
}

// Jobs waiting, running and dead per queue; completed and cancelled ones are history, not depth.
void write_queue_depth(PrometheusText& out, db::Database& db) {
  db::Rows rows;
  try {
    rows = db.query(
        "SELECT queue, status, COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'running', "
        "'dead') "
        "GROUP BY queue, status ORDER BY queue, status");
  } catch (const std::exception&) {
    return;  // the database is away: the rest of the page still helps
  }
  out.family("bunbase_queue_jobs", "gauge",
             "Jobs per queue and state (pending, running, dead), all instances.");
  for (const auto& r : rows) {
    const auto& row = r.as_object();
    const auto* queue = row.if_contains("queue");
    const auto* state = row.if_contains("status");
    const auto* n = row.if_contains("n");
    if (!queue || !state || !n || !queue->is_string() || !state->is_string()) continue;
    const std::uint64_t count = n->is_int64()    ? static_cast<std::uint64_t>(n->as_int64())
                                : n->is_uint64() ? n->as_uint64()
                                                 : 0;
    out.sample("bunbase_queue_jobs", {{"queue", queue->as_string()}, {"state", state->as_string()}},
               count);
  }
}

}  // namespace

std::string MetricsHandler::exposition() const {
  PrometheusText out;
  if (options_.runs) write_run_metrics(out, options_.runs->snapshot());
  if (options_.write_buffer) {
    const auto s = options_.write_buffer->stats();
    write_counter(out, "bunbase_write_buffer_accepted_total",
                  "Run and log records taken by the run history's buffer.", s.accepted);
    write_counter(out, "bunbase_write_buffer_written_total",
                  "Run and log records written to the database.", s.written);
    write_counter(out, "bunbase_write_buffer_dropped_total",
                  "Run and log records dropped: the buffer was full or a write failed.", s.dropped);
    write_counter(out, "bunbase_write_buffer_failed_flushes_total",
                  "Writes of the buffer that failed.", s.failed_flushes);
  }
  if (options_.events) {
    const auto s = options_.events->stats();
    write_counter(out, "bunbase_events_emitted_total", "Events emitted by runs of this instance.",
                  s.emitted);
    write_counter(out, "bunbase_events_delivered_total",
                  "Event deliveries to subscribers run here.", s.delivered);
    write_counter(out, "bunbase_events_failed_total", "Event deliveries whose subscriber failed.",
                  s.failed);
  }
  if (options_.jobs) {
    const auto s = options_.jobs->stats();
    write_counter(out, "bunbase_jobs_enqueued_total", "Jobs enqueued by this instance.",
                  s.enqueued);
    write_counter(out, "bunbase_jobs_completed_total", "Jobs this instance ran to completion.",
                  s.completed);
    write_counter(out, "bunbase_jobs_retried_total",
                  "Job attempts that failed here and were scheduled again.", s.retried);
    write_counter(out, "bunbase_jobs_dead_total", "Jobs that ended dead here (attempts spent).",
                  s.dead);
  }
  if (options_.db) write_queue_depth(out, *options_.db);
  if (budget_) {
    out.family("bunbase_http_inflight_body_bytes", "gauge",
               "Request bodies and what is parsed from them, held by requests in flight.");
    out.sample("bunbase_http_inflight_body_bytes", {},
               static_cast<std::uint64_t>(budget_->in_use()));
    out.family("bunbase_http_inflight_body_limit_bytes", "gauge",
               "The most request bodies in flight may hold ([http] max_inflight_body).");
    out.sample("bunbase_http_inflight_body_limit_bytes", {},
               static_cast<std::uint64_t>(budget_->limit()));
  }
  write_process_metrics(out);
  return out.take();
}

void MetricsHandler::handle(http::Exchange& ex) {
  if (ex.method() != "GET" && ex.method() != "HEAD") {
    ex.response.headers.emplace_back("Allow", "GET, HEAD");
    http::set_problem(ex,
                      Error(ErrorCode::invalid_argument, "the metrics answer GET")
                          .with_code("method_not_allowed"),
                      405, ex.path(), "");
    return ex.finish();
  }
  if (options_.admit) {
    if (auto refused = options_.admit(ex)) {
      ex.response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"metrics\"");
      http::set_problem(ex, Error(ErrorCode::unauthenticated, *refused), 401, ex.path(), "");
      return ex.finish();
    }
  }
  workers_.post([this, &ex] {
    try {
      ex.body_out = exposition();
      ex.status = 200;
      ex.content_type = std::string(PrometheusText::kContentType);
      ex.response.headers.emplace_back("Cache-Control", "no-store");
    } catch (const std::exception&) {
      http::set_problem(ex, Error(ErrorCode::internal, "internal error"), 500, ex.path(), "");
    }
    ex.finish();
  });
}

}  // namespace bb::triggers
