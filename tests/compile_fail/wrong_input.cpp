// Must NOT compile: the handler takes Other while the action declares In.
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
struct Other {
  int x = 0;
};
BOOST_DESCRIBE_STRUCT(Other, (), (x))

bb::Action wrong_input() {
  return bb::action<In, Out>({.name = "wrongInput"},
                             [](const Other&, bb::Context&) { return Out{}; });
}
}  // namespace compile_fail
