// Must NOT compile: the input type is a plain struct without BOOST_DESCRIBE_STRUCT, so bunbase
// cannot derive a schema (validation, decoding, JSON Schema) from it.
// Expected: "this type has no schema".
#include "types.hpp"

namespace compile_fail {
struct Plain {  // not described
  std::string name;
};

bb::Action no_schema() {
  return bb::action<Plain, Out>({.name = "noSchema"},
                                [](const Plain&, bb::Context&) { return Out{}; });
}
}  // namespace compile_fail
