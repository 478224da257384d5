// The tables `<app> actions` and `<app> routes` print.
#pragma once

#include "bunbase/runtime/app.hpp"

namespace bb {

// ACTION  MODULE  TRIGGERS  GUARDS, one row per action.
void print_actions(const App& app);
// METHOD  PATH  ACTION  GUARDS, one row per HTTP route: the actions' api and webhook routes,
// then the endpoints the server adds (health, OpenAPI, docs, MCP when enabled).
void print_routes(const App& app);

}  // namespace bb
