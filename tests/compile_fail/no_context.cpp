// Must NOT compile: two parameters, but the second is not bb::Context&.
// Expected: "the handler must be callable as (const In&, bb::Context&)".
#include "bunbase/core/action.hpp"

namespace compile_fail {
struct In {
  std::string name;
};
BOOST_DESCRIBE_STRUCT(In, (), (name))
struct Out {
  std::string id;
};
BOOST_DESCRIBE_STRUCT(Out, (), (id))

bb::Action no_context() {
  return bb::action<In, Out>({.name = "noContext"},
                             [](const In&, const std::string&) { return Out{}; });
}
}  // namespace compile_fail
