// The app's OpenAPI 3.1 document, generated from the registry: one operation per api or webhook
// route, JSON Schemas from the actions' types, problem+json errors and security from the guards.
//
//   boost::json::object doc = bb::triggers::openapi_document(app.registry(), {.title =
//   "saas-demo"});
//   // served at GET /openapi.json, printed by `<app> openapi [--out FILE]`
#pragma once

#include <boost/json/object.hpp>
#include <mutex>
#include <string>

#include "bunbase/core/registry.hpp"
#include "src/http/exchange.hpp"

namespace bb::triggers {

struct OpenApiInfo {
  std::string title;              // the app's name
  std::string version = "0.1.0";  // the API's version (info.version)
  std::string description;
  std::string server_url;  // [http] public_url; empty: "/" (the server that serves the document)
};

// Titled schemas (described structs and enums) become components.schemas referenced by $ref;
// two different types with one title stay inline, so every $ref resolves.
boost::json::object openapi_document(const Registry& registry, const OpenApiInfo& info);

// GET (or HEAD) answers the document, built once, as application/json with an ETag (304 on
// If-None-Match), gzip or Brotli when accepted; other methods get 405.
class OpenApiHandler final : public http::Handler {
 public:
  explicit OpenApiHandler(const boost::json::object& document);
  void handle(http::Exchange& ex) override;

 private:
  std::string body_, etag_;
  std::once_flag compressed_;
  std::string gzip_, br_;
};

}  // namespace bb::triggers
