// Guards decide who may run an action. A guard is any callable taking Context& that throws
// (bb::GuardError or bb::Error) to refuse; module guards run before action guards.
//
//   .guards = {[](bb::Context& ctx) {
//     if (!ctx.auth.authenticated()) throw bb::GuardError(401, "sign in first");
//   }}
#pragma once

#include <concepts>
#include <functional>
#include <string>

#include "bunbase/core/context.hpp"

namespace bb {

struct Guard {
  std::string name;  // shown by `actions` and the dashboard; "custom" for plain callables
  std::function<void(Context&)> check;

  Guard(std::string n, std::function<void(Context&)> fn) : name(std::move(n)), check(std::move(fn)) {}

  template <class F>
    requires std::invocable<F&, Context&> && (!std::same_as<std::remove_cvref_t<F>, Guard>)
  Guard(F fn) : name("custom"), check(std::move(fn)) {}
};

}  // namespace bb
