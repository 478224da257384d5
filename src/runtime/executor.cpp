#include "bunbase/runtime/executor.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "bunbase/core/token_mask.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"
#include "bunbase/runtime/write_buffer.hpp"
#include "src/core/ids.hpp"
#include "src/runtime/metrics.hpp"
#include "src/util/iso_time.hpp"

namespace bb {

boost::json::object error_record(const Error& e, std::string_view cause) {
  boost::json::object o;
  o["code"] = e.code();
  o["kind"] = to_string(e.kind());
  o["message"] = e.message();
  if (!e.details().is_null()) o["details"] = e.details();
  if (!cause.empty()) o["cause"] = cause;
  return o;
}

namespace {


Error internal_error() { return Error(ErrorCode::internal, "internal error"); }

void redact_in_place(boost::json::value& v, const std::vector<std::string>& names) {
  if (auto* o = v.if_object()) {
    for (auto& kv : *o) {
      if (std::find(names.begin(), names.end(), std::string_view(kv.key())) != names.end()) kv.value() = "[redacted]";
      else redact_in_place(kv.value(), names);
    }
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) redact_in_place(item, names);
  }
}

// The JSON text a run record keeps: the value as is, or a copy without the redacted properties
// (the action's `redact` names) and secret values (bb::Secret members of its type).
std::string recorded(const boost::json::value& v, const std::vector<std::string>& redact, const Schema& schema) {
  if (redact.empty() && !schema.has_secrets()) return boost::json::serialize(v);
  boost::json::value copy = v;
  if (schema.has_secrets()) redact_secrets(schema.root(), copy);
  if (!redact.empty()) redact_in_place(copy, redact);
  return boost::json::serialize(copy);
}

// A payload over `max` bytes is recorded as its size and first bytes (cut on a character):
// {"truncated":true,"bytes":1000016,"head":"{\"email\":..."}. A run record stays small whatever
// a client sends, and so does the write buffer that holds it until it is flushed.
std::string capped(std::string_view json, std::size_t max) {
  if (json.size() <= max) return std::string(json);
  std::size_t head = std::min<std::size_t>(max / 4, 1024);
  while (head > 0 && (static_cast<unsigned char>(json[head]) & 0xC0) == 0x80) --head;  // not mid-character
  return boost::json::serialize(boost::json::object{
      {"truncated", true}, {"bytes", json.size()}, {"head", boost::json::string_view(json.data(), head)}});
}

Error from_db_error(const db::DbError& e) {
  switch (e.kind()) {
    case db::DbError::Kind::unique_violation:
      return Error(ErrorCode::conflict, "a record with the same unique value already exists").with_code("conflict");
    case db::DbError::Kind::busy:
    case db::DbError::Kind::connection:
      return Error(ErrorCode::unavailable, "the database is unavailable, try again");
    default:
      return internal_error();
  }
}

// Deny by default for an API key with scopes: the action must name what the key needs, by a
// permission guard (which checked the key carries it) or by its declared `scope`.
void require_scope(const RegisteredAction& ra, const Auth& auth) {
  const std::string& scope = ra.action->options.scope;
  if (!scope.empty() && auth.scope_allows(scope)) return;
  for (const auto& g : ra.guards)
    if (!g.permissions.empty()) return;
  boost::json::array held;
  for (const auto& s : auth.scopes) held.emplace_back(s);
  boost::json::object detail{{"scopes", std::move(held)}};
  if (!scope.empty()) detail["required"] = scope;
  throw Error(ErrorCode::permission_denied,
              scope.empty() ? "an API key with scopes cannot run " + ra.name() + ": it declares no scope"
                            : "this API key lacks the scope " + scope,
              std::move(detail))
      .with_code("insufficient_scope");
}

}  // namespace

Error validation_error(const std::vector<ValidationIssue>& issues, std::size_t max_listed) {
  const std::size_t listed = std::min(issues.size(), max_listed);
  boost::json::array errors;
  errors.reserve(listed);
  for (std::size_t n = 0; n < listed; ++n)
    errors.push_back(boost::json::object{{"path", issues[n].path}, {"message", issues[n].message}});
  std::string msg = "input failed validation";
  if (!issues.empty()) msg += ": " + (issues[0].path.empty() ? "" : issues[0].path + " ") + issues[0].message;
  if (issues.size() > 1) msg += " (and " + std::to_string(issues.size() - 1) + " more)";
  boost::json::object details{{"errors", std::move(errors)}};
  // 100k unknown properties must not answer a 5 MB document (nor record one): the rest counted.
  if (issues.size() > listed) details["errorsOmitted"] = issues.size() - listed;
  return Error(ErrorCode::invalid_argument, std::move(msg), std::move(details)).with_code("validation_failed");
}

RunResult Executor::run(Invocation& inv, boost::json::storage_ptr storage) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  const RegisteredAction& ra = *inv.action;

  RunResult result;
  result.run_id = ids::new_run_id();
  if (inv.trace_id.size() == 32) std::memcpy(result.trace_id, inv.trace_id.data(), 32);
  else ids::new_trace_id(result.trace_id);
  ids::new_span_id(result.span_id);
  result.output = boost::json::value(storage);

  Context ctx{
      .db = db_,
      .log = Log(&log_, LogScope{result.run_id, std::string_view(result.trace_id, 32), ra.name()}),
      .action = ra.name(),
      .module = ra.module_name(),
      .run_id = result.run_id,
      .trace_id = std::string_view(result.trace_id, 32),
      .parent_run_id = inv.parent_run_id,
      .trigger = {inv.trigger_type, inv.trigger_detail},
      .auth = std::move(inv.auth),
      .config = config_,
      .request = inv.request,
      .response = inv.response,
  };

  ctx.events.bind(events_, &ctx);
  ctx.queue.bind(jobs_, &ctx);

  std::string cause;  // why an internal error happened: recorded, never returned
  try {
    if (inv.refused) {
      cause = inv.refused_cause;
      throw *inv.refused;
    }
    for (const auto& g : ra.guards) g.check(ctx);
    if (ctx.auth.scoped()) require_scope(ra, ctx.auth);

    std::vector<ValidationIssue> issues;
    if (!validate(ra.action->input->root(), inv.input, issues))
      throw validation_error(issues, config_ ? config_->http.max_errors : kMaxListedErrors);

    ra.action->invoke(inv.input, ctx, result.output);

    issues.clear();
    if (!validate(ra.action->output->root(), result.output, issues)) {
      cause = "output failed validation: " + issues[0].path + " " + issues[0].message;
      throw internal_error();
    }
  } catch (const Error& e) {
    result.error = e;
  } catch (const db::DbError& e) {
    cause = std::string("database: ") + e.what();
    result.error = from_db_error(e);
  } catch (const std::exception& e) {
    cause = e.what();
    result.error = internal_error();
  } catch (...) {
    cause = "unknown exception";
    result.error = internal_error();
  }
  if (result.error) result.output = boost::json::value(storage);

  // Events go out once the run has succeeded; a failed run's are dropped.
  if (result.error && events_)
    for (const auto& e : ctx.events.pending()) events_->release(e.name);
  if (!result.error && !ctx.events.pending().empty()) {
    if (!events_) {
      ctx.log.warn("events emitted without an event bus: dropped", {{"count", ctx.events.pending().size()}});
    } else {
      for (const auto& e : ctx.events.pending()) {
        try {
          events_->deliver(e, ctx, false);
        } catch (const std::exception& ex) {  // a full bus configured to fail: the run stands
          ctx.log.error("event not delivered", {{"event", e.name}, {"error", ex.what()}});
        }
      }
    }
  }

  const auto elapsed = Clock::now() - start;
  result.duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  if (metrics_)
    metrics_->record(ra, inv.trigger_type, result.error ? std::optional(result.error->kind()) : std::nullopt,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));

  if (result.error && result.error->kind() == ErrorCode::internal) {
    ctx.log.error("action failed", {{"error", cause.empty() ? result.error->message() : cause}});
  }

  if (buffer_ && ra.action->options.record) {
    RunRecord rec;
    rec.id = result.run_id;
    rec.action = ra.name();
    rec.module = ra.module_name();
    rec.trace_id.assign(result.trace_id, 32);
    rec.parent_run_id = inv.parent_run_id;
    rec.trigger_type = inv.trigger_type;
    rec.trigger_detail = inv.trigger_detail;
    rec.status = result.error ? "error" : "success";
    const auto& redact = ra.action->options.redact;
    const Schema& in = *ra.action->input;
    const std::size_t max = config_ ? config_->persistence.max_payload : Config::Persistence{}.max_payload;
    rec.input = inv.input_text.empty() || !redact.empty() || in.has_secrets()
                    ? capped(recorded(inv.input, redact, in), max)
                    : capped(inv.input_text, max);
    if (result.error) rec.error = boost::json::serialize(error_record(*result.error, cause));
    else rec.output = capped(recorded(result.output, redact, *ra.action->output), max);
    // Tokens outside any secret member (an unknown query parameter, an error's text) go too.
    mask_tokens(rec.input);
    mask_tokens(rec.output);
    mask_tokens(rec.error);
    rec.duration_ms = result.duration_ms;
    rec.started_at = util::iso_time(started_wall);
    buffer_->push(std::move(rec));
  }
  return result;
}

}  // namespace bb
