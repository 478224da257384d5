#include "bunbase/core/request.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

namespace bb {

namespace {
// RFC 6265: a cookie name is a token; a value is cookie-octets (no CTLs, space, " , ; \).
bool is_token_char(unsigned char c) {
  if (c <= 32 || c >= 127) return false;
  static constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={}";
  return kSeparators.find(static_cast<char>(c)) == std::string_view::npos;
}
bool is_cookie_octet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}
bool is_attribute_safe(std::string_view s) {
  for (unsigned char c : s)
    if (c < 32 || c == ';' || c == 127) return false;
  return true;
}
}  // namespace

void Response::set_header(std::string name, std::string value) {
  for (char c : name + value)
    if (c == '\r' || c == '\n' || c == '\0') throw std::invalid_argument("header contains a line break");
  headers.emplace_back(std::move(name), std::move(value));
}

void Response::set_cookie(std::string_view name, std::string_view value, const CookieOptions& o) {
  if (name.empty()) throw std::invalid_argument("cookie name is empty");
  for (unsigned char c : name)
    if (!is_token_char(c)) throw std::invalid_argument("cookie name has a forbidden character");
  for (unsigned char c : value)
    if (!is_cookie_octet(c)) throw std::invalid_argument("cookie value has a forbidden character");
  if (!is_attribute_safe(o.path) || !is_attribute_safe(o.domain) || !is_attribute_safe(o.same_site))
    throw std::invalid_argument("cookie attribute has a forbidden character");
  std::string h;
  h.append(name).append("=").append(value);
  if (!o.path.empty()) h.append("; Path=").append(o.path);
  if (!o.domain.empty()) h.append("; Domain=").append(o.domain);
  if (o.max_age) h.append("; Max-Age=").append(std::to_string(*o.max_age));
  if (o.http_only) h.append("; HttpOnly");
  if (o.secure) h.append("; Secure");
  if (!o.same_site.empty()) h.append("; SameSite=").append(o.same_site);
  headers.emplace_back("Set-Cookie", std::move(h));
}


namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
// "host:port" -> "host" ("[::1]:3000" -> "[::1]").
std::string_view host_part(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}
}  // namespace

bool is_loopback_ip(std::string_view ip) {
  return ip == "::1" || ip.starts_with("127.") || ip.starts_with("::ffff:127.");
}

bool is_loopback_host(std::string_view host) {
  std::string h = lower(host_part(host));
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is the same name
  return h == "localhost" || h.ends_with(".localhost") || h == "[::1]" ||
         (h.starts_with("127.") && h.find_first_not_of("0123456789.") == std::string::npos);
}

std::string normalize_origin(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string scheme = lower(origin.substr(0, sep));
  std::string_view authority = origin.substr(sep + 3);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string_view::npos) return {};
  std::string a = lower(authority);
  if ((scheme == "http" && a.ends_with(":80")) || (scheme == "https" && a.ends_with(":443")))
    a.resize(a.rfind(':'));
  return scheme + "://" + a;
}

std::string Request::origin() const { return std::string(scheme()) + "://" + std::string(host()); }

bool Request::from_this_machine() const { return !forwarded() && is_loopback_ip(peer_ip()); }

bool Request::host_is_ours(std::string_view public_url) const {
  const std::string_view h = host();
  if (h.empty()) return false;
  if (is_loopback_host(h)) return true;
  if (public_url.empty()) return false;
  // Compared as origins, with the public URL's scheme: "api.example.com:443" is "api.example.com".
  const std::string pub = normalize_origin(public_url);
  const auto sep = pub.find("://");
  return sep != std::string::npos && normalize_origin(pub.substr(0, sep) + "://" + std::string(h)) == pub;
}

bool Request::from_another_site() const {
  if (auto site = header("sec-fetch-site"); site && lower(*site) == "cross-site") return true;
  auto o = header("origin");
  return o && !is_own_origin(*o);
}

bool Request::is_own_origin(std::string_view origin) const {
  if (host().empty()) return false;
  std::string own = normalize_origin(this->origin());
  return !own.empty() && own == normalize_origin(origin);
}

}  // namespace bb
