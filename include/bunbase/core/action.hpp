// An action: a name, an input type, an output type and a function, plus the triggers that
// invoke it and the guards that protect it. Schemas and validators are built here, once.
//
//   bb::Action create_user() {
//     return bb::action<CreateUserInput, CreateUserOutput>(
//         {.name = "createUser", .triggers = {bb::triggers::api("POST", "/", {.status = 201})}},
//         [](const CreateUserInput& in, bb::Context& ctx) -> CreateUserOutput { ... });
//   }
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "bunbase/core/context.hpp"
#include "bunbase/core/guard.hpp"
#include "bunbase/core/result.hpp"
#include "bunbase/core/trigger.hpp"
#include "bunbase/schema/schema.hpp"

namespace bb {

// For actions without input or output: serialises as {}.
struct Empty {};
BOOST_DESCRIBE_STRUCT(Empty, (), ())

struct ActionOptions {
  std::string name;
  std::string description;
  std::vector<Trigger> triggers;
  std::vector<Guard> guards;
  // The scope an API key with scopes must carry to run this action ("account:manage"), for an
  // action no has_permission() guard covers. A scoped key is denied by default: without either,
  // only unscoped keys and sessions may run it (403 insufficient_scope).
  std::string scope;
  // Run the handler on the network thread instead of the worker pool: only for short,
  // CPU-only handlers (no database, no I/O), where the hop to a worker costs more than it saves.
  bool run_inline = false;
  // Property names whose values never reach the run history (passwords, tokens, keys): replaced
  // by "[redacted]" wherever they appear in the recorded input and output.
  std::vector<std::string> redact;
  // False: runs are not written to the run history (the dashboard's own API, which would
  // otherwise fill the history it shows with its own reads).
  bool record = true;
};

struct ActionDef {
  ActionOptions options;
  const Schema* input = nullptr;
  const Schema* output = nullptr;
  // Decodes validated input, runs the handler, encodes its output into `out`.
  std::function<void(const boost::json::value& in, Context& ctx, boost::json::value& out)> invoke;
  std::source_location where;

  const std::string& name() const { return options.name; }
};

using Action = std::shared_ptr<const ActionDef>;

// A handler for In -> Out: callable as (const In&, Context&), returning Out or Result<Out>.
template <class F, class In, class Out>
concept HandlerFor =
    std::invocable<F&, const In&, Context&> &&
    (std::same_as<std::invoke_result_t<F&, const In&, Context&>, Out> ||
     std::same_as<std::invoke_result_t<F&, const In&, Context&>, Result<Out>>);

namespace detail {
Action make_action(ActionOptions options, const Schema& in, const Schema& out,
                   std::function<void(const boost::json::value&, Context&, boost::json::value&)> fn,
                   std::source_location where);
}

template <class In, class Out, class F>
Action action(ActionOptions options, F handler,
              std::source_location where = std::source_location::current()) {
  static_assert(std::invocable<F&, const In&, Context&>,
                "bunbase: the handler must be callable as (const In&, bb::Context&), with In the "
                "action's declared input type");
  if constexpr (std::invocable<F&, const In&, Context&>) {
    using R = std::invoke_result_t<F&, const In&, Context&>;
    static_assert(std::same_as<R, Out> || std::same_as<R, Result<Out>>,
                  "bunbase: the handler must return the action's declared output type Out "
                  "(or bb::Result<Out>)");
  }
  if constexpr (!HandlerFor<F, In, Out>) {
    return nullptr;  // the static_asserts above have said why; stop here
  } else {
    return detail::make_action(
        std::move(options), schema_of<In>(), schema_of<Out>(),
        [h = std::move(handler)](const boost::json::value& raw, Context& ctx, boost::json::value& out) mutable {
          const Schema& in_schema = schema_of<In>();
          In in{};
          detail::decode(in_schema.root(), raw, in);
          if constexpr (std::same_as<std::invoke_result_t<F&, const In&, Context&>, Out>) {
            detail::encode(h(std::as_const(in), ctx), out);
          } else {
            Result<Out> r = h(std::as_const(in), ctx);
            if (!r.ok()) throw r.error();
            detail::encode(r.value(), out);
          }
        },
        where);
  }
}

}  // namespace bb
