// A module groups actions under a name, an API prefix and shared guards. An app's build finds
// every src/modules/*/_module.cpp; each defines one function with BUNBASE_MODULE.
//
//   BUNBASE_MODULE(users) {
//     return bb::module({.name = "users", .api_prefix = "/users",
//                        .actions = {create_user(), get_user()}});
//   }
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "bunbase/core/action.hpp"
#include "bunbase/core/guard.hpp"

namespace bb {

struct ModuleOptions {
  std::string name;
  std::string description;
  std::string api_prefix;  // "" or "/segment..."
  std::vector<Guard> guards;
  std::vector<Action> actions;
};

struct ModuleDef {
  ModuleOptions options;
  std::source_location where;
  const std::string& name() const { return options.name; }
};

using Module = std::shared_ptr<const ModuleDef>;

Module module(ModuleOptions options, std::source_location where = std::source_location::current());

}  // namespace bb

// Defines the module's function; bunbase_add_app() finds it by this macro and calls it from main.
#define BUNBASE_MODULE(ident) ::bb::Module bunbase_module_##ident()
// Defines a standalone action (src/actions/*.cpp), found the same way.
#define BUNBASE_ACTION(ident) ::bb::Action bunbase_action_##ident()
