// gzip (zlib's deflate with a gzip wrapper) and Brotli (libbrotlienc/dec) over whole buffers.
// Nothing here knows HTTP: the bunbase-compress build tool links this file alone.
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "src/http/compression.hpp"

namespace bb::http {

namespace {

// zlib counts in uInt: feed and drain at most this much per call.
constexpr std::size_t kZlibChunk = UINT_MAX / 2;

}  // namespace

std::string gzip_encode(std::string_view data, int level) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's; memLevel 8 is the default.
  if (deflateInit2(&zs, std::clamp(level, 1, 9), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  std::size_t in_left = data.size();
  std::size_t written = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_left > 0) {
      zs.avail_in = static_cast<uInt>(std::min(in_left, kZlibChunk));
      in_left -= zs.avail_in;
    }
    if (written == out.size()) out.resize(out.size() * 2 + 64);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    zs.avail_out = static_cast<uInt>(std::min(out.size() - written, kZlibChunk));
    const uInt avail_before = zs.avail_out;
    rc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
    written += avail_before - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      throw std::runtime_error("gzip: deflate failed");
    }
  }
  deflateEnd(&zs);
  out.resize(written);
  return out;
}

std::string brotli_encode(std::string_view data, int quality) {
  // One call: the encoder picks the window from the input size; text mode suits what we send.
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) size = data.size() + 1024;  // the bound overflows only for enormous inputs
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(std::clamp(quality, BROTLI_MIN_QUALITY, BROTLI_MAX_QUALITY),
                             BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    throw std::runtime_error("brotli: compression failed");
  out.resize(size);
  return out;
}

std::optional<std::string> gzip_decode(std::string_view data, std::size_t max_size) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return std::nullopt;
  std::string out(std::min<std::size_t>(std::max<std::size_t>(data.size() * 4, 256), max_size + 1),
                  '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  std::size_t in_left = data.size();
  std::size_t written = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_left > 0) {
      zs.avail_in = static_cast<uInt>(std::min(in_left, kZlibChunk));
      in_left -= zs.avail_in;
    }
    if (written == out.size()) {
      if (out.size() > max_size) break;
      out.resize(std::min(out.size() * 2, max_size + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    zs.avail_out = static_cast<uInt>(std::min(out.size() - written, kZlibChunk));
    const uInt avail_before = zs.avail_out;
    const uInt in_before = zs.avail_in;
    rc = inflate(&zs, Z_NO_FLUSH);
    written += avail_before - zs.avail_out;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0 && in_before == 0)
      break;  // truncated
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
  }
  // One gzip member, nothing after it.
  const bool whole = rc == Z_STREAM_END && zs.avail_in == 0 && in_left == 0 && written <= max_size;
  inflateEnd(&zs);
  if (!whole) return std::nullopt;
  out.resize(written);
  return out;
}

std::optional<std::string> brotli_decode(std::string_view data, std::size_t max_size) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!st) return std::nullopt;
  std::string out;
  std::size_t avail_in = data.size();
  const std::uint8_t* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::size_t avail_out = 0;
    r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, nullptr, nullptr);
    // Take what the decoder holds without copying it into an intermediate buffer.
    std::size_t n = 0;
    while (BrotliDecoderHasMoreOutput(st)) {
      const std::uint8_t* p = BrotliDecoderTakeOutput(st, &n);
      if (out.size() + n > max_size) {
        BrotliDecoderDestroyInstance(st);
        return std::nullopt;
      }
      out.append(reinterpret_cast<const char*>(p), n);
    }
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;  // truncated
  }
  const bool whole = r == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0;
  BrotliDecoderDestroyInstance(st);
  if (!whole) return std::nullopt;
  return out;
}

}  // namespace bb::http
