#include "src/triggers/admin_page_handler.hpp"

#include "src/http/problem.hpp"
#include "src/http/static_files.hpp"

namespace bb::triggers {

namespace {

constexpr std::string_view kBase = "/_admin";

// The embedded file a path names: /_admin and /_admin/ are the page itself.
std::string_view file_for(std::string_view path) {
  if (path == kBase || path == "/_admin/") return "index.html";
  if (!path.starts_with("/_admin/")) return {};
  std::string_view name = path.substr(kBase.size() + 1);
  return admin_asset(name) ? name : std::string_view();
}

void security_headers(http::Exchange& ex) {
  // Same origin only: no CDN, no inline script or style, never framed (clickjacking the
  // dashboard's buttons), no Referer to other hosts.
  ex.response.set_header(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
      "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  ex.response.set_header("X-Content-Type-Options", "nosniff");
  ex.response.set_header("X-Frame-Options", "DENY");
  ex.response.set_header("Referrer-Policy", "no-referrer");
}

}  // namespace

std::vector<std::string> AdminPageHandler::paths() {
  std::vector<std::string> out = {std::string(kBase), std::string(kBase) + "/"};
  for (std::string_view name : admin_asset_names())
    out.push_back(std::string(kBase) + "/" + std::string(name));
  return out;
}

void AdminPageHandler::handle(http::Exchange& ex) {
  const std::string_view file = file_for(ex.path());
  if (file.empty()) {
    http::set_problem(
        ex, Error(ErrorCode::not_found, "no such file in the dashboard").with_code("not_found"),
        404, ex.path(), ex.header("traceparent").value_or(""));
    return ex.finish();
  }
  if (ex.method() != "GET" && ex.method() != "HEAD") {
    ex.response.set_header("Allow", "GET, HEAD");
    http::set_problem(ex,
                      Error(ErrorCode::invalid_argument, "the dashboard's files are read with GET")
                          .with_code("method_not_allowed"),
                      405, ex.path(), ex.header("traceparent").value_or(""));
    return ex.finish();
  }
  security_headers(ex);
  // The files change only with the binary: "no-cache" plus the ETag's 304 costs one small round
  // trip and never shows a stale page.
  ex.response.set_header("Cache-Control", "no-cache");
  http::set_embedded(ex, admin_asset(file), http::content_type_for(file));
  ex.finish();
}

}  // namespace bb::triggers
