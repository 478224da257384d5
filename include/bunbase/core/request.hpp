// What an action sees of the transport that invoked it, when there is one (api, webhook):
// ctx.request to read headers, cookies and the client address; ctx.response to set the status,
// headers and cookies. Protocol-neutral views; the HTTP layer implements them.
//
//   if (auto ua = ctx.request->header("user-agent")) ...
//   ctx.response->set_cookie("theme", "dark", {.max_age = 3600});
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

class Request {
 public:
  virtual ~Request() = default;
  virtual std::string_view method() const = 0;
  virtual std::string_view path() const = 0;
  // Case-insensitive header lookup.
  virtual std::optional<std::string_view> header(std::string_view name) const = 0;
  virtual std::optional<std::string_view> cookie(std::string_view name) const = 0;
  // The client's address: the socket peer's, or, when the peer is one of [http]
  // trusted_proxies, the address that proxy forwarded (Forwarded, X-Forwarded-For, X-Real-IP).
  virtual std::string_view ip() const = 0;
  // The socket peer's address, whatever the headers say.
  virtual std::string_view peer_ip() const { return ip(); }
  // "http" or "https" as the client used it (X-Forwarded-Proto / Forwarded proto= from a
  // trusted proxy), and the host it addressed ("api.example.com:8443"; the Host header, or
  // X-Forwarded-Host / Forwarded host= from a trusted proxy). Lower case.
  virtual std::string_view scheme() const { return "http"; }
  virtual std::string_view host() const { return header("host").value_or(std::string_view()); }
  // Whether the request carries any forwarding header (Forwarded, X-Forwarded-*, X-Real-IP),
  // trusted or not: such a request came through a proxy and is never "from this machine".
  virtual bool forwarded() const { return false; }
  virtual std::string_view body() const = 0;
  // A path parameter of the matched route ("orgId" for "/orgs/:orgId"), decoded.
  virtual std::optional<std::string_view> param(std::string_view /*name*/) const { return std::nullopt; }

  // scheme://host as the client sees this app ("https://api.example.com").
  std::string origin() const;
  // The peer is a loopback address and no proxy forwarded the request.
  bool from_this_machine() const;
  // Whether `origin` (an Origin header's value) is this app's own origin (origin()), compared
  // case-insensitively with default ports (:80, :443) left out.
  bool is_own_origin(std::string_view origin) const;
  // Whether the Host names this machine (localhost, 127.x, [::1]) or the app's public address
  // (`public_url`, "https://api.example.com"). A page that rebinds its own name to 127.0.0.1
  // (DNS rebinding) still sends that name: privileged surfaces trust "from this machine" only
  // with a Host of ours.
  bool host_is_ours(std::string_view public_url) const;
  // Whether a browser sent this from a page of another origin: `Sec-Fetch-Site: cross-site`,
  // or an Origin that is not ours.
  bool from_another_site() const;
};

// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool is_loopback_ip(std::string_view ip);
// A host (as in Host or an origin, port allowed) that names this machine: localhost (and
// *.localhost), 127.x.y.z, [::1].
bool is_loopback_host(std::string_view host);
// "HTTPS://Example.com:443" -> "https://example.com"; "" when it is not scheme://host[:port].
std::string normalize_origin(std::string_view origin);

struct CookieOptions {
  std::optional<long> max_age;   // seconds; 0 deletes the cookie
  std::string path = "/";
  std::string domain;
  bool http_only = true;
  bool secure = true;
  std::string same_site = "Lax";  // Strict | Lax | None
};

class Response {
 public:
  // 0 keeps the trigger's default (200, or what the route declares).
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  void set_header(std::string name, std::string value);
  // Throws std::invalid_argument for a name or value that cannot be sent in a cookie.
  void set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});
};

}  // namespace bb
