#include "bunbase/core/action.hpp"

#include <cctype>
#include <stdexcept>

namespace bb::detail {

Action make_action(ActionOptions options, const Schema& in, const Schema& out,
                   std::function<void(const boost::json::value&, Context&, boost::json::value&)> fn,
                   std::source_location where) {
  if (options.name.empty()) throw std::invalid_argument("an action needs a name");
  for (unsigned char c : options.name)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-')
      throw std::invalid_argument("action name \"" + options.name +
                                  "\" may only contain letters, digits, '_', '.' and '-'");
  auto def = std::make_shared<ActionDef>();
  def->options = std::move(options);
  def->input = &in;
  def->output = &out;
  def->invoke = std::move(fn);
  def->where = where;
  return def;
}

}  // namespace bb::detail
