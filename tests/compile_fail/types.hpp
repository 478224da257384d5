// The types the compile-fail cases share: a described input, output and unrelated struct.
#pragma once

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
}  // namespace compile_fail
