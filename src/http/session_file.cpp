// The file-body half of a connection (Exchange::file, a static file): the head with the first
// piece, then the rest read in pieces of 64 KiB and written one at a time, so a large download
// holds little memory.
#include <unistd.h>

#include <algorithm>
#include <array>

#include <boost/asio/write.hpp>

#include "src/http/session.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kPiece = 64 * 1024;
}

// The head goes out with the first piece in one write: a small file costs one send, not two.
void Session::write_file() {
  if (!read_file_piece()) return;
  arm_deadline();
  std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(file_piece_)};
  net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->exchange_.close_file();
    self->write_file_piece();
  });
}

// The next piece of the file into file_piece_ (empty at the end). False when the file shrank
// or failed under us: the promised length cannot be kept, the connection is closed.
bool Session::read_file_piece() {
  auto& f = exchange_.file;
  file_piece_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, f.length)));
  if (file_piece_.empty()) return true;
  ssize_t n = ::pread(f.fd, file_piece_.data(), file_piece_.size(), static_cast<off_t>(f.offset));
  if (n <= 0) {
    exchange_.close_file();
    close();
    return false;
  }
  file_piece_.resize(static_cast<std::size_t>(n));
  f.offset += static_cast<std::uint64_t>(n);
  f.length -= static_cast<std::uint64_t>(n);
  return true;
}

void Session::write_file_piece() {
  if (exchange_.file.length == 0) {
    exchange_.close_file();
    return written();
  }
  if (!read_file_piece()) return;
  arm_deadline();
  net::async_write(stream_, net::buffer(file_piece_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->exchange_.close_file();
    self->write_file_piece();
  });
}

}  // namespace bb::http
