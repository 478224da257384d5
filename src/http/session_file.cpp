// The file-body half of a connection (Exchange::file, a static file): the head, then the file
// read in pieces of 64 KiB and written one at a time, so a large download holds little memory.
#include <unistd.h>

#include <algorithm>

#include <boost/asio/write.hpp>

#include "src/http/session.hpp"

namespace bb::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kPiece = 64 * 1024;
}

void Session::write_file() {
  arm_deadline();
  net::async_write(stream_, net::buffer(head_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->exchange_.close_file();
    self->write_file_piece();
  });
}

void Session::write_file_piece() {
  auto& f = exchange_.file;
  if (f.length == 0) {
    exchange_.close_file();
    return written();
  }
  file_piece_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, f.length)));
  ssize_t n = ::pread(f.fd, file_piece_.data(), file_piece_.size(), static_cast<off_t>(f.offset));
  if (n <= 0) {  // the file shrank or failed under us: the promised length cannot be kept
    exchange_.close_file();
    return close();
  }
  file_piece_.resize(static_cast<std::size_t>(n));
  f.offset += static_cast<std::uint64_t>(n);
  f.length -= static_cast<std::uint64_t>(n);
  arm_deadline();
  net::async_write(stream_, net::buffer(file_piece_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->exchange_.close_file();
    self->write_file_piece();
  });
}

}  // namespace bb::http
