// Must NOT compile: the output type is a plain struct without BOOST_DESCRIBE_STRUCT.
// Expected: "this type has no schema".
#include "bunbase/core/action.hpp"

namespace compile_fail {
struct In {
  std::string name;
};
BOOST_DESCRIBE_STRUCT(In, (), (name))
struct Plain {  // not described
  std::string id;
};

bb::Action no_schema_output() {
  return bb::action<In, Plain>({.name = "noSchemaOutput"},
                               [](const In&, bb::Context&) { return Plain{}; });
}
}  // namespace compile_fail
