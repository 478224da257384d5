// Types are the schema: from a described C++ type, its compiled schema (validator + JSON
// Schema) and the JSON codec. Schemas are built once per type and cached.
//
//   const bb::Schema& s = bb::schema_of<CreateUserInput>();
//   boost::json::value js = s.to_json_schema();
//   CreateUserInput in = bb::from_json<CreateUserInput>(value);   // validates, throws
//   boost::json::value out = bb::to_json(in);
#pragma once

#include "bunbase/schema/detail/build.hpp"
#include "bunbase/schema/detail/codec.hpp"
#include "bunbase/schema/node.hpp"
#include "bunbase/schema/types.hpp"

namespace bb {

// Built on first use (thread-safe), then shared by every user of the type.
template <class T>
const Schema& schema_of() {
  static const Schema schema = [] {
    Schema s;
    s.set_root(detail::build<T>(s));
    return s;
  }();
  return schema;
}

// Thrown by from_json when the value does not match the type's schema; lists every failure.
struct SchemaError : std::runtime_error {
  std::vector<ValidationIssue> issues;
  explicit SchemaError(std::vector<ValidationIssue> i);
};

template <class T>
T from_json(const boost::json::value& v) {
  const Schema& s = schema_of<T>();
  std::vector<ValidationIssue> issues;
  if (!validate(s.root(), v, issues)) throw SchemaError(std::move(issues));
  T out{};
  detail::decode(s.root(), v, out);
  return out;
}

template <class T>
boost::json::value to_json(const T& in, boost::json::storage_ptr sp = {}) {
  boost::json::value v(std::move(sp));
  detail::encode(in, v);
  return v;
}

}  // namespace bb
