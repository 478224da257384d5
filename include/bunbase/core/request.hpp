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
  // The peer's address (the socket's, not a forwarded header).
  virtual std::string_view ip() const = 0;
  virtual std::string_view body() const = 0;
  // A path parameter of the matched route ("orgId" for "/orgs/:orgId"), decoded.
  virtual std::optional<std::string_view> param(std::string_view /*name*/) const { return std::nullopt; }
};

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
