// Who the client is behind a reverse proxy: [http] trusted_proxies names the proxies (CIDR
// ranges); only a request whose peer is one of them has its forwarding headers read
// (Forwarded per RFC 7239, else X-Forwarded-For / -Proto / -Host, else X-Real-IP), right to
// left, skipping the hops that are trusted themselves.
//
//   auto trusted = AddressSet::parse({"127.0.0.1/32", "10.0.0.0/8"});
//   ClientView c = resolve_client(trusted, "127.0.0.1", request.base());  // c.ip == "203.0.113.9"
#pragma once

#include <boost/beast/http/fields.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb::http {

// A set of address ranges, IPv4 and IPv6 ("10.0.0.0/8", "::1/128", "192.168.1.7").
class AddressSet {
 public:
  // Throws std::invalid_argument naming the entry that is not an address or a CIDR range.
  static AddressSet parse(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  // `ip` as text ("10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1"); false when it is not one.
  bool contains(std::string_view ip) const;

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes;  // IPv4 as IPv4-mapped IPv6
    int prefix;                          // bits of `bytes` that must match
  };
  std::vector<Range> ranges_;
};

// The request as the client made it.
struct ClientView {
  std::string ip;      // the client's address
  std::string scheme;  // "http" | "https"
  std::string host;    // the host it addressed, lower case ("" when none was sent)
};

// From the socket peer and the request's header fields. When the peer is not trusted, the
// headers are ignored: ip = peer, scheme = "http", host = Host.
ClientView resolve_client(const AddressSet& trusted, std::string_view peer, const boost::beast::http::fields& headers);

// Whether the fields carry any forwarding header (Forwarded, X-Forwarded-For/-Proto/-Host,
// X-Real-IP).
bool has_forwarding_header(const boost::beast::http::fields& headers);

// "[2001:db8::1]:4711", "\"192.0.2.1:80\"", " 10.0.0.1 " -> the bare address; nullopt when the
// text is not an IP address (an obfuscated or "unknown" Forwarded node).
std::optional<std::string> parse_node_address(std::string_view node);

}  // namespace bb::http
