#include "src/app/listings.hpp"

#include <algorithm>
#include <cstdio>

#include "bunbase/core/registry.hpp"

namespace bb {

namespace {

using Row = std::vector<std::string>;

// Left-aligned columns, the last one unpadded; "-" for an empty cell.
void print_table(const Row& header, std::vector<Row> rows) {
  std::vector<std::size_t> width(header.size());
  for (auto& r : rows)
    for (auto& cell : r)
      if (cell.empty()) cell = "-";
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const auto& r : rows) width[i] = std::max(width[i], r[i].size());
  }
  auto print = [&](const Row& r) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print(header);
  for (const auto& r : rows) print(r);
}

std::string guard_names(const RegisteredAction& a) {
  std::string out;
  for (const auto& g : a.guards) out += (out.empty() ? "" : ", ") + g.name;
  return out;
}

}  // namespace

void print_actions(const App& app) {
  std::vector<Row> rows;
  for (const auto& a : app.registry().actions()) {
    std::string triggers;
    for (const auto& t : a->action->options.triggers) {
      std::string d = t.describe();
      if (const auto* api = std::get_if<ApiTrigger>(&t.spec)) d = "api " + api->method + " " + join_path(a->api_prefix(), api->path);
      triggers += (triggers.empty() ? "" : ", ") + d;
    }
    rows.push_back({a->name(), std::string(a->module_name()), triggers, guard_names(*a)});
  }
  print_table({"ACTION", "MODULE", "TRIGGERS", "GUARDS"}, std::move(rows));
}

void print_routes(const App& app) {
  std::vector<Row> rows;
  for (const auto& r : app.registry().routes())
    rows.push_back({r.method, r.path, r.action->name() + (r.webhook ? " (webhook)" : ""), guard_names(*r.action)});
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a[1] < b[1]; });
  const Config& c = app.config();
  rows.push_back({"GET", "/healthz", "(process up)", ""});
  rows.push_back({"GET", "/readyz", "(database ready)", ""});
  rows.push_back({"GET", "/openapi.json", "(OpenAPI document)", ""});
  rows.push_back({"GET", "/docs", "(API reference)", ""});
  if (c.dashboard.enabled) rows.push_back({"GET", "/_admin", "(developer dashboard)", ""});
  if (c.mcp.enabled) rows.push_back({"POST", c.mcp.path, "(MCP, Streamable HTTP)", ""});
  print_table({"METHOD", "PATH", "ACTION", "GUARDS"}, std::move(rows));
}

}  // namespace bb
