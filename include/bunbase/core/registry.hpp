// Every action an app runs, with the module it belongs to and its full guard list (module
// guards, then its own). Built once at start-up; duplicate names or routes are refused there.
//
//   bb::Registry r;
//   r.add(users_module);
//   r.add(standalone_action);
//   r.seal();   // throws naming both places of a duplicate
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bunbase/core/action.hpp"
#include "bunbase/core/module.hpp"

namespace bb {

struct RegisteredAction {
  Action action;
  Module module;               // null for standalone actions
  std::vector<Guard> guards;   // module guards, then action guards, in declaration order
  std::uint32_t index = 0;     // its position in Registry::actions(): a key for per-action tables

  const std::string& name() const { return action->name(); }
  std::string_view module_name() const { return module ? std::string_view(module->name()) : ""; }
  std::string_view api_prefix() const {
    return module ? std::string_view(module->options.api_prefix) : "";
  }
  std::string where() const;  // "file:line"
};

struct Route {
  std::string method;
  std::string path;  // full path: module prefix + trigger path, normalised
  std::string detail;  // "POST /users/:id", the run's trigger detail
  const RegisteredAction* action = nullptr;
  const ApiTrigger* trigger = nullptr;      // an api route, or
  const WebhookTrigger* webhook = nullptr;  // a webhook (always POST)
};

class Registry {
 public:
  void add(Module m);
  void add(Action a);
  // Checks for duplicate names and routes and freezes the registry. Throws std::runtime_error.
  void seal();

  const RegisteredAction* find(std::string_view name) const;
  const std::vector<std::unique_ptr<RegisteredAction>>& actions() const { return actions_; }
  const std::vector<Module>& modules() const { return modules_; }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  void add_action(Action a, Module m);

  std::vector<Module> modules_;
  std::vector<std::unique_ptr<RegisteredAction>> actions_;
  std::unordered_map<std::string_view, const RegisteredAction*> by_name_;
  std::vector<Route> routes_;
  bool sealed_ = false;
};

// Joins a module prefix and a route path: ("/users", "/") -> "/users", ("", "/a/") -> "/a".
std::string join_path(std::string_view prefix, std::string_view path);

}  // namespace bb
