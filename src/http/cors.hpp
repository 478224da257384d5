// Cross-origin resource sharing ([http.cors]): which browser origins may call the API, with or
// without credentials. Answers preflights (OPTIONS + Access-Control-Request-Method) and adds
// Access-Control-Allow-* to the responses of a listed origin; an origin not listed gets no CORS
// header, so the browser keeps the response from the page.
//
//   Cors cors({.origins = {"https://app.example.com"}, .credentials = true});
//   cors.preflight(ex, "GET, POST");  // the methods of the path
//   cors.decorate(ex);                // on any other response
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/http/exchange.hpp"

namespace bb::http {

struct CorsOptions {
  std::vector<std::string> origins;  // exact origins, or "*" (then never with credentials)
  bool credentials = false;
  std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<std::string> headers;  // empty: the headers the preflight asks for
  std::vector<std::string> expose_headers;
  int max_age = 600;
};

class Cors {
 public:
  explicit Cors(CorsOptions options);

  bool enabled() const { return !origins_.empty() || any_; }
  // A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
  static bool is_preflight(const Exchange& ex);
  // Answers a preflight for a path that accepts `path_methods` ("GET, POST"): 204, with the
  // Access-Control-Allow-* headers when the origin is listed and the method allowed. Finishes.
  void preflight(Exchange& ex, std::string_view path_methods) const;
  // Adds the headers of an actual request from a listed origin (and Vary: Origin).
  void decorate(Exchange& ex) const;

 private:
  // The Access-Control-Allow-Origin value for this request's Origin; empty when not allowed.
  std::string_view allow_origin(const Exchange& ex) const;

  std::vector<std::string> origins_;  // normalized
  bool any_ = false;
  CorsOptions options_;
  std::string methods_, headers_, expose_, max_age_;
};

}  // namespace bb::http
