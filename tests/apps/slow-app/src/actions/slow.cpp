// POST /slow {"ms": N}: holds its worker for N milliseconds, then answers.
#include <bunbase/bunbase.hpp>

#include <thread>

namespace {
struct SlowInput {
  bb::Int<bb::Minimum<0>, bb::Maximum<5000>> ms;
};
BOOST_DESCRIBE_STRUCT(SlowInput, (), (ms))
struct SlowOutput {
  std::int64_t slept;
};
BOOST_DESCRIBE_STRUCT(SlowOutput, (), (slept))
}  // namespace

BUNBASE_ACTION(slow) {
  return bb::action<SlowInput, SlowOutput>(
      {.name = "slow", .triggers = {bb::triggers::api("POST", "/slow")}},
      [](const SlowInput& in, bb::Context& ctx) {
        std::this_thread::sleep_for(std::chrono::milliseconds(in.ms.value));
        ctx.log.info("woke up");
        return SlowOutput{in.ms.value};
      });
}
