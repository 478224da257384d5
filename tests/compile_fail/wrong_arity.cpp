// Must NOT compile: the handler forgets the Context& parameter (one argument, not two).
// Expected: "the handler must be callable as (const In&, bb::Context&)".
#include "types.hpp"

namespace compile_fail {

bb::Action wrong_arity() {
  return bb::action<In, Out>({.name = "wrongArity"}, [](const In&) { return Out{}; });
}
}  // namespace compile_fail
