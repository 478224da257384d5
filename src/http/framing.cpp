#include "src/http/framing.hpp"

#include <vector>

#include "src/http/text.hpp"

namespace bb::http {

namespace {

namespace bh = boost::beast::http;

std::size_t count(const bh::fields& f, bh::field name) {
  auto range = f.equal_range(name);
  return static_cast<std::size_t>(std::distance(range.first, range.second));
}

// The transfer codings of every Transfer-Encoding line, in order, lower case, parameters dropped.
std::vector<std::string> codings(const bh::fields& f) {
  std::vector<std::string> out;
  auto range = f.equal_range(bh::field::transfer_encoding);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view rest(it->value().data(), it->value().size());
    while (true) {
      auto comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      item = trim(item.substr(0, item.find(';')));
      out.push_back(lower(item));  // empty items too: "chunked," is not "chunked"
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

FramingError bad(std::string code, std::string detail) { return {400, std::move(code), std::move(detail)}; }

}  // namespace

std::optional<FramingError> check_framing(const bh::fields& f, unsigned version) {
  const std::size_t hosts = count(f, bh::field::host);
  if (hosts > 1) return bad("repeated_host", "a request carries one Host header");
  if (hosts == 0 && version >= 11) return bad("missing_host", "an HTTP/1.1 request needs a Host header");

  const std::size_t lengths = count(f, bh::field::content_length);
  if (lengths > 1) return bad("repeated_content_length", "a request carries one Content-Length header");
  if (lengths == 1) {
    const auto v = f[bh::field::content_length];
    if (std::string_view(v.data(), v.size()).find(',') != std::string_view::npos)
      return bad("repeated_content_length", "Content-Length holds one number");
  }

  if (count(f, bh::field::transfer_encoding) == 0) return std::nullopt;
  if (version < 11) return bad("bad_transfer_encoding", "Transfer-Encoding is not part of HTTP/1.0");
  if (lengths > 0) return bad("bad_transfer_encoding", "Transfer-Encoding and Content-Length cannot both frame a request");
  const std::vector<std::string> list = codings(f);
  if (list.empty() || list.back() != "chunked")
    return bad("bad_transfer_encoding", "chunked must be the final transfer coding of a request");
  if (list.size() > 1) {
    for (std::size_t i = 0; i + 1 < list.size(); ++i)
      if (list[i] == "chunked" || list[i].empty())
        return bad("bad_transfer_encoding", "chunked is applied once, last");
    return FramingError{501, "unsupported_transfer_coding",
                        "the transfer coding \"" + list.front() + "\" is not supported: send chunked alone"};
  }
  return std::nullopt;
}

}  // namespace bb::http
