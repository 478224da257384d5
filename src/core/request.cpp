#include "bunbase/core/request.hpp"

#include <stdexcept>

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

}  // namespace bb
