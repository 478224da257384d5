// The compiled form of a schema: a tree of nodes built once per C++ type, used to validate
// JSON, to emit JSON Schema and to guide decoding. Built by bb::schema_of<T>(); users rarely
// touch it directly.
//
//   const bb::Schema& s = bb::schema_of<CreateUserInput>();
//   std::vector<bb::ValidationIssue> issues;
//   bb::validate(s.root(), json, issues);
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/schema/types.hpp"

namespace bb {

struct CompiledPattern;  // a regular expression, compiled once (schema/node.cpp)

enum class SchemaKind { string, integer, number, boolean, enumeration, array, object, map, one_of, any };

struct SchemaNode {
  struct Property {
    std::string name;
    const SchemaNode* node = nullptr;
    bool required = true;
  };

  SchemaKind kind = SchemaKind::any;
  bool nullable = false;   // also accepts JSON null (std::optional outside an object)
  std::string title;       // the C++ type's name, for described structs and enums
  bool secret = false;     // bb::Secret<T>: never recorded (see redact_secrets)

  // string
  std::optional<std::size_t> min_length, max_length;
  std::string pattern;
  std::shared_ptr<const CompiledPattern> regex;
  StringFormat format = StringFormat::none;
  std::string_view format_name;  // extra JSON Schema "format" for integers (int32, int64)

  // integer (exact) and number
  std::optional<std::int64_t> int_minimum, int_maximum;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum;

  // enumeration
  std::vector<std::string> enum_values;

  // array (items), map (items holds the value schema)
  const SchemaNode* items = nullptr;
  std::optional<std::size_t> min_items, max_items;

  // object
  std::vector<Property> properties;
  bool additional_properties = false;

  // one_of
  std::vector<const SchemaNode*> alternatives;

  const Property* find_property(std::string_view name) const;
};

// Owns every node of one type's schema. Nodes never move once made.
class Schema {
 public:
  Schema() = default;
  Schema(Schema&&) = default;  // a deque keeps its elements' addresses when moved
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;
  SchemaNode& make() { return nodes_.emplace_back(); }
  const SchemaNode& root() const { return *root_; }
  void set_root(const SchemaNode* n);
  // Some node is a bb::Secret: values of this schema need redact_secrets() before being kept.
  bool has_secrets() const { return has_secrets_; }

  // JSON Schema (draft 2020-12 vocabulary, as OpenAPI 3.1 uses it).
  boost::json::value to_json_schema() const;

 private:
  std::deque<SchemaNode> nodes_;
  const SchemaNode* root_ = nullptr;
  bool has_secrets_ = false;
};

// Compiles a pattern (ECMAScript syntax); throws std::invalid_argument when it is invalid.
std::shared_ptr<const CompiledPattern> compile_pattern(std::string_view pattern);

struct ValidationIssue {
  std::string path;     // JSON pointer, "" for the whole document
  std::string message;
};

// Appends every failure of `value` against `node` to `issues`; returns true when none.
bool validate(const SchemaNode& node, const boost::json::value& value,
              std::vector<ValidationIssue>& issues);

// Same check, stops at the first failure and reports nothing (used to pick a oneOf branch).
bool matches(const SchemaNode& node, const boost::json::value& value);

boost::json::value to_json_schema(const SchemaNode& node);

// Replaces every value the schema marks secret (bb::Secret) by "[redacted]", in place. `value`
// is expected to match `node` (a validated input or output); what does not is left alone.
void redact_secrets(const SchemaNode& node, boost::json::value& value);

}  // namespace bb
