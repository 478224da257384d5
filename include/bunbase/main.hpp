// The command line every app gets: serve (default), migrate, actions, run <action>.
// bunbase_add_app() generates the app's main(), which calls it:
//
//   int main(int argc, char** argv) { return bb::main(argc, argv, bunbase_app()); }
#pragma once

#include "bunbase/runtime/app.hpp"

namespace bb {
// Returns the process exit code.
int main(int argc, char** argv, const AppManifest& manifest);
}  // namespace bb
