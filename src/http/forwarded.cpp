#include "src/http/forwarded.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "src/http/text.hpp"

namespace bb::http {

namespace net = boost::asio;

namespace {

std::optional<net::ip::address_v6> as_v6(std::string_view text) {
  boost::system::error_code ec;
  auto a = net::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) return net::ip::make_address_v6(net::ip::v4_mapped, a.to_v4());
  return a.to_v6();
}

// Splits a header's values at commas, every line of it in order ("a, b" + "c" -> a, b, c).
std::vector<std::string_view> list_values(const boost::beast::http::fields& headers, std::string_view name) {
  std::vector<std::string_view> out;
  auto range = headers.equal_range(boost::beast::string_view(name.data(), name.size()));
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view rest(it->value().data(), it->value().size());
    while (true) {
      auto comma = rest.find(',');
      std::string_view item = trim(rest.substr(0, comma));
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

// One Forwarded element ("for=192.0.2.60;proto=http;by=203.0.113.43"): its for, proto, host.
struct Hop {
  std::string_view node, proto, host;
};

std::string_view unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

std::vector<Hop> forwarded_hops(const boost::beast::http::fields& headers) {
  std::vector<Hop> hops;
  for (std::string_view element : list_values(headers, "forwarded")) {
    Hop hop;
    while (!element.empty()) {
      auto semi = element.find(';');
      std::string_view pair = trim(element.substr(0, semi));
      element = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      std::string key = lower(trim(pair.substr(0, eq)));
      std::string_view value = unquote(pair.substr(eq + 1));
      if (key == "for") hop.node = value;
      else if (key == "proto") hop.proto = value;
      else if (key == "host") hop.host = value;
    }
    hops.push_back(hop);
  }
  return hops;
}

// A scheme or host worth taking from a header: printable, no spaces or separators that would
// let it smuggle a path or a second value.
bool plausible_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  for (unsigned char c : h)
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_')) return false;
  return true;
}

std::string_view header_value(const boost::beast::http::fields& headers, boost::beast::http::field f) {
  auto it = headers.find(f);
  if (it == headers.end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

AddressSet AddressSet::parse(const std::vector<std::string>& cidrs) {
  AddressSet set;
  for (const auto& entry : cidrs) {
    std::string_view text = trim(entry);
    auto slash = text.find('/');
    auto address = as_v6(text.substr(0, slash));
    if (!address) throw std::invalid_argument("\"" + entry + "\" is not an IP address or CIDR range");
    const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
    int prefix = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      std::string_view bits = text.substr(slash + 1);
      auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (ec != std::errc() || p != bits.data() + bits.size() || prefix < 0 || prefix > (v4 ? 32 : 128))
        throw std::invalid_argument("\"" + entry + "\" has an invalid prefix length");
    }
    set.ranges_.push_back({address->to_bytes(), v4 ? prefix + 96 : prefix});
  }
  return set;
}

bool AddressSet::contains(std::string_view ip) const {
  if (ranges_.empty()) return false;
  auto address = as_v6(ip);
  if (!address) return false;
  const auto bytes = address->to_bytes();
  for (const auto& r : ranges_) {
    int bits = r.prefix, i = 0;
    bool match = true;
    for (; bits >= 8 && match; bits -= 8, ++i) match = bytes[i] == r.bytes[i];
    if (match && bits > 0) {
      const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - bits));
      match = (bytes[i] & mask) == (r.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::optional<std::string> parse_node_address(std::string_view node) {
  node = unquote(node);
  if (node.empty()) return std::nullopt;
  std::string_view host = node;
  if (host.front() == '[') {  // "[2001:db8::1]:4711"
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {  // "192.0.2.1:80"
    host = host.substr(0, host.find(':'));
  }
  boost::system::error_code ec;
  auto a = net::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

bool has_forwarding_header(const boost::beast::http::fields& headers) {
  for (std::string_view name : {"forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"})
    if (headers.find(boost::beast::string_view(name.data(), name.size())) != headers.end()) return true;
  return false;
}

ClientView resolve_client(const AddressSet& trusted, std::string_view peer, const boost::beast::http::fields& headers) {
  namespace field = boost::beast::http;
  ClientView view{std::string(peer), "http", lower(trim(header_value(headers, field::field::host)))};
  if (!trusted.contains(peer)) return view;

  // The hops the proxies recorded, nearest last: [client, proxy1, proxy2, ...].
  std::vector<Hop> hops = forwarded_hops(headers);
  if (hops.empty()) {
    auto fors = list_values(headers, "x-forwarded-for");
    auto protos = list_values(headers, "x-forwarded-proto");
    auto hosts = list_values(headers, "x-forwarded-host");
    if (fors.empty())
      if (auto it = headers.find("x-real-ip"); it != headers.end())
        fors.push_back(trim(std::string_view(it->value().data(), it->value().size())));
    for (std::size_t i = 0; i < fors.size(); ++i) hops.push_back({fors[i], {}, {}});
    // A proto/host list as long as the address list speaks hop by hop; otherwise its last value
    // is the nearest proxy's word for the whole request.
    auto assign = [&](const std::vector<std::string_view>& values, std::string_view Hop::*member) {
      if (values.empty()) return;
      if (values.size() == hops.size()) {
        for (std::size_t i = 0; i < hops.size(); ++i) hops[i].*member = values[i];
      } else if (!hops.empty()) {
        for (auto& h : hops) h.*member = values.back();
      } else {
        hops.push_back({{}, {}, {}});
        hops.back().*member = values.back();
      }
    };
    assign(protos, &Hop::proto);
    assign(hosts, &Hop::host);
  }
  if (hops.empty()) return view;

  // Right to left: the first address that is not a trusted proxy is the client. A node that is
  // no address (obfuscated, "unknown") stops the walk: the proxy that forwarded it is the best
  // we know of the client.
  std::size_t chosen = hops.size() - 1;
  for (std::size_t i = hops.size(); i-- > 0;) {
    chosen = i;
    if (hops[i].node.empty()) break;  // proto/host only
    auto address = parse_node_address(hops[i].node);
    if (!address) break;
    view.ip = *address;
    if (!trusted.contains(*address)) break;
  }
  const Hop& hop = hops[chosen];
  if (std::string proto = lower(hop.proto); proto == "http" || proto == "https") view.scheme = proto;
  if (plausible_host(hop.host)) view.host = lower(hop.host);
  return view;
}

}  // namespace bb::http
