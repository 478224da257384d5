// Must NOT compile: the handler takes Other while the action declares In.
// Expected: "the handler must be callable as (const In&, bb::Context&)".
#include "types.hpp"

namespace compile_fail {

bb::Action wrong_input() {
  return bb::action<In, Out>({.name = "wrongInput"},
                             [](const Other&, bb::Context&) { return Out{}; });
}
}  // namespace compile_fail
