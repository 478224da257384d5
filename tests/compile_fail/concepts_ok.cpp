// bb::HandlerFor<F, In, Out> checked at compile time: which handler shapes an action accepts.
// Compiled in the normal build; a wrong answer is a build error.
#include "types.hpp"

namespace compile_fail {

template <class F>
constexpr bool kHandles = bb::HandlerFor<F, In, Out>;

struct Functor {
  Out operator()(const In&, bb::Context&) const { return {}; }
};

// Accepted.
static_assert(kHandles<decltype([](const In&, bb::Context&) { return Out{}; })>);
static_assert(kHandles<decltype([](const In&, bb::Context&) -> bb::Result<Out> { return Out{}; })>);
static_assert(kHandles<decltype([](In, bb::Context&) { return Out{}; })>);    // by value
static_assert(kHandles<decltype([](const auto&, auto&) { return Out{}; })>);  // generic
static_assert(kHandles<decltype([n = 0](const In&, bb::Context&) mutable {
  ++n;
  return Out{};
})>);
static_assert(kHandles<Out (*)(const In&, bb::Context&)>);
static_assert(kHandles<Functor>);
static_assert(bb::HandlerFor<decltype([](const bb::Empty&, bb::Context&) { return bb::Empty{}; }),
                             bb::Empty, bb::Empty>);

// Rejected: wrong input type.
static_assert(!kHandles<decltype([](const Other&, bb::Context&) { return Out{}; })>);
static_assert(!kHandles<decltype([](In&, bb::Context&) { return Out{}; })>);  // must take const
// Rejected: wrong output type.
static_assert(!kHandles<decltype([](const In&, bb::Context&) { return Other{}; })>);
static_assert(
    !kHandles<decltype([](const In&, bb::Context&) -> bb::Result<Other> { return Other{}; })>);
static_assert(!kHandles<decltype([](const In&, bb::Context&) {})>);  // void
static_assert(!kHandles<decltype([](const In&, bb::Context&) -> const Out& {
  static Out o;
  return o;
})>);
static_assert(!kHandles<decltype([](const In&, bb::Context&) { return std::string(); })>);
// Rejected: wrong arity or no Context&.
static_assert(!kHandles<decltype([](const In&) { return Out{}; })>);
static_assert(!kHandles<decltype([](bb::Context&) { return Out{}; })>);
static_assert(!kHandles<decltype([]() { return Out{}; })>);
static_assert(!kHandles<decltype([](const In&, int) { return Out{}; })>);
static_assert(!kHandles<decltype([](const In&, bb::Context&, int) { return Out{}; })>);
static_assert(!kHandles<decltype([](bb::Context&, const In&) { return Out{}; })>);  // order
// Rejected: not callable at all.
static_assert(!kHandles<int>);
static_assert(!kHandles<Out>);
}  // namespace compile_fail
