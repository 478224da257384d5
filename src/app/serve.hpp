// `serve`: migrations (unless configured off), the HTTP server and the worker pool, until
// SIGINT or SIGTERM; then stop accepting, finish in-flight requests, flush, exit 0.
#pragma once

#include "bunbase/runtime/app.hpp"

namespace bb {
int serve(App& app);
}
