#include "src/cli/project.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "src/cli/console.hpp"
#include "src/cli/subprocess.hpp"

namespace bb::cli {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first bunbase_add_app(<name> ...) that is not commented out.
std::string app_name_in(const fs::path& cmakelists) {
  static const std::regex call(R"((^|\n)[ \t]*bunbase_add_app\(\s*([A-Za-z0-9_.+-]+))");
  std::smatch m;
  std::string text = read_text(cmakelists);
  if (std::regex_search(text, m, call)) return m[2];
  return {};
}

// Ninja's "[3/12] Building CXX object CMakeFiles/x.dir/src/a.cpp.o" -> 3, 12 and "src/a.cpp".
bool parse_progress(std::string_view line, int& done, int& total, std::string& what) {
  static const std::regex step(R"(^\[(\d+)/(\d+)\] (.*)$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(line.begin(), line.end(), m, step)) return false;
  done = std::stoi(m[1].str());
  total = std::stoi(m[2].str());
  what = m[3].str();
  static const std::regex object(R"(^Building CXX object .*?\.dir/(.*)\.o$)");
  static const std::regex link(R"(^Linking CXX (executable|static library) (.*)$)");
  std::smatch o;
  if (what.ends_with(".gch")) what = "precompiling headers";
  else if (std::regex_match(what, o, object)) what = "compiling " + o[1].str();
  else if (std::regex_match(what, o, link)) what = "linking " + o[2].str();
  return true;
}

}  // namespace

Project Project::find(const fs::path& start) {
  for (fs::path dir = fs::absolute(start);; dir = dir.parent_path()) {
    fs::path lists = dir / "CMakeLists.txt";
    if (fs::exists(lists)) {
      if (std::string name = app_name_in(lists); !name.empty()) {
        Project p;
        p.root_ = dir;
        p.name_ = name;
        return p;
      }
    }
    if (dir == dir.root_path()) break;
  }
  throw std::runtime_error("no Bunbase app here: no CMakeLists.txt calling bunbase_add_app() in " +
                           fs::absolute(start).string() + " or above (make one with `bunbase new <name>`)");
}

fs::path package_dir() {
  if (const char* env = std::getenv("BUNBASE_CMAKE_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path().parent_path() / "lib" / "cmake" / "bunbase").lexically_normal();
}

BuildResult Project::build(const BuildOptions& options) const {
  BuildResult result;
  Status status;
  const fs::path dir = build_dir(options.release);
  const std::vector<std::pair<std::string, std::string>> env = {
      // ccache can cache sources built with a precompiled header only with these.
      {"CCACHE_SLOPPINESS", "pch_defines,time_macros,include_file_mtime,include_file_ctime"}};

  auto collect = [&](std::string_view line) {
    if (line.starts_with("-- ") || line.starts_with("ninja: build stopped") || line.starts_with("ninja: no work")) return;
    if (line.find("error:") != std::string_view::npos || line.starts_with("CMake Error")) ++result.errors;
    result.diagnostics.emplace_back(line);
  };

  if (!fs::exists(dir / "CMakeCache.txt")) {
    fs::path pkg = package_dir();
    if (!fs::exists(pkg / "bunbaseConfig.cmake"))
      throw std::runtime_error("bunbase's CMake package is not in " + pkg.string() +
                               " (build bunbase first, or set BUNBASE_CMAKE_DIR)");
    status.show("configuring " + name_ + " (" + (options.release ? "release" : "debug") + ")");
    std::vector<std::string> args = {"cmake", "-S", root_.string(), "-B", dir.string(), "-G", "Ninja",
                                     std::string("-DCMAKE_BUILD_TYPE=") + (options.release ? "Release" : "Debug"),
                                     "-Dbunbase_DIR=" + pkg.string()};
    if (!find_program("ccache").empty()) args.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache");
    Child c = Child::spawn(args, {.cwd = root_, .capture = true, .env = env});
    c.read_lines(collect);
    if (c.wait() != 0) {
      status.clear();
      // A half-made cache would make the next attempt skip configuring.
      std::error_code ec;
      fs::remove(dir / "CMakeCache.txt", ec);
      if (result.errors == 0) result.errors = 1;
      return result;
    }
    result.diagnostics.clear();
  }

  std::vector<std::string> args = {"cmake", "--build", dir.string()};
  if (!options.target.empty()) args.insert(args.end(), {"--target", options.target});
  Child c = Child::spawn(args, {.cwd = root_, .capture = true, .env = env});
  // A line after "FAILED: <object>" is the compiler's command line: noise for the reader.
  bool skip_next = false;
  c.read_lines([&](std::string_view line) {
    int done = 0, total = 0;
    std::string what;
    if (parse_progress(line, done, total, what)) {
      if (done == 0) return;  // "[0/2] Re-checking globbed directories...": nothing built yet
      status.show("building " + name_ + " [" + std::to_string(done) + "/" + std::to_string(total) + "] " + what);
      return;
    }
    if (skip_next) {
      skip_next = false;
      return;
    }
    if (line.starts_with("FAILED: ")) {
      skip_next = true;
      return;
    }
    collect(line);
  });
  result.ok = c.wait() == 0;
  status.clear();
  if (!result.ok && result.errors == 0) result.errors = 1;
  return result;
}

void print_build_failure(const BuildResult& result) {
  for (const auto& line : result.diagnostics) std::fprintf(stderr, "%s\n", highlight_diagnostic(line).c_str());
  std::fprintf(stderr, "\n%s\n",
               emphasis("build failed (" + std::to_string(result.errors) + " error" + (result.errors == 1 ? "" : "s") + ")")
                   .c_str());
}

}  // namespace bb::cli
