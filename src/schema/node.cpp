#include "bunbase/schema/node.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <regex>
#include <stdexcept>

#include "bunbase/schema/schema.hpp"
#include "src/schema/formats.hpp"

namespace bb {

struct CompiledPattern {
  std::regex re;
};

std::shared_ptr<const CompiledPattern> compile_pattern(std::string_view pattern) {
  // libstdc++'s default matcher backtracks by recursion, a few frames per input character: a
  // string of 30,000 characters against the auth module's scope pattern overflowed the stack
  // and took the server down, and "^(a+)+$" took seconds on 25 characters. __polynomial selects
  // its automaton matcher instead: constant stack, time linear in the input for an anchored
  // pattern. It has no back-references, which are refused here rather than matched that way.
  try {
    return std::make_shared<CompiledPattern>(CompiledPattern{std::regex(
        pattern.begin(), pattern.end(), std::regex::ECMAScript | std::regex_constants::__polynomial)});
  } catch (const std::regex_error& e) {
    if (e.code() == std::regex_constants::error_complexity)
      throw std::invalid_argument("invalid pattern \"" + std::string(pattern) +
                                  "\": back-references are not supported");
    throw std::invalid_argument("invalid pattern \"" + std::string(pattern) + "\": " + e.what());
  }
}

const SchemaNode::Property* SchemaNode::find_property(std::string_view name) const {
  for (const auto& p : properties)
    if (p.name == name) return &p;
  return nullptr;
}

SchemaError::SchemaError(std::vector<ValidationIssue> i)
    : std::runtime_error(i.empty() ? "invalid value" : (i.front().path.empty() ? "" : i.front().path + ": ") + i.front().message),
      issues(std::move(i)) {}

namespace detail {
void throw_decode_error(std::string_view expected, const boost::json::value& v) {
  throw DecodeError("expected " + std::string(expected) + ", got " + boost::json::serialize(v));
}
}  // namespace detail

namespace {

// JSON pointer escaping (RFC 6901): "~" -> "~0", "/" -> "~1".
void append_pointer_token(std::string& path, std::string_view token) {
  path += '/';
  for (char c : token) {
    if (c == '~') path += "~0";
    else if (c == '/') path += "~1";
    else path += c;
  }
}

const char* type_name_of(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "integer";
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
  }
  return "value";
}

const char* expected_name(SchemaKind k) {
  switch (k) {
    case SchemaKind::string: case SchemaKind::enumeration: return "string";
    case SchemaKind::integer: return "integer";
    case SchemaKind::number: return "number";
    case SchemaKind::boolean: return "boolean";
    case SchemaKind::array: return "array";
    case SchemaKind::object: case SchemaKind::map: return "object";
    default: return "value";
  }
}

// The shortest text that reads back as the same double ("0.1234567", "1e-07", "10").
std::string fmt_number(double d) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, p);
}

// A walker that either collects every issue (issues != nullptr) or stops at the first.
class Validator {
 public:
  explicit Validator(std::vector<ValidationIssue>* issues) : issues_(issues) {}

  bool check(const SchemaNode& n, const boost::json::value& v) {
    if (v.is_null() && (n.nullable || n.kind == SchemaKind::any)) return true;
    switch (n.kind) {
      case SchemaKind::any: return true;
      case SchemaKind::boolean:
        return v.is_bool() || fail_type(n, v);
      case SchemaKind::string: return check_string(n, v);
      case SchemaKind::enumeration: return check_enum(n, v);
      case SchemaKind::integer: return check_integer(n, v);
      case SchemaKind::number: return check_number(n, v);
      case SchemaKind::array: return check_array(n, v);
      case SchemaKind::object: return check_object(n, v);
      case SchemaKind::map: return check_map(n, v);
      case SchemaKind::one_of: return check_one_of(n, v);
    }
    return true;
  }

 private:
  bool fail(std::string message) {
    if (issues_) issues_->push_back({path_, std::move(message)});
    return false;
  }
  bool fail_type(const SchemaNode& n, const boost::json::value& v) {
    if (!issues_) return false;
    return fail(std::string("expected ") + expected_name(n.kind) + (n.nullable ? " or null" : "") +
                ", got " + type_name_of(v));
  }

  bool check_string(const SchemaNode& n, const boost::json::value& v) {
    if (!v.is_string()) return fail_type(n, v);
    std::string_view s(v.get_string().data(), v.get_string().size());
    bool ok = true;
    // JSON allows "\u0000"; no database text column does (PostgreSQL refuses it, C APIs cut
    // the string there), so it is refused here, once, with the field's path.
    if (s.find('\0') != std::string_view::npos) return fail("must not contain the NUL character (U+0000)");
    if (n.min_length || n.max_length) {
      std::size_t len = utf8_length(s);
      if (n.min_length && len < *n.min_length) {
        ok = fail("must be at least " + std::to_string(*n.min_length) + " character" + (*n.min_length == 1 ? "" : "s") + " long");
        if (!issues_) return false;
      }
      if (n.max_length && len > *n.max_length) {
        ok = fail("must be at most " + std::to_string(*n.max_length) + " character" + (*n.max_length == 1 ? "" : "s") + " long");
        if (!issues_) return false;
      }
    }
    if (n.regex && !std::regex_search(s.begin(), s.end(), n.regex->re)) {
      ok = fail("must match the pattern " + n.pattern);
      if (!issues_) return false;
    }
    if (n.format != StringFormat::none && !check_format(n.format, s)) {
      ok = fail(std::string("must be a valid ") + format_name(n.format));
    }
    return ok;
  }

  bool check_enum(const SchemaNode& n, const boost::json::value& v) {
    if (v.is_string()) {
      std::string_view s(v.get_string().data(), v.get_string().size());
      for (const auto& e : n.enum_values)
        if (e == s) return true;
    }
    if (!issues_) return false;
    std::string allowed;
    for (const auto& e : n.enum_values) allowed += (allowed.empty() ? "" : ", ") + e;
    return fail("must be one of: " + allowed);
  }

  bool check_integer(const SchemaNode& n, const boost::json::value& v) {
    std::int64_t i;
    if (v.is_int64()) {
      i = v.get_int64();
    } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      i = static_cast<std::int64_t>(v.get_uint64());  // how unsigned fields are encoded
    } else if (v.is_uint64()) {
      if (n.format_name == "uint64") return true;  // std::uint64_t takes the whole range
      return fail("must be at most " + std::to_string(INT64_MAX));
    } else if (v.is_double() && std::trunc(v.get_double()) == v.get_double() &&
               std::abs(v.get_double()) < 9.2e18) {
      i = static_cast<std::int64_t>(v.get_double());
    } else {
      return fail_type(n, v);
    }
    bool ok = true;
    if (n.int_minimum && i < *n.int_minimum) {
      ok = fail("must be at least " + std::to_string(*n.int_minimum));
      if (!issues_) return false;
    }
    if (n.int_maximum && i > *n.int_maximum) {
      ok = fail("must be at most " + std::to_string(*n.int_maximum));
      if (!issues_) return false;
    }
    return check_bounds(n, static_cast<double>(i)) && ok;
  }

  bool check_number(const SchemaNode& n, const boost::json::value& v) {
    if (!v.is_number()) return fail_type(n, v);
    return check_bounds(n, v.to_number<double>());
  }

  bool check_bounds(const SchemaNode& n, double d) {
    bool ok = true;
    if (n.minimum && d < *n.minimum) ok = fail("must be at least " + fmt_number(*n.minimum));
    if (n.maximum && d > *n.maximum) ok = fail("must be at most " + fmt_number(*n.maximum)) && ok;
    if (n.exclusive_minimum && d <= *n.exclusive_minimum)
      ok = fail("must be greater than " + fmt_number(*n.exclusive_minimum)) && ok;
    if (n.exclusive_maximum && d >= *n.exclusive_maximum)
      ok = fail("must be less than " + fmt_number(*n.exclusive_maximum)) && ok;
    return ok;
  }

  bool check_array(const SchemaNode& n, const boost::json::value& v) {
    if (!v.is_array()) return fail_type(n, v);
    const auto& a = v.get_array();
    bool ok = true;
    if (n.min_items && a.size() < *n.min_items)
      ok = fail("must have at least " + std::to_string(*n.min_items) + " items");
    if (n.max_items && a.size() > *n.max_items)
      ok = fail("must have at most " + std::to_string(*n.max_items) + " items") && ok;
    if (!ok && !issues_) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::size_t mark = path_.size();
      if (issues_) path_ += '/' + std::to_string(i);
      ok = check(*n.items, a[i]) && ok;
      path_.resize(mark);
      if (!ok && !issues_) return false;
    }
    return ok;
  }

  bool check_object(const SchemaNode& n, const boost::json::value& v) {
    if (!v.is_object()) return fail_type(n, v);
    const auto& o = v.get_object();
    bool ok = true;
    for (const auto& p : n.properties) {
      std::size_t mark = path_.size();
      if (issues_) append_pointer_token(path_, p.name);
      if (const auto* child = o.if_contains(p.name)) {
        ok = check(*p.node, *child) && ok;
      } else if (p.required) {
        ok = fail("is required");
      }
      path_.resize(mark);
      if (!ok && !issues_) return false;
    }
    if (!n.additional_properties) {
      for (const auto& kv : o) {
        if (n.find_property(kv.key())) continue;
        std::size_t mark = path_.size();
        if (issues_) append_pointer_token(path_, kv.key());
        ok = fail("is not an allowed property");
        path_.resize(mark);
        if (!issues_) return false;
      }
    }
    return ok;
  }

  bool check_map(const SchemaNode& n, const boost::json::value& v) {
    if (!v.is_object()) return fail_type(n, v);
    bool ok = true;
    for (const auto& kv : v.get_object()) {
      std::size_t mark = path_.size();
      if (issues_) append_pointer_token(path_, kv.key());
      ok = check(*n.items, kv.value()) && ok;
      path_.resize(mark);
      if (!ok && !issues_) return false;
    }
    return ok;
  }

  bool check_one_of(const SchemaNode& n, const boost::json::value& v) {
    int matched = 0;
    for (const auto* alt : n.alternatives) matched += matches(*alt, v) ? 1 : 0;
    if (matched == 1) return true;
    if (matched == 0) return fail("must match exactly one of the allowed shapes, matches none");
    return fail("must match exactly one of the allowed shapes, matches " + std::to_string(matched));
  }

  std::vector<ValidationIssue>* issues_;
  std::string path_;
};

boost::json::value node_schema(const SchemaNode& n) {
  boost::json::object o;
  auto set_type = [&](const char* t) {
    if (n.nullable) o["type"] = boost::json::array{t, "null"};
    else o["type"] = t;
  };
  if (!n.title.empty()) o["title"] = n.title;
  switch (n.kind) {
    case SchemaKind::any:
      break;
    case SchemaKind::boolean: set_type("boolean"); break;
    case SchemaKind::string:
      set_type("string");
      if (n.min_length) o["minLength"] = *n.min_length;
      if (n.max_length) o["maxLength"] = *n.max_length;
      if (!n.pattern.empty()) o["pattern"] = n.pattern;
      if (n.format != StringFormat::none) o["format"] = format_name(n.format);
      else if (n.secret) o["format"] = "password";  // OpenAPI's hint: UIs mask it
      break;
    case SchemaKind::enumeration: {
      set_type("string");
      boost::json::array e;
      for (const auto& v : n.enum_values) e.emplace_back(v);
      if (n.nullable) e.emplace_back(nullptr);
      o["enum"] = std::move(e);
      break;
    }
    case SchemaKind::integer:
    case SchemaKind::number:
      set_type(n.kind == SchemaKind::integer ? "integer" : "number");
      if (!n.format_name.empty()) o["format"] = n.format_name;
      if (n.int_minimum) o["minimum"] = *n.int_minimum;
      if (n.int_maximum) o["maximum"] = *n.int_maximum;
      if (n.minimum) o["minimum"] = *n.minimum;
      if (n.maximum) o["maximum"] = *n.maximum;
      if (n.exclusive_minimum) {
        if (n.kind == SchemaKind::integer) o["exclusiveMinimum"] = static_cast<std::int64_t>(*n.exclusive_minimum);
        else o["exclusiveMinimum"] = *n.exclusive_minimum;
      }
      if (n.exclusive_maximum) {
        if (n.kind == SchemaKind::integer) o["exclusiveMaximum"] = static_cast<std::int64_t>(*n.exclusive_maximum);
        else o["exclusiveMaximum"] = *n.exclusive_maximum;
      }
      break;
    case SchemaKind::array:
      set_type("array");
      o["items"] = node_schema(*n.items);
      if (n.min_items) o["minItems"] = *n.min_items;
      if (n.max_items) o["maxItems"] = *n.max_items;
      break;
    case SchemaKind::object: {
      set_type("object");
      boost::json::object props;
      boost::json::array required;
      for (const auto& p : n.properties) {
        props[p.name] = node_schema(*p.node);
        if (p.required) required.emplace_back(p.name);
      }
      o["properties"] = std::move(props);
      if (!required.empty()) o["required"] = std::move(required);
      o["additionalProperties"] = n.additional_properties;
      break;
    }
    case SchemaKind::map:
      set_type("object");
      o["additionalProperties"] = node_schema(*n.items);
      break;
    case SchemaKind::one_of: {
      boost::json::array alts;
      for (const auto* a : n.alternatives) alts.push_back(node_schema(*a));
      if (n.nullable) alts.push_back(boost::json::object{{"type", "null"}});
      o["oneOf"] = std::move(alts);
      break;
    }
  }
  return o;
}

}  // namespace

bool validate(const SchemaNode& node, const boost::json::value& value,
              std::vector<ValidationIssue>& issues) {
  std::size_t before = issues.size();
  Validator(&issues).check(node, value);
  return issues.size() == before;
}

bool matches(const SchemaNode& node, const boost::json::value& value) {
  return Validator(nullptr).check(node, value);
}

boost::json::value to_json_schema(const SchemaNode& node) { return node_schema(node); }

namespace {

bool holds_secret(const SchemaNode& n, int depth = 0) {
  if (n.secret) return true;
  if (depth > 64) return false;  // schemas are trees; this only bounds a pathological one
  if (n.items && holds_secret(*n.items, depth + 1)) return true;
  for (const auto& p : n.properties)
    if (holds_secret(*p.node, depth + 1)) return true;
  for (const auto* a : n.alternatives)
    if (holds_secret(*a, depth + 1)) return true;
  return false;
}

}  // namespace

void Schema::set_root(const SchemaNode* n) {
  root_ = n;
  has_secrets_ = n && holds_secret(*n);
}

void redact_secrets(const SchemaNode& node, boost::json::value& value) {
  if (value.is_null()) return;
  if (node.secret) {
    value = "[redacted]";
    return;
  }
  switch (node.kind) {
    case SchemaKind::object:
      if (auto* o = value.if_object())
        for (const auto& p : node.properties)
          if (auto* v = o->if_contains(p.name)) redact_secrets(*p.node, *v);
      break;
    case SchemaKind::map:
      if (auto* o = value.if_object())
        for (auto& kv : *o) redact_secrets(*node.items, kv.value());
      break;
    case SchemaKind::array:
      if (auto* a = value.if_array())
        for (auto& item : *a) redact_secrets(*node.items, item);
      break;
    case SchemaKind::one_of:
      for (const auto* alt : node.alternatives)
        if (matches(*alt, value)) {
          redact_secrets(*alt, value);
          break;
        }
      break;
    default:
      break;
  }
}

boost::json::value Schema::to_json_schema() const {
  boost::json::object o;
  o["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  boost::json::value root = node_schema(*root_);  // a named value: the loop must not outlive it
  for (auto& kv : root.as_object()) o[kv.key()] = std::move(kv.value());
  return o;
}

}  // namespace bb
