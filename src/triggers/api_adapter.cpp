#include "src/triggers/api_adapter.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/url/parse.hpp>

#include <cctype>
#include <charconv>

#include "src/core/ids.hpp"
#include "src/http/json_body.hpp"
#include "src/http/problem.hpp"

namespace bb::triggers {

namespace json = boost::json;

namespace {

void serialize_into(std::string& out, const json::value& v) {
  json::serializer sr;
  sr.reset(&v);
  out.clear();
  while (!sr.done()) {
    std::size_t used = out.size();
    out.resize(used + std::max<std::size_t>(256, out.capacity() - used));
    auto written = sr.read(out.data() + used, out.size() - used);
    out.resize(used + written.size());
  }
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// application/json, application/problem+json, ...; parameters (charset) allowed.
bool is_json_media_type(std::string_view ct) {
  std::string_view type = ct.substr(0, ct.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (!iequals_prefix(type, "application/")) return false;
  type.remove_prefix(12);
  if (type.size() == 4 && iequals_prefix(type, "json")) return true;
  return type.size() > 5 && iequals_prefix(type.substr(type.size() - 5), "+json");
}

// A query or path value, typed after the input schema's property (string when unsure, so
// validation reports the problem instead of a silent guess).
json::value coerce(const SchemaNode* node, std::string_view raw) {
  if (node) {
    if (node->kind == SchemaKind::integer) {
      std::int64_t i;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), i);
      if (ec == std::errc() && p == raw.data() + raw.size()) return i;
    } else if (node->kind == SchemaKind::number) {
      double d;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
      if (ec == std::errc() && p == raw.data() + raw.size()) return d;
    } else if (node->kind == SchemaKind::boolean) {
      if (raw == "true") return true;
      if (raw == "false") return false;
    }
  }
  return json::string(raw);
}

const SchemaNode* property_node(const SchemaNode& root, std::string_view key) {
  if (root.kind == SchemaKind::map) return root.items;
  if (root.kind != SchemaKind::object) return nullptr;
  const auto* p = root.find_property(key);
  return p ? p->node : nullptr;
}

void add_query_value(json::object& query, json::object& typed, const SchemaNode& root,
                     std::string_view key, std::string_view value) {
  const SchemaNode* prop = property_node(root, key);
  auto append = [&](json::object& o, json::value v, bool as_array) {
    auto it = o.find(key);
    if (it == o.end()) {
      if (as_array) o[key] = json::array{std::move(v)};
      else o[key] = std::move(v);
    } else if (it->value().is_array()) {
      it->value().get_array().push_back(std::move(v));
    } else {
      json::array a{std::move(it->value()), std::move(v)};
      it->value() = std::move(a);
    }
  };
  append(query, json::string(value), false);
  bool is_array = prop && prop->kind == SchemaKind::array;
  append(typed, coerce(is_array ? prop->items : prop, value), is_array);
}

}  // namespace

ApiAdapter::ApiAdapter(const Registry& registry, Executor& executor, WorkerPool& workers,
                       std::function<bool()> ready, db::Database* db, JobSink* jobs)
    : executor_(executor), workers_(workers), ready_(std::move(ready)), db_(db), jobs_(jobs) {
  for (const auto& r : registry.routes()) router_.add(r);
}

void ApiAdapter::handle(http::Exchange& ex) {
  const std::string_view traceparent = ex.header("traceparent").value_or(std::string_view());

  // Errors before the executor runs still carry a trace id (the caller's, or a new one).
  auto fail = [&](const Error& e, int status = 0) {
    http::set_problem(ex, e, status, ex.path(), traceparent);
    ex.finish();
  };

  auto url = boost::urls::parse_origin_form(ex.target());
  if (!url) return fail(Error(ErrorCode::invalid_argument, "malformed request target").with_code("bad_request"));

  // Reused per network thread: short segments stay in their strings' inline buffers.
  static thread_local std::vector<std::string> segments;
  segments.clear();
  for (auto seg : url->segments()) segments.push_back(seg);
  if (!segments.empty() && segments.back().empty()) segments.pop_back();  // "/users/" == "/users"

  const std::string_view method = ex.method();
  if (segments.size() == 1 && (method == "GET" || method == "HEAD")) {
    if (segments[0] == "healthz") {
      ex.body_out = R"({"status":"ok"})";
      return ex.finish();
    }
    if (segments[0] == "readyz") {
      bool ok = !ready_ || ready_();
      ex.status = ok ? 200 : 503;
      ex.body_out = ok ? R"({"status":"ready"})" : R"({"status":"unavailable"})";
      return ex.finish();
    }
  }

  bool cors = false;  // this path takes part in CORS
  if (cors_) {
    cors = true;
    // Decoded, as the router sees it: "/%5Fadmin/api" is the dashboard's API too (decoded only
    // when there is something to decode).
    std::string decoded;
    std::string_view path = url->encoded_path();
    if (path.find('%') != std::string_view::npos) path = decoded = url->path();
    for (const auto& prefix : cors_excluded_)
      if (path.starts_with(prefix)) cors = false;
    if (cors && !http::Cors::is_preflight(ex)) cors_->decorate(ex);
  }

  // Mounted paths are plain ASCII: compared with the path as sent, without decoding it once per
  // mount (an encoded spelling of a mounted path is no route: 404).
  const std::string_view encoded_path = url->encoded_path();
  for (const auto& [path, handler] : mounts_)
    if (encoded_path == path) {
      if (cors && http::Cors::is_preflight(ex)) return cors_->preflight(ex, "GET, HEAD");
      return handler->handle(ex);
    }

  Router::Match m = router_.match(method, segments);
  if (!m.route) {
    if (method == "OPTIONS" && !m.allow.empty()) {
      if (m.allow.find("GET") != std::string::npos) m.allow += ", HEAD";
      if (cors && http::Cors::is_preflight(ex)) return cors_->preflight(ex, m.allow);
      ex.status = 204;  // what the path accepts (RFC 9110 9.3.7)
      ex.response.headers.emplace_back("Allow", m.allow + ", OPTIONS");
      return ex.finish();
    }
    for (const auto& fallback : fallbacks_)
      if (m.allow.empty() && fallback(ex)) return;
    if (!m.allow.empty()) {
      ex.response.headers.emplace_back("Allow", m.allow);
      return fail(Error(ErrorCode::invalid_argument,
                        std::string(method) + " is not allowed here; allowed: " + m.allow)
                      .with_code("method_not_allowed"),
                  405);
    }
    return fail(Error(ErrorCode::not_found, "no route for " + std::string(method) + " " +
                                                std::string(ex.path()))
                    .with_code("route_not_found"));
  }
  const Route& route = *m.route;
  if (route.webhook) {
    // Verification reads the raw body and may touch the database: never on a network thread.
    workers_.post([this, &ex, &route, tp = std::string(traceparent)] { webhook(ex, route, tp); });
    return;
  }
  if (!m.params.empty()) ex.params = std::move(m.params);
  // The body is parsed where the action runs: a large one never holds up a network thread.
  if (route.action->action->options.run_inline) return invoke(ex, route, *url);
  workers_.post([this, &ex, &route, url = *url] { invoke(ex, route, url); });
}

// The action's input from the request (body, query, path parameters), then the run.
void ApiAdapter::invoke(http::Exchange& ex, const Route& route, const boost::urls::url_view& url) {
  const std::string_view traceparent = ex.header("traceparent").value_or(std::string_view());
  auto fail = [&](const Error& e, int status = 0) {
    http::set_problem(ex, e, status, ex.path(), traceparent);
    ex.finish();
  };
  const SchemaNode& root = route.action->action->input->root();

  Invocation inv;
  inv.action = route.action;
  inv.trigger_type = "api";
  inv.request = &ex;
  inv.response = &ex.response;
  if (ids::TraceParent incoming; ids::parse_traceparent(traceparent, incoming)) inv.trace_id = incoming.trace_id;

  const std::string_view method = ex.method();
  const bool takes_body = method == "POST" || method == "PUT" || method == "PATCH";
  if (takes_body && !ex.body().empty()) {
    auto ct = ex.header("content-type");
    if (!ct || !is_json_media_type(*ct))
      return fail(Error(ErrorCode::invalid_argument, "request body must be application/json")
                      .with_code("unsupported_media_type"),
                  415);
  }
  http::ParsedBody parsed =
      takes_body ? http::parse_json_body(ex.body(), ex.body_limit(), ex.memory_budget()) : http::ParsedBody{};
  if (parsed.error) return fail(*parsed.error, parsed.status);
  json::value& body = parsed.value;  // in the body's arena: never assigned, only adopted

  json::object query, typed_query;
  for (auto p : url.params()) add_query_value(query, typed_query, root, p.key, p.has_value ? p.value : "");
  json::object params;
  for (auto& [name, value] : ex.params) params[name] = coerce(property_node(root, name), value);

  if (route.trigger->options.map) {
    json::object raw_params;
    for (auto& [name, value] : ex.params) raw_params[name] = value;
    try {
      inv.input = route.trigger->options.map(ApiInput{body, query, raw_params, ex});
    } catch (const Error& e) {
      return fail(e);
    } catch (const std::exception&) {
      return fail(Error(ErrorCode::invalid_argument, "the request could not be mapped to the action's input"));
    }
  } else {
    if (takes_body) {
      if (params.empty() && !body.is_null()) inv.input_text = ex.body();  // recorded verbatim
      if (body.is_null()) inv.input = json::object();
      else http::adopt(inv.input, std::move(body));
    } else {
      inv.input = std::move(typed_query);
    }
    if (!params.empty() && inv.input.is_object())
      for (auto& kv : params) inv.input.get_object()[kv.key()] = std::move(kv.value());
  }
  run(ex, route, std::move(inv));
}

void ApiAdapter::run(http::Exchange& ex, const Route& route, Invocation inv) {
  inv.trigger_detail = route.detail;
  RunResult r = executor_.run(inv);
  std::string_view trace(r.trace_id, 32);
  ex.set_traceparent(trace, std::string_view(r.span_id, 16));
  if (r.ok()) {
    ex.status = route.trigger->options.status;
    if (ex.response.status == 0 && ex.status == 204) ex.body_out.clear();
    else serialize_into(ex.body_out, r.output);
  } else {
    const Error& e = *r.error;
    ex.status = http_status(e.kind());
    ex.response.status = 0;  // an error's status wins over one the handler set
    ex.content_type = "application/problem+json";
    ex.body_out = http::problem_json(e, 0, ex.path(), trace);
    http::add_retry_after(ex, e);
  }
  ex.finish();
}

}  // namespace bb::triggers
