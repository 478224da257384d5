// The development front door: GET / (when no route or static file owns it) answers a small
// page that links the API reference, the dashboard and the OpenAPI document, and shows how to
// connect an MCP client. Production has no such page: / stays a 404 unless something owns it.
//
//   adapter.add_fallback([&](http::Exchange& ex) { return front_page.serve(ex); });
#pragma once

#include <string>

#include "src/http/exchange.hpp"

namespace bb::triggers {

struct FrontPageOptions {
  std::string app_name;
  bool dashboard = true;   // link /_admin
  std::string mcp_path;    // empty: MCP is off
};

class FrontPage {
 public:
  explicit FrontPage(FrontPageOptions options);
  // Takes GET and HEAD of "/" (finishing the exchange); false for anything else.
  bool serve(http::Exchange& ex) const;

 private:
  FrontPageOptions options_;
};

}  // namespace bb::triggers
