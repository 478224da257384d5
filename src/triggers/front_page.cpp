#include "src/triggers/front_page.hpp"

#include <algorithm>

namespace bb::triggers {

namespace {

std::string escape_html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

FrontPage::FrontPage(FrontPageOptions options) : options_(std::move(options)) {}

bool FrontPage::serve(http::Exchange& ex) const {
  if (ex.path() != "/" || (ex.method() != "GET" && ex.method() != "HEAD")) return false;
  const std::string name = escape_html(options_.app_name);
  // The MCP URL as this browser reached the app: the client runs on the same machine.
  const std::string base = escape_html(ex.origin());
  std::string page =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + name + "</title><style>"
      "body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}"
      "h1{font-size:1.6rem;margin-bottom:.2rem}p.sub{color:#59636e;margin-top:0}"
      "ul{padding-left:1.2rem}li{margin:.4rem 0}code,pre{font:14px ui-monospace,monospace;background:#f6f8fa;border-radius:6px}"
      "code{padding:.1rem .3rem}pre{padding:.8rem;overflow:auto}a{color:#0969da}"
      "</style></head><body>\n<h1>" + name + "</h1>\n"
      "<p class=\"sub\">is running in <strong>development</strong>. This page is not served in production.</p>\n<ul>\n"
      "<li><a href=\"/docs\">API reference</a>: every route, with forms to try them</li>\n";
  if (options_.dashboard)
    page += "<li><a href=\"/_admin\">Dashboard</a>: actions, runs, logs, traces, jobs and schedules</li>\n";
  page += "<li><a href=\"/openapi.json\">OpenAPI document</a>: for clients and code generators</li>\n"
          "<li><a href=\"/healthz\">/healthz</a> and <a href=\"/readyz\">/readyz</a>: for load balancers</li>\n</ul>\n";
  if (!options_.mcp_path.empty()) {
    const std::string url = base + escape_html(options_.mcp_path);
    page += "<h2>Connect an MCP client</h2>\n<p>Actions with a tool trigger are MCP tools at <code>" + url +
            "</code> (Streamable HTTP). For example, in a client's <code>mcp.json</code>:</p>\n"
            "<pre>{\n  \"mcpServers\": {\n    \"" + name + "\": { \"type\": \"http\", \"url\": \"" + url +
            "\" }\n  }\n}</pre>\n<p>or over stdio: <code>{ \"command\": \"/path/to/" + name +
            "\", \"args\": [\"mcp\"] }</code>.</p>\n";
  }
  page += "</body></html>\n";
  ex.status = 200;
  ex.content_type = "text/html; charset=utf-8";
  ex.body_out = std::move(page);
  ex.response.headers.emplace_back("Cache-Control", "no-store");
  ex.response.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  ex.finish();
  return true;
}

}  // namespace bb::triggers
