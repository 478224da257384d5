// The message framing rules of RFC 9112 that the parser leaves to us, checked on a request's
// header before any of its body is read: exactly one Host (HTTP/1.1), Transfer-Encoding only as
// a single final "chunked" (never with Content-Length, never in HTTP/1.0), one Content-Length.
// A request that breaks one is answered and its connection closed, so that no byte after it is
// read as another request (request smuggling).
//
//   if (auto e = check_framing(parser.get(), parser.get().version())) refuse(e->status, ...);
#pragma once

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>

namespace bb::http {

struct FramingError {
  int status;          // 400, or 501 for a transfer coding we do not implement
  std::string code;    // "missing_host", "repeated_host", "bad_transfer_encoding", ...
  std::string detail;  // for the problem document
};

std::optional<FramingError> check_framing(const boost::beast::http::fields& fields, unsigned version);

}  // namespace bb::http
