// Response compression: gzip (zlib) and Brotli (libbrotli), negotiated by Accept-Encoding with
// q-values, for compressible content types above a size threshold. Exchange::finish() applies
// it to every whole response (never to streamed ones); pre-compressed static bodies are used
// as they are.
//
//   Server::Options o;
//   o.compression = {.enabled = true, .min_size = 1024};
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bb::http {

class Exchange;

struct CompressionOptions {
  bool enabled = true;
  std::size_t min_size = 1024;  // smaller bodies are sent as they are
  int gzip_level = 6;           // 1..9
  // 0..11, for bodies made per request: quality 2 gives gzip 6's size on JSON in a third of its
  // time (bench/README.md); the embedded files are compressed at 11 when the binary is built.
  int brotli_quality = 2;
};

enum class Encoding { identity, gzip, br };

// The encoding to answer with for an Accept-Encoding header (absent: identity), preferring br
// over gzip at equal q; identity unless one of them is acceptable.
Encoding negotiate(std::string_view accept_encoding, bool allow_br = true);

// Whether a Content-Type is worth compressing (text, JSON, JavaScript, SVG, XML, ...).
bool compressible_type(std::string_view content_type);

// Whole-buffer encoders (compression_codecs.cpp, also built into the bunbase-compress tool that
// pre-compresses the embedded assets): a gzip member (RFC 1952) and a Brotli stream (RFC 7932).
std::string gzip_encode(std::string_view data, int level = 6);
std::string brotli_encode(std::string_view data, int quality = 2);

// The decoders, for tests and tools: nullopt when `data` is not one whole valid stream or would
// decode to more than `max_size` bytes.
std::optional<std::string> gzip_decode(std::string_view data,
                                       std::size_t max_size = std::size_t{1} << 28);
std::optional<std::string> brotli_decode(std::string_view data,
                                         std::size_t max_size = std::size_t{1} << 28);

}  // namespace bb::http
