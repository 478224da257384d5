// Must NOT compile: two parameters, but the second is not bb::Context&.
// Expected: "the handler must be callable as (const In&, bb::Context&)".
#include "types.hpp"

namespace compile_fail {

bb::Action no_context() {
  return bb::action<In, Out>({.name = "noContext"},
                             [](const In&, const std::string&) { return Out{}; });
}
}  // namespace compile_fail
