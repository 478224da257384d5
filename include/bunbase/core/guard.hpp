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
#include <vector>

#include "bunbase/core/context.hpp"

namespace bb {

struct Guard {
  std::string name;  // shown by `actions` and the dashboard; "custom" for plain callables
  std::function<void(Context&)> check;
  // The permissions the guard demands (has_permission, has_any_permission). For an API key with
  // scopes they are the action's scope: the guard checks the key carries them.
  std::vector<std::string> permissions;

  Guard(std::string n, std::function<void(Context&)> fn, std::vector<std::string> perms = {})
      : name(std::move(n)), check(std::move(fn)), permissions(std::move(perms)) {}

  template <class F>
    requires std::invocable<F&, Context&> && (!std::same_as<std::remove_cvref_t<F>, Guard>)
  Guard(F fn) : name("custom"), check(std::move(fn)) {}
};

}  // namespace bb
