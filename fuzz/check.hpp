// The fuzz targets' oracle: a property that must hold for every input. A broken one prints what
// and where, then aborts, which libFuzzer reports as a crash and saves the input for.
//
//   FUZZ_CHECK(parsed.trace_id.size() == 32, "trace id of %zu characters", parsed.trace_id.size());
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "\n%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                   \
      std::fprintf(stderr, "\n");                                                          \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
