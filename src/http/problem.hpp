// Error responses: application/problem+json (RFC 9457) with the stable `code`, the error's
// details (such as a validation `errors` list) and the trace id. One shape for every refusal,
// whether the server, the router or an action produced it.
//
//   ex.body_out = problem_json(error, 0, ex.path(), trace_id);
//   set_problem(ex, error, 415, ex.path(), traceparent_header);
#pragma once

#include <string>
#include <string_view>

#include "bunbase/core/error.hpp"
#include "src/http/exchange.hpp"

namespace bb::http {

// `status` 0 takes the error kind's status.
std::string problem_json(const Error& e, int status, std::string_view instance, std::string_view trace_id);

// Makes `e` the exchange's response (status, content type, body, traceparent) for a request
// refused before any action ran: the caller's trace continues when `traceparent` is valid.
// 429, and 503 for a momentary refusal (busy): a Retry-After header from details.retry_after.
void add_retry_after(Exchange& ex, const Error& e);

// The problem document as the response (with add_retry_after).
void set_problem(Exchange& ex, const Error& e, int status, std::string_view instance,
                 std::string_view traceparent);

}  // namespace bb::http
