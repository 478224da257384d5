// `bunbase new <name>`: a working app from templates/app (compiled into the command), with
// {{name}} replaced: CMake, bunbase.toml, one module with two actions, a migration, a test.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bb::cli {

// Lower-case letters, digits and '-', starting with a letter: a CMake target, a binary and a
// folder name alike.
bool valid_app_name(std::string_view name);

// Writes the app into `dir` (created; it must not exist or be empty) and returns the files
// written, relative to it. Throws std::runtime_error for a bad name or a folder in the way.
std::vector<std::string> write_new_app(std::string_view name, const std::filesystem::path& dir);

}  // namespace bb::cli
