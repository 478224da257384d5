#include "bunbase/core/module.hpp"

#include <stdexcept>

namespace bb {

Module module(ModuleOptions options, std::source_location where) {
  if (options.name.empty()) throw std::invalid_argument("a module needs a name");
  if (!options.api_prefix.empty() && options.api_prefix.front() != '/')
    throw std::invalid_argument("module \"" + options.name + "\": api_prefix \"" +
                                options.api_prefix + "\" must start with '/'");
  for (const auto& a : options.actions)
    if (!a) throw std::invalid_argument("module \"" + options.name + "\" lists a null action");
  return std::make_shared<const ModuleDef>(ModuleDef{std::move(options), where});
}

}  // namespace bb
