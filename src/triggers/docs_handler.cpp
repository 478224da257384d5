#include "src/triggers/docs_handler.hpp"

#include <string>

namespace bb::triggers {

namespace {

struct Asset {
  std::string_view file;
  std::string_view content_type;
};

Asset asset_for(std::string_view path) {
  if (path == "/docs") return {"index.html", "text/html; charset=utf-8"};
  if (path == "/docs/docs.js") return {"docs.js", "text/javascript; charset=utf-8"};
  if (path == "/docs/docs.css") return {"docs.css", "text/css; charset=utf-8"};
  return {};
}

void problem(http::Exchange& ex, int status, std::string_view title, std::string_view code) {
  ex.status = status;
  ex.content_type = "application/problem+json";
  ex.body_out = std::string(R"({"type":"about:blank","title":")") + std::string(title) +
                R"(","status":)" + std::to_string(status) + R"(,"code":")" + std::string(code) +
                "\"}";
}

}  // namespace

void DocsHandler::handle(http::Exchange& ex) {
  Asset a = asset_for(ex.path());
  if (a.file.empty()) {
    problem(ex, 404, "Not Found", "not_found");
  } else if (ex.method() != "GET" && ex.method() != "HEAD") {
    problem(ex, 405, "Method Not Allowed", "method_not_allowed");
  } else {
    http::set_embedded(ex, docs_asset(a.file), a.content_type);
    // Same-origin only: the page works offline and nothing it loads can come from elsewhere.
    ex.response.set_header(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
    ex.response.set_header("Cache-Control", "no-cache");
  }
  ex.finish();
}

}  // namespace bb::triggers
