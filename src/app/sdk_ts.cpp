#include "src/app/sdk_ts.hpp"

#include <boost/json/serialize.hpp>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace bb {

namespace json = boost::json;

namespace {

// The fixed part of the client. Its own minimal fetch types keep it free of the DOM and Node
// typings; the global fetch (browsers, Node >= 18, Bun, Deno) is assignable to FetchLike.
constexpr std::string_view kRuntime = R"ts(
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials?: "include" | "omit" | "same-origin";
}
export interface FetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export interface ClientOptions {
  /** Where the app is served, e.g. "https://api.example.com" (no trailing path needed). */
  baseUrl: string;
  /** A session token or API key, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Sent with every request (e.g. `X-Org-Id`). */
  headers?: Record<string, string>;
  /** Cookie auth: "include" (the default) sends the session cookie cross-origin too. */
  credentials?: "include" | "omit" | "same-origin";
}

export interface CallOptions {
  /** Sent with this request only, on top of the client's headers. */
  headers?: Record<string, string>;
}

export interface Client {
  readonly options: Readonly<ClientOptions>;
  /** Uses this bearer token from now on (undefined: cookie auth only). */
  setToken(token: string | undefined): void;
  request(method: string, path: string, query: Record<string, unknown> | undefined,
          body: unknown, call: CallOptions | undefined): Promise<unknown>;
}

export interface ProblemIssue {
  path?: string;
  message?: string;
}

/** A failed call: the problem+json body the server answered (RFC 9457) and its fields. */
export class BunbaseError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly title: string;
  readonly type: string;
  readonly errors: ProblemIssue[];
  readonly traceId: string | undefined;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || "HTTP " + problem.status);
    this.name = "BunbaseError";
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.title = problem.title;
    this.type = problem.type;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.traceId = problem.traceId;
  }
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  const add = (key: string, value: unknown) => {
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(text));
  };
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) value.forEach((v) => add(key, v));
    else add(key, value);
  }
  return parts.length ? "?" + parts.join("&") : "";
}

function toProblem(status: number, text: string): Problem {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const fallback = { type: "about:blank", title: "HTTP " + status, status, detail: text, code: "http_" + status };
  if (typeof body !== "object" || body === null) return fallback;
  return { ...fallback, ...(body as Partial<Problem>), status } as Problem;
}

export function createClient(options: ClientOptions): Client {
  let token = options.token;
  const base = options.baseUrl.replace(/\/+$/, "");
  return {
    options,
    setToken(next) {
      token = next;
    },
    async request(method, path, query, body, call) {
      const doFetch = options.fetch ?? (globalThis as unknown as { fetch: FetchLike }).fetch;
      const headers: Record<string, string> = { Accept: "application/json", ...options.headers, ...call?.headers };
      if (token !== undefined) headers["Authorization"] = "Bearer " + token;
      const init: FetchInit = { method, headers, credentials: options.credentials ?? "include" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await doFetch(base + path + queryString(query), init);
      const text = await response.text();
      if (!response.ok) throw new BunbaseError(toProblem(response.status, text));
      return text ? JSON.parse(text) : undefined;
    },
  };
}

function pick(input: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (keys.includes(key)) out[key] = value;
  return out;
}

function omit(input: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (!keys.includes(key)) out[key] = value;
  return out;
}
)ts";

// Names the runtime exports: a schema or an operation with one of them gets a suffix.
const std::set<std::string, std::less<>> kTaken = {
    "FetchInit", "FetchResponse", "FetchLike",    "ClientOptions", "CallOptions",
    "Client",    "ProblemIssue",  "BunbaseError", "createClient",  "queryString",
    "toProblem", "pick",          "omit"};

const std::set<std::string, std::less<>> kReserved = {
    "break",      "case",    "catch",     "class",    "const", "continue",   "debugger",
    "default",    "delete",  "do",        "else",     "enum",  "export",     "extends",
    "false",      "finally", "for",       "function", "if",    "import",     "in",
    "instanceof", "new",     "null",      "return",   "super", "switch",     "this",
    "throw",      "true",    "try",       "typeof",   "var",   "void",       "while",
    "with",       "let",     "static",    "yield",    "await", "implements", "interface",
    "package",    "private", "protected", "public"};

bool ident_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         (!first && c >= '0' && c <= '9');
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!ident_char(s[i], i == 0)) return false;
  return !kReserved.contains(s);
}

// A component or operation name as a TypeScript identifier that no runtime export uses.
std::string identifier(std::string_view name, std::string_view suffix) {
  std::string out;
  for (char c : name) out += ident_char(c, out.empty()) ? c : '_';
  if (out.empty() || !ident_char(out[0], true)) out.insert(0, "_");
  if (kTaken.contains(out) || kReserved.contains(out)) out += suffix;
  return out;
}

std::string quote(std::string_view s) { return json::serialize(json::string(s)); }

std::string property_key(std::string_view name) {
  return is_identifier(name) ? std::string(name) : quote(name);
}

// A JSDoc comment, or nothing; `*/` in the text cannot end it early.
std::string doc_comment(const json::object& o, std::string_view indent) {
  auto* d = o.if_contains("description");
  if (!d || !d->is_string() || d->as_string().empty()) return "";
  std::string text(d->as_string());
  for (std::size_t at = 0; (at = text.find("*/", at)) != std::string::npos;)
    text.replace(at, 2, "*\\/");
  for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 1)
    text.replace(at, 1, " ");
  return std::string(indent) + "/** " + text + " */\n";
}

bool listed(const json::object& o, std::string_view key, std::string_view name) {
  auto* a = o.if_contains(key);
  if (!a || !a->is_array()) return false;
  for (const auto& e : a->as_array())
    if (e.is_string() && e.as_string() == name) return true;
  return false;
}

std::string ts_type(const json::value& schema, int depth);

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

std::string object_type(const json::object& o, int depth) {
  std::string pad(2 * (depth + 1), ' ');
  std::string out = "{\n";
  bool any = false;
  if (auto* props = o.if_contains("properties"); props && props->is_object()) {
    for (const auto& kv : props->as_object()) {
      any = true;
      if (kv.value().is_object()) out += doc_comment(kv.value().as_object(), pad);
      out += pad + property_key(kv.key()) + (listed(o, "required", kv.key()) ? ": " : "?: ") +
             ts_type(kv.value(), depth + 1) + ";\n";
    }
  }
  auto* extra = o.if_contains("additionalProperties");
  bool closed = extra && extra->is_bool() && !extra->as_bool();
  if (!any) {
    if (closed) return "Record<string, never>";
    if (extra && extra->is_object()) return "Record<string, " + ts_type(*extra, depth) + ">";
    return "Record<string, unknown>";
  }
  if (extra && !closed) out += pad + "[key: string]: unknown;\n";
  return out + std::string(2 * depth, ' ') + "}";
}

// One `type` keyword value ("string", "object", ...) with the schema's other keywords.
std::string single_type(std::string_view type, const json::object& o, int depth) {
  if (type == "string") return "string";
  if (type == "number" || type == "integer") return "number";
  if (type == "boolean") return "boolean";
  if (type == "null") return "null";
  if (type == "array") {
    auto* items = o.if_contains("items");
    return "Array<" + (items ? ts_type(*items, depth) : std::string("unknown")) + ">";
  }
  if (type == "object") return object_type(o, depth);
  return "unknown";
}

std::string union_of(const json::array& schemas, int depth, std::string_view sep) {
  std::vector<std::string> parts;
  for (const auto& s : schemas) parts.push_back("(" + ts_type(s, depth) + ")");
  return parts.empty() ? "unknown" : join(parts, sep);
}

std::string ts_type(const json::value& schema, int depth) {
  if (schema.is_bool()) return schema.as_bool() ? "unknown" : "never";
  if (!schema.is_object()) return "unknown";
  const auto& o = schema.as_object();
  if (auto* ref = o.if_contains("$ref"); ref && ref->is_string()) {
    std::string_view r = ref->as_string();
    return identifier(r.substr(r.rfind('/') + 1), "Schema");
  }
  if (auto* c = o.if_contains("const")) return json::serialize(*c);
  if (auto* e = o.if_contains("enum"); e && e->is_array()) {
    std::vector<std::string> parts;
    for (const auto& v : e->as_array())
      parts.push_back(v.is_object() || v.is_array() ? "unknown" : json::serialize(v));
    return parts.empty() ? "never" : join(parts, " | ");
  }
  if (auto* a = o.if_contains("anyOf"); a && a->is_array())
    return union_of(a->as_array(), depth, " | ");
  if (auto* a = o.if_contains("oneOf"); a && a->is_array())
    return union_of(a->as_array(), depth, " | ");
  if (auto* a = o.if_contains("allOf"); a && a->is_array())
    return union_of(a->as_array(), depth, " & ");
  auto* t = o.if_contains("type");
  if (t && t->is_string()) return single_type(t->as_string(), o, depth);
  if (t && t->is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : t->as_array())
      if (e.is_string()) parts.push_back(single_type(e.as_string(), o, depth));
    return parts.empty() ? "unknown" : join(parts, " | ");
  }
  if (o.contains("properties")) return object_type(o, depth);
  return "unknown";
}

const json::object* object_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

// The success response's schema, or null when it has no JSON content (204, queued webhooks).
const json::value* success_schema(const json::object& op) {
  auto* responses = object_at(op, "responses");
  if (!responses) return nullptr;
  for (const auto& kv : *responses) {
    if (kv.key().empty() || kv.key()[0] != '2' || !kv.value().is_object()) continue;
    auto* content = object_at(kv.value().as_object(), "content");
    auto* media = content ? object_at(*content, "application/json") : nullptr;
    return media ? media->if_contains("schema") : nullptr;
  }
  return nullptr;
}

std::string string_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& n : names) quoted.push_back(quote(n));
  return "[" + join(quoted, ", ") + "]";
}

// One exported async function for one operation.
std::string operation(std::string_view path, std::string_view method, const json::object& op,
                      std::set<std::string, std::less<>>& types) {
  std::string id = op.contains("operationId") && op.at("operationId").is_string()
                       ? std::string(op.at("operationId").as_string())
                       : std::string(method) + std::string(path);
  std::string name = identifier(id, "Operation");

  // Input: path and query parameters as one object type, intersected with the body's type.
  std::vector<std::string> path_names, query_names;
  std::string params;
  bool required_input = false;
  if (auto* ps = op.if_contains("parameters"); ps && ps->is_array()) {
    for (const auto& pv : ps->as_array()) {
      if (!pv.is_object()) continue;
      const auto& p = pv.as_object();
      std::string in = p.contains("in") ? std::string(p.at("in").as_string()) : "";
      std::string pname = p.contains("name") ? std::string(p.at("name").as_string()) : "";
      if (in != "path" && in != "query") continue;  // headers and cookies: CallOptions
      (in == "path" ? path_names : query_names).push_back(pname);
      bool required = in == "path" || (p.contains("required") && p.at("required") == true);
      required_input = required_input || required;
      params += doc_comment(p, "  ");
      params += "  " + property_key(pname) + (required ? ": " : "?: ") +
                (p.contains("schema") ? ts_type(p.at("schema"), 1) : "string") + ";\n";
    }
  }
  std::vector<std::string> input_parts;
  if (!params.empty()) input_parts.push_back("{\n" + params + "}");
  const json::value* body = nullptr;
  if (auto* rb = object_at(op, "requestBody")) {
    auto* content = object_at(*rb, "content");
    auto* media = content ? object_at(*content, "application/json") : nullptr;
    body = media ? media->if_contains("schema") : nullptr;
    if (body) {
      input_parts.push_back(ts_type(*body, 0));
      required_input = required_input || (rb->contains("required") && rb->at("required") == true);
    }
  }
  const json::value* out_schema = success_schema(op);
  std::string output = out_schema ? ts_type(*out_schema, 0) : "void";

  std::string type_base(name);
  type_base[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type_base[0])));
  auto fresh = [&types](std::string n) {
    while (types.contains(n)) n += "_";
    types.insert(n);
    return n;
  };
  std::string input_type = fresh(type_base + "Request"),
              output_type = fresh(type_base + "Response");
  std::string upper(method);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  std::string out = "\n";
  if (!input_parts.empty())
    out += "export type " + input_type + " = " + join(input_parts, " & ") + ";\n";
  out += "export type " + output_type + " = " + output + ";\n\n";
  std::string summary = op.contains("summary") && op.at("summary").is_string()
                            ? std::string(op.at("summary").as_string())
                            : "";
  out +=
      "/** " + upper + " " + std::string(path) + (summary.empty() ? "" : ": " + summary) + " */\n";
  out += "export async function " + name + "(client: Client";
  if (!input_parts.empty())
    out += required_input ? ", input: " + input_type : ", input: " + input_type + " = {}";
  out += ", options?: CallOptions): Promise<" + output_type + "> {\n";

  // Path: each {name} replaced by its URL-encoded value.
  std::string url = "\"";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      std::size_t end = path.find('}', i);
      std::string pname(path.substr(i + 1, end - i - 1));
      url += "\" + encodeURIComponent(String(input[" + quote(pname) + "])) + \"";
      i = end;
    } else if (path[i] == '"' || path[i] == '\\') {
      url += std::string("\\") + path[i];
    } else {
      url += path[i];
    }
  }
  url += "\"";
  std::string query = "undefined", payload = "undefined";
  if (!input_parts.empty()) {
    bool has_body = body != nullptr;
    if (!query_names.empty()) query = "pick(input, " + string_list(query_names) + ")";
    if (has_body)
      payload = path_names.empty() ? "input" : "omit(input, " + string_list(path_names) + ")";
  }
  out += "  return (await client.request(" + quote(upper) + ", " + url + ", " + query + ", " +
         payload + ", options)) as " + output_type + ";\n}\n";
  return out;
}

}  // namespace

std::string typescript_sdk(const json::object& openapi) {
  std::string title = "API";
  if (auto* info = object_at(openapi, "info"); info && info->contains("title"))
    title = std::string(info->at("title").as_string());
  std::string out = "// " + title +
                    ": a TypeScript client generated by `sdk --lang ts` from the app's OpenAPI "
                    "document. Do not edit.\n/* eslint-disable */\n";

  out += "\n// ---- Types (components.schemas) ----\n";
  bool has_problem = false;
  std::set<std::string, std::less<>> types(kTaken.begin(), kTaken.end());
  if (auto* comps = object_at(openapi, "components"))
    if (auto* schemas = object_at(*comps, "schemas"))
      for (const auto& kv : *schemas) {
        std::string name = identifier(kv.key(), "Schema");
        has_problem = has_problem || name == "Problem";
        types.insert(name);
        out += "\n";
        if (kv.value().is_object()) out += doc_comment(kv.value().as_object(), "");
        std::string type = ts_type(kv.value(), 0);
        if (type.starts_with("{\n"))
          out += "export interface " + name + " " + type + "\n";
        else
          out += "export type " + name + " = " + type + ";\n";
      }
  if (!has_problem)
    out +=
        "\nexport interface Problem {\n  type: string;\n  title: string;\n  status: number;\n"
        "  detail: string;\n  code: string;\n  traceId?: string;\n  errors?: Array<ProblemIssue>;\n"
        "  [key: string]: unknown;\n}\n";

  out += "\n// ---- Client ----\n";
  out += kRuntime;

  out += "\n// ---- Operations ----\n";
  if (auto* paths = object_at(openapi, "paths"))
    for (const auto& p : *paths) {
      if (!p.value().is_object()) continue;
      for (const auto& m : p.value().as_object()) {
        static const std::set<std::string_view> kMethods = {"get",   "put",  "post",   "delete",
                                                            "patch", "head", "options"};
        if (!kMethods.contains(m.key()) || !m.value().is_object()) continue;
        out += operation(p.key(), m.key(), m.value().as_object(), types);
      }
    }
  return out;
}

void write_typescript_sdk(const json::object& openapi, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  auto file = dir / "index.ts";
  std::ofstream out(file, std::ios::binary);
  out << typescript_sdk(openapi);
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace bb
