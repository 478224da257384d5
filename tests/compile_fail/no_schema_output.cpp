// Must NOT compile: the output type is a plain struct without BOOST_DESCRIBE_STRUCT.
// Expected: "this type has no schema".
#include "types.hpp"

namespace compile_fail {
struct Plain {  // not described
  std::string id;
};

bb::Action no_schema_output() {
  return bb::action<In, Plain>({.name = "noSchemaOutput"},
                               [](const In&, bb::Context&) { return Plain{}; });
}
}  // namespace compile_fail
