#include <bunbase/bunbase.hpp>

namespace {
struct Hello {
  std::string message;
};
BOOST_DESCRIBE_STRUCT(Hello, (), (message))
}  // namespace

BUNBASE_ACTION(hello) {
  return bb::action<bb::Empty, Hello>(
      {.name = "hello",
       .triggers = {bb::triggers::api("GET", "/hello")},
       .run_inline = true},
      [](const bb::Empty&, bb::Context&) { return Hello{"hello"}; });
}
