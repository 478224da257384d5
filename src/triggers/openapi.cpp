#include "src/triggers/openapi.hpp"

#include <boost/json/serialize.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "src/http/compression.hpp"
#include "src/http/embedded_asset.hpp"

namespace bb::triggers {

namespace json = boost::json;

namespace {

constexpr std::string_view kSchemaRef = "#/components/schemas/";
constexpr std::string_view kResponseRef = "#/components/responses/";

// Component names may hold [A-Za-z0-9._-] only.
std::string component_name(std::string_view title) {
  std::string out;
  for (char c : title) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

// The action's schema without the `$schema` key (the document's dialect applies).
json::value schema_of(const Schema* s) {
  if (!s) return json::object();
  json::value v = s->to_json_schema();
  if (!v.is_object()) return v;
  json::object out;  // not erase(): it moves the last key into the hole
  for (const auto& kv : v.as_object())
    if (kv.key() != "$schema") out[kv.key()] = kv.value();
  return out;
}

// Key order does not matter when two shapes are compared.
std::string canonical(const json::value& v) {
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& e : v.as_array()) out += canonical(e) + ",";
    return out + "]";
  }
  if (!v.is_object()) return json::serialize(v);
  std::map<std::string_view, const json::value*> sorted;
  for (const auto& kv : v.as_object()) sorted.emplace(kv.key(), &kv.value());
  std::string out = "{";
  for (const auto& [k, e] : sorted)
    out += json::serialize(json::string(k)) + ":" + canonical(*e) + ",";
  return out + "}";
}

bool is_nullable(const json::object& o) {
  auto* t = o.if_contains("type");
  if (!t || !t->is_array()) return false;
  for (const auto& e : t->as_array())
    if (e.is_string() && e.as_string() == "null") return true;
  return false;
}

// A nullable titled schema without its null: the shared component; the use site adds the null.
json::object without_null(json::object o) {
  json::array types;
  for (const auto& e : o["type"].as_array())
    if (!(e.is_string() && e.as_string() == "null")) types.push_back(e);
  if (types.size() == 1)
    o["type"] = types[0];
  else
    o["type"] = std::move(types);
  if (auto* en = o.if_contains("enum"); en && en->is_array()) {
    json::array values;
    for (const auto& e : en->as_array())
      if (!e.is_null()) values.push_back(e);
    *en = std::move(values);
  }
  return o;
}

// Collects and rewrites titled schemas. First pass: collect (title -> one full shape, or a
// clash when two differ anywhere); second pass: replace every titled schema whose title has one
// shape by a $ref.
class Components {
 public:
  void collect(const json::value& v) {
    walk(v, [this](const json::object& o) {
      auto* t = o.if_contains("title");
      if (!t || !t->is_string()) return;
      std::string name = component_name(t->as_string());
      json::object shape = is_nullable(o) ? without_null(o) : o;
      std::string text = canonical(shape);
      auto [it, inserted] = shapes_.try_emplace(name, text);
      if (!inserted && it->second != text) clashes_.insert(name);
    });
  }

  // Returns `v` with shared titled schemas replaced by references; fills `schemas`.
  json::value rewrite(const json::value& v) {
    if (v.is_array()) {
      json::array out;
      for (const auto& e : v.as_array()) out.push_back(rewrite(e));
      return out;
    }
    if (!v.is_object()) return v;
    json::object o;
    for (const auto& kv : v.as_object()) o[kv.key()] = rewrite_children(kv.key(), kv.value());
    auto* t = o.if_contains("title");
    if (!t || !t->is_string()) return o;
    std::string name = component_name(t->as_string());
    if (clashes_.count(name)) return o;
    bool nullable = is_nullable(o);
    if (!schemas_.contains(name)) schemas_[name] = nullable ? without_null(o) : o;
    json::object ref{{"$ref", std::string(kSchemaRef) + name}};
    if (!nullable) return ref;
    return json::object{{"anyOf", json::array{ref, json::object{{"type", "null"}}}}};
  }

  json::object& schemas() { return schemas_; }

 private:
  // Keys whose values are schemas (or maps/arrays of schemas) in what node.cpp emits.
  static bool holds_schemas(std::string_view key) {
    return key == "properties" || key == "items" || key == "additionalProperties" ||
           key == "oneOf" || key == "anyOf" || key == "allOf";
  }

  json::value rewrite_children(std::string_view key, const json::value& v) {
    if (!holds_schemas(key)) return v;
    if (key == "properties" && v.is_object()) {
      json::object out;
      for (const auto& kv : v.as_object()) out[kv.key()] = rewrite(kv.value());
      return out;
    }
    return rewrite(v);
  }

  template <class F>
  static void walk(const json::value& v, const F& f) {
    if (v.is_array()) {
      for (const auto& e : v.as_array()) walk(e, f);
      return;
    }
    if (!v.is_object()) return;
    const auto& o = v.as_object();
    f(o);
    for (const auto& kv : o) {
      if (!holds_schemas(kv.key())) continue;
      if (kv.key() == "properties" && kv.value().is_object()) {
        for (const auto& p : kv.value().as_object()) walk(p.value(), f);
      } else {
        walk(kv.value(), f);
      }
    }
  }

  std::map<std::string, std::string> shapes_;
  std::set<std::string> clashes_;
  json::object schemas_;
};

// "/orgs/:orgId/members" -> "/orgs/{orgId}/members", and the parameter names in order.
std::string template_path(std::string_view path, std::vector<std::string>& params) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == ':' && (i == 0 || path[i - 1] == '/')) {
      std::size_t end = path.find('/', i);
      if (end == std::string_view::npos) end = path.size();
      std::string name(path.substr(i + 1, end - i - 1));
      out += "{" + name + "}";
      params.push_back(std::move(name));
      i = end;
    } else {
      out += path[i++];
    }
  }
  return out.empty() ? "/" : out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Guards that need a signed-in principal (a session cookie or a bearer token).
bool needs_credentials(std::string_view guard) {
  return guard == "authenticated" || guard == "in_org" || guard == "trial_active_or_paid" ||
         starts_with(guard, "has_role(") || starts_with(guard, "has_permission(") ||
         starts_with(guard, "has_any_permission(") || starts_with(guard, "has_feature(") ||
         starts_with(guard, "within_limit(");
}

// Guards that act in an organization: the X-Org-Id header, an :orgId path parameter, or the
// session's active organization names it.
bool org_scoped(std::string_view guard) {
  return guard == "in_org" || guard == "trial_active_or_paid" ||
         starts_with(guard, "has_role(") || starts_with(guard, "has_permission(") ||
         starts_with(guard, "has_any_permission(") || starts_with(guard, "has_feature(") ||
         starts_with(guard, "within_limit(");
}

json::object problem_response(std::string_view description) {
  return json::object{
      {"description", description},
      {"content",
       json::object{
           {"application/problem+json",
            json::object{{"schema", json::object{{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

json::object ref_response(std::string_view name) {
  return json::object{{"$ref", std::string(kResponseRef) + std::string(name)}};
}

json::object problem_schema() {
  auto str = [] { return json::object{{"type", "string"}}; };
  json::object error_item{
      {"type", "object"},
      {"properties", json::object{{"path", str()}, {"message", str()}}},
  };
  return json::object{
      {"type", "object"},
      {"description",
       "An RFC 9457 problem; `code` is the stable error code, `errors` lists validation issues."},
      {"required", json::array{"type", "title", "status", "detail", "code"}},
      {"properties",
       json::object{{"type", str()},
                    {"title", str()},
                    {"status", json::object{{"type", "integer"}}},
                    {"detail", str()},
                    {"code", str()},
                    {"instance", str()},
                    {"traceId", str()},
                    {"errors", json::object{{"type", "array"}, {"items", std::move(error_item)}}},
                    {"errorsOmitted",
                     json::object{{"type", "integer"},
                                  {"description", "validation issues not listed in `errors` ([http] max_errors)"}}}}},
      {"additionalProperties", true}};
}

json::object shared_responses() {
  return json::object{
      {"BadRequest", problem_response("Invalid input (validation issues in `errors`)")},
      {"Unauthenticated", problem_response("Not signed in")},
      {"Forbidden", problem_response("Not allowed")},
      {"NotFound", problem_response("Not found")},
      {"Conflict", problem_response("Conflict with the current state")},
      {"RateLimited", problem_response("Too many requests")},
      {"Internal", problem_response("Internal error")}};
}

}  // namespace

json::object openapi_document(const Registry& registry, const OpenApiInfo& info) {
  Components components;
  // Inputs and outputs of every routed action, once each.
  std::unordered_map<const RegisteredAction*, std::pair<json::value, json::value>> schemas;
  for (const auto& r : registry.routes()) {
    if (schemas.contains(r.action)) continue;
    auto in = schema_of(r.action->action->input);
    auto out = schema_of(r.action->action->output);
    components.collect(in);
    components.collect(out);
    schemas.emplace(r.action, std::make_pair(std::move(in), std::move(out)));
  }

  json::object paths;
  std::map<std::string, std::string> tags;  // module name -> its description
  std::map<std::string, int> operation_ids;
  for (const auto& r : registry.routes()) {
    const RegisteredAction& ra = *r.action;
    const auto& [input, output] = schemas.at(r.action);
    std::vector<std::string> path_params;
    std::string path = template_path(r.path, path_params);
    std::string method = r.webhook ? "post" : lower(r.method);

    json::object op;
    std::string id = ra.name();
    if (int n = ++operation_ids[id]; n > 1) id += "_" + std::to_string(n);
    op["operationId"] = id;
    const std::string& description = ra.action->options.description;
    op["summary"] = description.empty() ? ra.name() : description.substr(0, description.find('.'));
    if (!description.empty()) op["description"] = description;
    if (!ra.module_name().empty()) {
      op["tags"] = json::array{ra.module_name()};
      tags.emplace(std::string(ra.module_name()), ra.module->options.description);
    }
    bool guarded = !ra.guards.empty();
    bool credentials = false, rate_limited = false, in_org = false;
    for (const auto& g : ra.guards) {
      credentials = credentials || needs_credentials(g.name);
      rate_limited = rate_limited || starts_with(g.name, "rate_limit");
      in_org = in_org || org_scoped(g.name);
    }

    // Parameters: path ones, then (GET/DELETE) the remaining input properties from the query.
    const json::object* props = nullptr;
    const json::array* required = nullptr;
    if (input.is_object()) {
      if (auto* p = input.as_object().if_contains("properties"); p && p->is_object())
        props = &p->as_object();
      if (auto* q = input.as_object().if_contains("required"); q && q->is_array())
        required = &q->as_array();
    }
    auto is_required = [&](std::string_view name) {
      if (!required) return false;
      for (const auto& e : *required)
        if (e.is_string() && e.as_string() == name) return true;
      return false;
    };
    auto is_path_param = [&](std::string_view name) {
      for (const auto& p : path_params)
        if (p == name) return true;
      return false;
    };
    json::array parameters;
    for (const auto& name : path_params) {
      json::value schema = json::object{{"type", "string"}};
      if (props)
        if (auto* s = props->if_contains(name)) schema = components.rewrite(*s);
      parameters.push_back(
          json::object{{"name", name}, {"in", "path"}, {"required", true}, {"schema", schema}});
    }
    bool body_method = r.webhook || method == "post" || method == "put" || method == "patch";
    if (!body_method && props) {
      for (const auto& kv : *props) {
        if (is_path_param(kv.key())) continue;
        json::object p{
            {"name", kv.key()}, {"in", "query"}, {"schema", components.rewrite(kv.value())}};
        if (is_required(kv.key())) p["required"] = true;
        parameters.push_back(std::move(p));
      }
    }
    if (in_org && !is_path_param("orgId"))
      parameters.push_back(json::object{
          {"name", "X-Org-Id"},
          {"in", "header"},
          {"required", false},
          {"description",
           "The organization the call acts in; default: the session's active organization."},
          {"schema", json::object{{"type", "string"}}}});
    if (!parameters.empty()) op["parameters"] = std::move(parameters);

    // Request body: the input schema without the path parameters.
    if (body_method) {
      json::value body;
      if (!props) {
        body = components.rewrite(input);
      } else if (path_params.empty()) {
        if (!props->empty()) body = components.rewrite(input);
      } else {
        json::object trimmed = input.as_object();
        trimmed.erase("title");
        json::object kept;
        json::array kept_required;
        for (const auto& kv : *props)
          if (!is_path_param(kv.key())) {
            kept[kv.key()] = kv.value();
            if (is_required(kv.key())) kept_required.push_back(json::string(kv.key()));
          }
        bool any = !kept.empty();
        trimmed["properties"] = std::move(kept);
        if (kept_required.empty())
          trimmed.erase("required");
        else
          trimmed["required"] = std::move(kept_required);
        if (any) body = components.rewrite(trimmed);
      }
      if (!body.is_null()) {
        bool required_body = !r.webhook && required && !required->empty();
        if (!props) required_body = true;
        op["requestBody"] = json::object{
            {"required", required_body || r.webhook},
            {"content", json::object{{"application/json", json::object{{"schema", body}}}}}};
      }
    }

    // Responses: the success status with the output type, then the errors the route can produce.
    json::object responses;
    int status = r.trigger ? r.trigger->options.status : (r.webhook->options.enqueue ? 202 : 200);
    json::object success{{"description", status == 204 ? "No content" : "Success"}};
    if (status != 204 && !(r.webhook && r.webhook->options.enqueue))
      success["content"] =
          json::object{{"application/json", json::object{{"schema", components.rewrite(output)}}}};
    responses[std::to_string(status)] = std::move(success);
    responses["400"] = ref_response("BadRequest");
    if (guarded || r.webhook) responses["401"] = ref_response("Unauthenticated");
    if (guarded) responses["403"] = ref_response("Forbidden");
    responses["404"] = ref_response("NotFound");
    responses["409"] = ref_response("Conflict");
    if (rate_limited) responses["429"] = ref_response("RateLimited");
    responses["500"] = ref_response("Internal");
    op["responses"] = std::move(responses);

    // A signed-in principal (bearer token or session cookie), or none: `security: []` says the
    // operation is public (webhooks prove themselves with a signature instead).
    // OpenAPI 3.1 lets a bearer requirement list role names: the scopes an API key with scopes
    // needs here (the permissions its guards demand, or its declared scope).
    if (credentials) {
      json::array scopes;
      for (const auto& g : ra.guards)
        for (const auto& p : g.permissions) scopes.emplace_back(p);
      if (scopes.empty() && !ra.action->options.scope.empty()) scopes.emplace_back(ra.action->options.scope);
      op["security"] = json::array{json::object{{"bearerAuth", std::move(scopes)}},
                                   json::object{{"sessionCookie", json::array()}}};
    }
    else
      op["security"] = json::array();

    auto& item = paths[path];
    if (!item.is_object()) item = json::object();
    item.as_object()[method] = std::move(op);
  }

  json::object schemas_out = std::move(components.schemas());
  schemas_out["Problem"] = problem_schema();
  json::object doc;
  doc["openapi"] = "3.1.0";
  json::object info_out{{"title", info.title}, {"version", info.version}};
  if (!info.description.empty()) info_out["description"] = info.description;
  doc["info"] = std::move(info_out);
  // Relative to where the document is served: the app itself.
  doc["servers"] = info.server_url.empty()
                      ? json::array{json::object{{"url", "/"}, {"description", "The server that serves this document"}}}
                      : json::array{json::object{{"url", info.server_url}, {"description", "The app's public address"}}};
  json::array tag_list;
  for (const auto& [name, description] : tags) {
    json::object tag{{"name", name}};
    if (!description.empty()) tag["description"] = description;
    tag_list.push_back(std::move(tag));
  }
  if (!tag_list.empty()) doc["tags"] = std::move(tag_list);
  doc["paths"] = std::move(paths);
  doc["components"] = json::object{
      {"schemas", std::move(schemas_out)},
      {"responses", shared_responses()},
      {"securitySchemes",
       json::object{{"bearerAuth", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                    {"sessionCookie",
                     json::object{{"type", "apiKey"}, {"in", "cookie"}, {"name", "bb_session"}}}}}};
  return doc;
}

OpenApiHandler::OpenApiHandler(const json::object& document) : body_(json::serialize(document)) {
  // A strong validator of the document (FNV-1a, 64 bits): it changes only with the binary.
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : body_) h = (h ^ c) * 1099511628211ULL;
  char tag[24];
  std::snprintf(tag, sizeof tag, "\"%016llx\"", static_cast<unsigned long long>(h));
  etag_ = tag;
}

void OpenApiHandler::handle(http::Exchange& ex) {
  if (ex.method() != "GET" && ex.method() != "HEAD") {
    ex.status = 405;
    ex.content_type = "application/problem+json";
    ex.body_out =
        R"({"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"use GET","code":"method_not_allowed"})";
    return ex.finish();
  }
  // Compressed once, on the first request (not at start-up: tests start many servers), then
  // sent without a copy like the embedded files.
  std::call_once(compressed_, [this] {
    gzip_ = http::gzip_encode(body_, 9);
    br_ = http::brotli_encode(body_, 9);
  });
  http::set_embedded(ex, {.identity = body_, .gzip = gzip_, .br = br_, .etag = etag_}, "application/json");
  ex.finish();
}

}  // namespace bb::triggers
