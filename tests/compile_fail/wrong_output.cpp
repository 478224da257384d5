// Must NOT compile: the handler returns Other while the action declares Out.
// Expected: "the handler must return the action's declared output type".
#include "types.hpp"

namespace compile_fail {

bb::Action wrong_output() {
  return bb::action<In, Out>({.name = "wrongOutput"},
                             [](const In&, bb::Context&) { return Other{}; });
}
}  // namespace compile_fail
