#include "src/http/problem.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "src/core/ids.hpp"

namespace bb::http {

std::string problem_json(const Error& e, int status, std::string_view instance, std::string_view trace_id) {
  if (status == 0) status = http_status(e.kind());
  boost::json::object o;
  o["type"] = "about:blank";
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  o["title"] = boost::json::string_view(reason.data(), reason.size());
  o["status"] = status;
  o["detail"] = e.message();
  o["code"] = e.code();
  if (!instance.empty()) o["instance"] = instance;
  if (e.details().is_object()) {
    for (const auto& kv : e.details().get_object())
      if (!o.contains(kv.key())) o[kv.key()] = kv.value();
  }
  if (!trace_id.empty()) o["traceId"] = trace_id;
  return boost::json::serialize(o);
}

void set_problem(Exchange& ex, const Error& e, int status, std::string_view instance,
                 std::string_view traceparent) {
  char trace[33], span[17];
  ids::continue_trace(traceparent, trace, span);
  ex.status = status ? status : http_status(e.kind());
  ex.content_type = "application/problem+json";
  ex.body_out = problem_json(e, ex.status, instance, std::string_view(trace, 32));
  ex.set_traceparent(std::string_view(trace, 32), std::string_view(span, 16));
  add_retry_after(ex, e);
}

void add_retry_after(Exchange& ex, const Error& e) {
  if ((e.kind() == ErrorCode::rate_limited || e.kind() == ErrorCode::unavailable) && e.details().is_object())
    if (const auto* ra = e.details().get_object().if_contains("retry_after"))
      ex.response.headers.emplace_back("Retry-After", boost::json::serialize(*ra));
}

}  // namespace bb::http
