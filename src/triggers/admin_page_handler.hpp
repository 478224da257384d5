// The developer dashboard's page at GET /_admin: HTML, CSS and JavaScript modules from
// dashboard/admin, embedded in the library at build time (cmake/EmbedAssets.cmake). The page is
// static and open; the JSON API it reads (/_admin/api) is behind the admin guard.
//
//   triggers::AdminPageHandler admin_page;
//   for (const auto& path : triggers::AdminPageHandler::paths()) adapter.mount(path, admin_page);
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/http/embedded_asset.hpp"
#include "src/http/exchange.hpp"

namespace bb::triggers {

// An embedded file of dashboard/admin by name ("index.html", "runs.js") with its gzip and Brotli
// forms; false when there is none. Defined by the generated <build>/src/admin_asset_embedded.cpp,
// with the list of names.
http::EmbeddedAsset admin_asset(std::string_view name);
std::span<const std::string_view> admin_asset_names();

// GET (or HEAD) of /_admin (index.html) or /_admin/<file> answers the file with its content
// type, an ETag (a 304 for a matching If-None-Match) and the page's security headers,
// compressed when the client accepts it; other paths 404, other methods 405.
class AdminPageHandler final : public http::Handler {
 public:
  // The paths to mount: /_admin, /_admin/ and /_admin/<file> for every embedded file.
  static std::vector<std::string> paths();
  void handle(http::Exchange& ex) override;
};

}  // namespace bb::triggers
