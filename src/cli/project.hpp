// An app folder as the `bunbase` command sees it: the nearest folder (this one or a parent)
// with a CMakeLists.txt that calls bunbase_add_app(<name>), built in <root>/build.
//
//   Project p = Project::find(std::filesystem::current_path());
//   BuildResult r = p.build({.target = p.name});
//   if (!r.ok) print_diagnostics(r);
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bb::cli {

struct BuildOptions {
  std::string target;    // empty: everything (the app and its tests)
  bool release = false;  // build/release with optimisations instead of build/ (debug)
};

struct BuildResult {
  bool ok = false;
  int errors = 0;                        // lines with "error:" in them
  std::vector<std::string> diagnostics;  // the compiler's and CMake's messages, without ninja's noise
};

class Project {
 public:
  // Throws std::runtime_error when no app folder is found from `start` upwards.
  static Project find(const std::filesystem::path& start);

  const std::filesystem::path& root() const { return root_; }
  const std::string& name() const { return name_; }
  std::filesystem::path build_dir(bool release = false) const {
    return release ? root_ / "build" / "release" : root_ / "build";
  }
  std::filesystem::path binary(bool release = false) const { return build_dir(release) / name_; }

  // Configures when needed (first time), then builds, showing progress on stderr.
  BuildResult build(const BuildOptions& options) const;

 private:
  std::filesystem::path root_;
  std::string name_;
};

// Where bunbase's CMake package is: $BUNBASE_CMAKE_DIR, else beside this executable
// (<prefix>/bin/bunbase -> <prefix>/lib/cmake/bunbase, in a build tree and an install alike).
std::filesystem::path package_dir();

// Prints a failed build's diagnostics and a one-line summary on stderr.
void print_build_failure(const BuildResult& result);

}  // namespace bb::cli
