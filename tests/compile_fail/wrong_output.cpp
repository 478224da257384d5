// Must NOT compile: the handler returns Other while the action declares Out.
// Expected: "the handler must return the action's declared output type".
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

bb::Action wrong_output() {
  return bb::action<In, Out>({.name = "wrongOutput"},
                             [](const In&, bb::Context&) { return Other{}; });
}
}  // namespace compile_fail
