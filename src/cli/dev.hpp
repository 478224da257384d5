// `bunbase dev`: builds the app, migrates, serves it, and watches src/, db/, bunbase.toml and
// CMakeLists.txt; on a change it rebuilds and restarts. A failed build prints the compiler's
// errors and leaves the previous build serving until the next change.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "src/cli/project.hpp"

namespace bb::cli {

struct DevOptions {
  std::vector<std::string> serve_args;  // after `<app> serve`, e.g. {"--port", "3001"}
  std::chrono::milliseconds poll{250};  // how often the files are looked at
};

// Runs until SIGINT or SIGTERM; returns the exit code for the command.
int run_dev(const Project& project, const DevOptions& options);

}  // namespace bb::cli
