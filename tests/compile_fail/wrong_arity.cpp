// Must NOT compile: the handler forgets the Context& parameter (one argument, not two).
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

bb::Action wrong_arity() {
  return bb::action<In, Out>({.name = "wrongArity"}, [](const In&) { return Out{}; });
}
}  // namespace compile_fail
