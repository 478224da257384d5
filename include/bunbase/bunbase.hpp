// Everything an application writes against: actions, modules, triggers, guards, the context,
// errors, schema types and the database. Include this in action and module files.
//
//   #include <bunbase/bunbase.hpp>
//   BUNBASE_ACTION(hello) {
//     return bb::action<bb::Empty, Hello>({.name = "hello", .triggers = {bb::triggers::api("GET", "/hello")}},
//                                         [](const bb::Empty&, bb::Context&) { return Hello{"hello"}; });
//   }
#pragma once

#include "bunbase/core/action.hpp"
#include "bunbase/core/context.hpp"
#include "bunbase/core/error.hpp"
#include "bunbase/core/guard.hpp"
#include "bunbase/core/id.hpp"
#include "bunbase/core/module.hpp"
#include "bunbase/core/result.hpp"
#include "bunbase/core/time.hpp"
#include "bunbase/core/trigger.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/schema/schema.hpp"

namespace bunbase = bb;
