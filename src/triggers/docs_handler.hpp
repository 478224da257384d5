// The app's API reference page at GET /docs: HTML, JS and CSS from dashboard/docs, embedded in
// the library at build time (cmake/EmbedAssets.cmake), that reads /openapi.json in the browser.
//
//   triggers::DocsHandler docs;
//   for (auto path : triggers::DocsHandler::kPaths) adapter.mount(path, docs);
#pragma once

#include <array>
#include <string_view>

#include "src/http/embedded_asset.hpp"
#include "src/http/exchange.hpp"

namespace bb::triggers {

// An embedded file of dashboard/docs by name ("index.html") with its gzip and Brotli forms;
// false when there is none. Defined by the generated <build>/src/docs_asset_embedded.cpp.
http::EmbeddedAsset docs_asset(std::string_view name);

// GET (or HEAD) of /docs, /docs/docs.js or /docs/docs.css answers the file with its content
// type and an ETag (a 304 for a matching If-None-Match), compressed when the client accepts it;
// other paths 404, other methods 405. Nothing is loaded from another host.
class DocsHandler final : public http::Handler {
 public:
  static constexpr std::array<std::string_view, 3> kPaths = {"/docs", "/docs/docs.js",
                                                             "/docs/docs.css"};
  void handle(http::Exchange& ex) override;
};

}  // namespace bb::triggers
