#include "src/cli/scaffold.hpp"

#include <fstream>
#include <span>
#include <stdexcept>

#include "src/http/embedded_asset.hpp"

namespace bb::cli {

// Generated from templates/app by bunbase_embed_assets (src/cli/CMakeLists.txt); only the
// identity bytes are used (the compressed forms are for served files).
bb::http::EmbeddedAsset app_template(std::string_view name);
std::span<const std::string_view> app_template_names();

namespace fs = std::filesystem;

bool valid_app_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z' || name.back() == '-') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::vector<std::string> write_new_app(std::string_view name, const fs::path& dir) {
  if (!valid_app_name(name))
    throw std::runtime_error("invalid app name \"" + std::string(name) +
                             "\": use lower-case letters, digits and '-', starting with a letter (e.g. my-app)");
  if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir)))
    throw std::runtime_error(dir.string() + " already exists and is not empty");

  std::vector<std::string> written;
  for (std::string_view file : app_template_names()) {
    std::string text(app_template(file).identity);
    for (std::size_t at; (at = text.find("{{name}}")) != std::string::npos;) text.replace(at, 8, name);
    fs::path target = dir / file;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + target.string());
    written.emplace_back(file);
  }
  fs::create_directories(dir / "src" / "actions");
  return written;
}

}  // namespace bb::cli
