// bunbase-compress: the build-time compressor of the embedded assets (cmake/EmbedAssets.cmake).
// For every FILE under BASE it writes OUT/FILE.gz (gzip level 9) and OUT/FILE.br (Brotli
// quality 11), or removes them when the encoding would not be smaller than the file itself.
//
//   bunbase-compress OUT BASE index.html app.js ...
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "src/http/compression.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_or_remove(const fs::path& p, const std::string& encoded, std::size_t identity_size) {
  if (encoded.size() >= identity_size) {
    fs::remove(p);
    return;
  }
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(encoded.data(), static_cast<std::streamsize>(encoded.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bunbase-compress OUT BASE FILE...\n");
    return 2;
  }
  try {
    const fs::path out = argv[1], base = argv[2];
    for (int i = 3; i < argc; ++i) {
      const std::string name = argv[i];
      const std::string bytes = read_file(base / name);
      write_or_remove(out / (name + ".gz"), bb::http::gzip_encode(bytes, 9), bytes.size());
      write_or_remove(out / (name + ".br"), bb::http::brotli_encode(bytes, 11), bytes.size());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bunbase-compress: %s\n", e.what());
    return 1;
  }
  return 0;
}
