// The positive control: the same shapes as the expected-to-fail files, written correctly.
// It is part of the normal build, so a broken harness (include paths, flags) shows up here and
// not as a compile-fail test passing for the wrong reason.
#include "types.hpp"

namespace compile_fail {

Out free_handler(const In& in, bb::Context&) { return Out{.id = in.name}; }

std::vector<bb::Action> handlers_ok() {
  return {
      bb::action<In, Out>({.name = "returnsOut"},
                          [](const In& in, bb::Context&) { return Out{.id = in.name}; }),
      bb::action<In, Out>({.name = "returnsResult"},
                          [](const In&, bb::Context&) -> bb::Result<Out> {
                            return bb::Error(bb::ErrorCode::not_found, "no such thing");
                          }),
      bb::action<In, Out>({.name = "freeFunction"}, &free_handler),
      bb::action<bb::Empty, bb::Empty>({.name = "empty"},
                                       [](const bb::Empty&, bb::Context&) { return bb::Empty{}; }),
  };
}
}  // namespace compile_fail
