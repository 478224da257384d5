#include "src/triggers/mcp_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <stdexcept>
#include <unordered_set>

#include "bunbase/schema/node.hpp"

namespace bb::triggers {

namespace json = boost::json;

namespace mcp {

bool supported_version(std::string_view v) {
  for (auto known : kHandshakeVersions)
    if (v == known) return true;
  return v == kStateless;
}

json::value error_response(const json::value& id, int code, std::string_view message, json::value data) {
  json::object err{{"code", code}, {"message", message}};
  if (!data.is_null()) err["data"] = std::move(data);
  json::object o{{"jsonrpc", "2.0"}};
  if (!id.is_null()) o["id"] = id;
  o["error"] = std::move(err);
  return o;
}

}  // namespace mcp

namespace {

json::value result_response(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// Cursors are opaque to clients; ours names the offset of the next page.
constexpr std::string_view kCursorPrefix = "bbt1.";

std::string make_cursor(std::size_t offset) { return std::string(kCursorPrefix) + std::to_string(offset); }

std::optional<std::size_t> parse_cursor(std::string_view c, std::size_t count) {
  if (!c.starts_with(kCursorPrefix)) return std::nullopt;
  c.remove_prefix(kCursorPrefix.size());
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), n);
  if (ec != std::errc() || p != c.data() + c.size() || n == 0 || n >= count) return std::nullopt;
  return n;
}

// The action's input as a tool's inputSchema: the SDK refuses any root but type "object", so
// an object stays as it is, "any" becomes an open object and anything else is wrapped.
json::object input_schema(const RegisteredAction& a, bool& wrapped) {
  const SchemaNode& root = a.action->input->root();
  json::value js = a.action->input->to_json_schema();
  json::object& o = js.as_object();
  wrapped = false;
  if (root.kind == SchemaKind::object || root.kind == SchemaKind::map) {
    o["type"] = "object";  // drops a "null" a nullable root would allow: arguments are an object
    return std::move(o);
  }
  if (root.kind == SchemaKind::any) {
    json::object open{{"type", "object"}};
    if (auto* s = o.if_contains("$schema")) open["$schema"] = *s;
    return open;
  }
  wrapped = true;
  json::object inner = std::move(o);
  json::value dialect = inner.contains("$schema") ? inner["$schema"] : json::value("https://json-schema.org/draft/2020-12/schema");
  inner.erase("$schema");
  return json::object{{"$schema", dialect},
                      {"type", "object"},
                      {"properties", json::object{{"input", std::move(inner)}}},
                      {"required", json::array{"input"}},
                      {"additionalProperties", false}};
}

McpServer::Tool make_tool(const RegisteredAction& a, const ToolOptions& t) {
  McpServer::Tool tool;
  tool.name = t.name.empty() ? a.name() : t.name;
  tool.action = &a;
  json::object& d = tool.descriptor;
  d["name"] = tool.name;
  if (!t.title.empty()) d["title"] = t.title;
  const std::string& description = t.description.empty() ? a.action->options.description : t.description;
  if (!description.empty()) d["description"] = description;
  d["inputSchema"] = input_schema(a, tool.wrapped);
  const SchemaNode& out = a.action->output->root();
  if (out.kind == SchemaKind::object && !out.nullable) {
    tool.structured = true;
    d["outputSchema"] = a.action->output->to_json_schema();
  }
  json::object ann;
  if (!t.title.empty()) ann["title"] = t.title;
  if (t.annotations.read_only) ann["readOnlyHint"] = *t.annotations.read_only;
  if (t.annotations.destructive) ann["destructiveHint"] = *t.annotations.destructive;
  if (t.annotations.idempotent) ann["idempotentHint"] = *t.annotations.idempotent;
  if (t.annotations.open_world) ann["openWorldHint"] = *t.annotations.open_world;
  if (!ann.empty()) d["annotations"] = std::move(ann);
  return tool;
}

const json::object& empty_object() {
  static const json::object o;
  return o;
}

}  // namespace

McpMessage classify(const json::value& msg) {
  McpMessage m;
  const json::object* o = msg.if_object();
  if (!o) return m;
  const json::value* v = o->if_contains("jsonrpc");
  if (!v || *v != "2.0") return m;
  const json::value* id = o->if_contains("id");
  if (const json::value* method = o->if_contains("method")) {
    if (!method->is_string()) return m;
    m.method = method->get_string();
    if (id) {
      if (!id->is_string() && !id->is_int64() && !id->is_uint64()) return m;  // never null
      m.id = id;
      m.kind = McpMessage::Kind::request;
    } else {
      m.kind = McpMessage::Kind::notification;
    }
    if (const json::value* p = o->if_contains("params"); p && p->is_object())
      if (const json::value* meta = p->get_object().if_contains("_meta"); meta && meta->is_object())
        if (const json::value* ver = meta->get_object().if_contains(mcp::kMetaVersionKey); ver && ver->is_string())
          m.meta_version = std::string_view(ver->get_string());
    return m;
  }
  if (id && (o->contains("result") || o->contains("error"))) m.kind = McpMessage::Kind::response;
  return m;
}

McpServer::McpServer(const Registry& registry, Executor& executor, McpServerOptions options)
    : executor_(executor), options_(std::move(options)) {
  std::unordered_set<std::string> names;
  for (const auto& a : registry.actions())
    for (const auto& t : a->action->options.triggers)
      if (const auto* tool = std::get_if<ToolTrigger>(&t.spec)) {
        Tool made = make_tool(*a, tool->options);
        if (!names.insert(made.name).second)
          throw std::runtime_error("two MCP tools are named \"" + made.name + "\" (one is the action " + a->name() +
                                   " at " + a->where() + ")");
        tools_.push_back(std::move(made));
      }
  if (options_.page_size == 0) options_.page_size = 50;
}

McpOutcome McpServer::handle_text(std::string_view text, const McpCaller& caller) {
  boost::system::error_code ec;
  json::value msg = json::parse(text, ec);
  if (ec) {
    McpOutcome out;
    out.response = mcp::error_response(nullptr, mcp::kParseError, "Parse error: " + ec.message());
    return out;
  }
  return handle(msg, caller);
}

json::object McpServer::capabilities() const { return json::object{{"tools", json::object{{"listChanged", false}}}}; }

json::object McpServer::server_info() const {
  return json::object{{"name", options_.name}, {"version", options_.version}};
}

McpOutcome McpServer::handle(const json::value& msg, const McpCaller& caller) {
  McpOutcome out;
  McpMessage m = classify(msg);
  if (m.kind == McpMessage::Kind::invalid) {
    // Batches are not part of the protocol (one message per POST or line).
    const json::value* id = nullptr;
    if (const auto* o = msg.if_object()) id = o->if_contains("id");
    bool usable_id = id && (id->is_string() || id->is_int64() || id->is_uint64());
    out.response = mcp::error_response(usable_id ? *id : json::value(), mcp::kInvalidRequest, "Invalid Request");
    return out;
  }
  if (m.kind != McpMessage::Kind::request) return out;  // notifications and responses: no answer

  const json::value& id = *m.id;
  const json::value* pv = msg.get_object().if_contains("params");
  if (pv && !pv->is_object() && !pv->is_null()) {
    out.response = mcp::error_response(id, mcp::kInvalidParams, "params must be an object");
    return out;
  }
  const json::object& params = pv && pv->is_object() ? pv->get_object() : empty_object();

  // The stateless revision: named per request, or known to the transport.
  bool stateless = caller.stateless || m.method == "server/discover";
  if (m.meta_version) {
    if (*m.meta_version != mcp::kStateless) {
      out.bad_version = true;
      json::array supported{mcp::kStateless};
      for (auto v : mcp::kHandshakeVersions) supported.emplace_back(v);
      out.response = mcp::error_response(id, mcp::kUnsupportedVersion,
                                         "Unsupported protocol version: " + std::string(*m.meta_version),
                                         json::object{{"supported", std::move(supported)},
                                                      {"requested", *m.meta_version}});
      return out;
    }
    stateless = true;
  }
  auto reply = [&](json::value result) {
    if (stateless && result.is_object()) result.get_object()["resultType"] = "complete";
    out.response = result_response(id, std::move(result));
    return out;
  };

  if (m.method == "initialize") return reply(initialize(params, out));
  if (m.method == "ping") return reply(json::object());
  if (m.method == "server/discover") {
    json::array versions{mcp::kStateless};
    for (auto v : mcp::kHandshakeVersions) versions.emplace_back(v);
    json::object r{{"supportedVersions", std::move(versions)},
                   {"capabilities", capabilities()},
                   {"serverInfo", server_info()},
                   {"ttlMs", 0},
                   {"cacheScope", "public"}};
    if (!options_.instructions.empty()) r["instructions"] = options_.instructions;
    return reply(std::move(r));
  }
  if (m.method == "tools/list") {
    const json::value* cursor = params.if_contains("cursor");
    if (cursor && !cursor->is_null() && !cursor->is_string()) {
      out.response = mcp::error_response(id, mcp::kInvalidParams, "cursor must be a string");
      return out;
    }
    if (cursor && cursor->is_string() && !parse_cursor(cursor->get_string(), tools_.size())) {
      out.response = mcp::error_response(id, mcp::kInvalidParams, "Invalid cursor");
      return out;
    }
    return reply(list_tools(params, stateless));
  }
  if (m.method == "tools/call") {
    const json::value* name = params.if_contains("name");
    if (!name || !name->is_string()) {
      out.response = mcp::error_response(id, mcp::kInvalidParams, "tools/call needs params.name (a string)");
      return out;
    }
    const json::value* args = params.if_contains("arguments");
    if (args && !args->is_object() && !args->is_null()) {
      out.response = mcp::error_response(id, mcp::kInvalidParams, "arguments must be an object");
      return out;
    }
    for (const auto& t : tools_)
      if (t.name == name->get_string()) return reply(call_tool(t, params, caller, out));
    out.response = mcp::error_response(id, mcp::kInvalidParams, "Unknown tool: " + std::string(name->get_string()));
    return out;
  }
  out.response = mcp::error_response(id, mcp::kMethodNotFound, "Method not found: " + std::string(m.method));
  return out;
}

json::value McpServer::initialize(const json::object& params, McpOutcome& out) const {
  std::string_view asked;
  if (const auto* v = params.if_contains("protocolVersion"); v && v->is_string()) asked = v->get_string();
  out.negotiated = std::string(mcp::kLatestHandshake);
  for (auto v : mcp::kHandshakeVersions)
    if (asked == v) out.negotiated = std::string(v);
  json::object r{{"protocolVersion", out.negotiated}, {"capabilities", capabilities()}, {"serverInfo", server_info()}};
  if (!options_.instructions.empty()) r["instructions"] = options_.instructions;
  return r;
}

json::value McpServer::list_tools(const json::object& params, bool stateless) const {
  std::size_t from = 0;
  if (const auto* c = params.if_contains("cursor"); c && c->is_string())
    from = *parse_cursor(c->get_string(), tools_.size());
  const std::size_t to = std::min(tools_.size(), from + options_.page_size);
  json::array page;
  for (std::size_t i = from; i < to; ++i) page.emplace_back(tools_[i].descriptor);
  json::object r{{"tools", std::move(page)}};
  if (to < tools_.size()) r["nextCursor"] = make_cursor(to);
  if (stateless) {
    r["ttlMs"] = 0;
    r["cacheScope"] = "public";
  }
  return r;
}

json::value McpServer::call_tool(const Tool& tool, const json::object& params, const McpCaller& caller,
                                 McpOutcome& out) const {
  json::value args = json::object();
  if (const auto* a = params.if_contains("arguments"); a && a->is_object()) args = *a;

  Invocation inv;
  inv.action = tool.action;
  if (tool.wrapped) {
    auto& o = args.get_object();
    inv.input = o.contains("input") ? o["input"] : json::value();
  } else {
    inv.input = std::move(args);
  }
  inv.trigger_type = "tool";
  inv.trigger_detail = caller.session;
  inv.auth = caller.auth;
  inv.request = caller.request;
  RunResult r = executor_.run(inv);

  if (!r.ok()) {
    const Error& e = *r.error;
    out.unauthenticated = e.kind() == ErrorCode::unauthenticated;
    std::string text = e.code() + ": " + e.message();
    return json::object{{"content", json::array{json::object{{"type", "text"}, {"text", std::move(text)}}}},
                        {"isError", true}};
  }
  json::object result{{"content", json::array{json::object{{"type", "text"}, {"text", json::serialize(r.output)}}}}};
  if (tool.structured && r.output.is_object()) result["structuredContent"] = std::move(r.output);
  return result;
}

}  // namespace bb::triggers
