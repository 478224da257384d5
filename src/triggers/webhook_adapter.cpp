// ApiAdapter::webhook: the webhook trigger over HTTP. The verifier sees the raw body first; a
// refused delivery is a bare 401 (why stays in the run record). A delivery id seen before and
// processed is acknowledged without running the action again.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bunbase/core/time.hpp"
#include "bunbase/db/database.hpp"
#include "src/core/ids.hpp"
#include "src/http/json_body.hpp"
#include "src/http/problem.hpp"
#include "src/triggers/api_adapter.hpp"

namespace bb::triggers {

namespace json = boost::json;

namespace {

enum class Claim { run, duplicate, in_progress };

// A delivery being processed for longer than this is taken to have died with its process.
constexpr auto kStaleClaim = std::chrono::minutes(5);

Claim claim(db::Database& db, const std::string& endpoint, const std::string& id) {
  const std::string now = iso_now();
  if (db.exec("INSERT INTO webhook_deliveries (endpoint, event_id, status, received_at) VALUES ($1, $2, 'processing', $3) "
              "ON CONFLICT (endpoint, event_id) DO NOTHING",
              {endpoint, id, now}) == 1)
    return Claim::run;
  auto row = db.query_one("SELECT status, received_at FROM webhook_deliveries WHERE endpoint = $1 AND event_id = $2",
                          {endpoint, id});
  if (!row) return claim(db, endpoint, id);  // forgotten in between (a failed run): try again
  if (row->at("status").as_string() == "done") return Claim::duplicate;
  const std::string stale = iso_time(std::chrono::system_clock::now() - kStaleClaim);
  if (db.exec("UPDATE webhook_deliveries SET received_at = $3 WHERE endpoint = $1 AND event_id = $2 AND "
              "status = 'processing' AND received_at < $4",
              {endpoint, id, now, stale}) == 1)
    return Claim::run;
  return Claim::in_progress;
}

}  // namespace

void ApiAdapter::webhook(http::Exchange& ex, const Route& route, std::string_view traceparent) {
  const WebhookOptions& o = route.webhook->options;
  auto problem = [&](const Error& e, std::string_view trace = {}) {
    http::set_problem(ex, e, 0, ex.path(), trace.empty() ? traceparent : trace);
    ex.finish();
  };
  auto answer = [&](const RunResult& r, int status, const json::value& body) {
    std::string_view trace(r.trace_id, 32);
    ex.set_traceparent(trace, std::string_view(r.span_id, 16));
    if (!r.ok()) {
      ex.status = http_status(r.error->kind());
      ex.content_type = "application/problem+json";
      ex.body_out = http::problem_json(*r.error, 0, ex.path(), trace);
    } else {
      ex.status = status;
      ex.body_out = json::serialize(body);
    }
    ex.finish();
  };

  Invocation inv;
  inv.action = route.action;
  inv.trigger_type = "webhook";
  inv.request = &ex;
  inv.response = &ex.response;
  if (ids::TraceParent incoming; ids::parse_traceparent(traceparent, incoming)) inv.trace_id = incoming.trace_id;
  std::string detail = route.detail;

  // 1. The signature, over the bytes as received.
  std::string why;
  try {
    o.verify(ex);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!why.empty()) {
    inv.trigger_detail = detail;
    inv.input = json::object();
    inv.refused = Error(ErrorCode::unauthenticated, "the webhook could not be verified").with_code("webhook_unverified");
    inv.refused_cause = why;
    RunResult r = executor_.run(inv);  // recorded, with why as its cause
    return answer(r, 401, nullptr);
  }

  // 2. The body, then the delivery id.
  http::ParsedBody parsed = http::parse_json_body(ex.body(), ex.body_limit(), ex.memory_budget());
  if (parsed.error) {
    http::set_problem(ex, *parsed.error, parsed.status, ex.path(), traceparent);
    return ex.finish();
  }
  json::value body = std::move(parsed.value);
  std::string id;
  try {
    if (o.event_id) id = o.event_id(body, ex);
    inv.input = o.map ? o.map(body, ex) : (body.is_null() ? json::value(json::object()) : body);
  } catch (const Error& e) {
    return problem(e);
  } catch (const std::exception&) {
    return problem(Error(ErrorCode::invalid_argument, "the delivery could not be mapped to the action's input"));
  }
  if (!id.empty()) detail += " " + id;
  inv.trigger_detail = detail;

  const bool dedupe = !id.empty() && db_;
  if (dedupe) {
    switch (claim(*db_, route.detail, id)) {
      case Claim::duplicate:
        ex.body_out = json::serialize(json::object{{"received", true}, {"duplicate", true}});
        return ex.finish();
      case Claim::in_progress:
        return problem(Error(ErrorCode::conflict, "this delivery is being processed; retry later")
                           .with_code("delivery_in_progress"));
      case Claim::run:
        break;
    }
  }
  auto settle = [&](bool done, const std::string& run_id, const std::string& job_id) {
    if (!dedupe) return;
    if (done)
      db_->exec("UPDATE webhook_deliveries SET status = 'done', run_id = $3, job_id = $4 WHERE endpoint = $1 AND "
                "event_id = $2",
                {route.detail, id, run_id.empty() ? db::Value(nullptr) : db::Value(run_id),
                 job_id.empty() ? db::Value(nullptr) : db::Value(job_id)});
    else  // the sender's retry runs it again
      db_->exec("DELETE FROM webhook_deliveries WHERE endpoint = $1 AND event_id = $2", {route.detail, id});
  };

  // 3. Acknowledge now and run through the queue, or run now.
  if (o.enqueue && jobs_) {
    try {
      JobOptions options;
      if (!id.empty()) options.unique_key = "webhook:" + route.detail + ":" + id;
      Enqueued job = jobs_->enqueue(route.action->name(), inv.input, options, nullptr);
      settle(true, "", job.id);
      ex.status = 202;
      ex.body_out = json::serialize(json::object{{"received", true}, {"jobId", job.id}});
      return ex.finish();
    } catch (const Error& e) {
      settle(false, "", "");
      return problem(e);
    }
  }
  RunResult r = executor_.run(inv);
  settle(r.ok(), r.run_id, "");
  answer(r, 200, r.output);
}

}  // namespace bb::triggers
