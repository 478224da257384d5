#include "src/triggers/admin_page_handler.hpp"

#include <cstdint>
#include <cstdio>

#include "src/http/problem.hpp"

namespace bb::triggers {

namespace {

constexpr std::string_view kBase = "/_admin";

std::string_view content_type_of(std::string_view file) {
  auto ends = [&](std::string_view ext) { return file.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

// The embedded file a path names: /_admin and /_admin/ are the page itself.
std::string_view file_for(std::string_view path) {
  if (path == kBase || path == "/_admin/") return "index.html";
  if (!path.starts_with("/_admin/")) return {};
  std::string_view name = path.substr(kBase.size() + 1);
  return admin_asset(name).empty() ? std::string_view() : name;
}

// A strong validator of the file's bytes (FNV-1a, 64 bits): the files change only with the
// binary, so "no-cache" plus a 304 costs one small round trip and never shows a stale page.
std::string etag_of(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
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
  const std::string_view bytes = admin_asset(file);
  const std::string etag = etag_of(bytes);
  security_headers(ex);
  ex.response.set_header("Cache-Control", "no-cache");
  ex.response.set_header("ETag", etag);
  ex.content_type = std::string(content_type_of(file));
  if (ex.header("if-none-match") == std::optional<std::string_view>(etag)) {
    ex.status = 304;
    ex.body_out.clear();
  } else {
    ex.status = 200;
    ex.body_out = std::string(bytes);
  }
  ex.finish();
}

}  // namespace bb::triggers
