#include "src/http/cors.hpp"

#include <algorithm>
#include <cctype>

#include "src/http/text.hpp"

namespace bb::http {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Whether `list` ("GET, POST") holds `item`.
bool list_has(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (trim(list.substr(0, comma)) == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// A header list a preflight asked for, echoed only when it is made of token characters.
bool is_header_list(std::string_view s) {
  if (s.size() > 1024) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == ',' || c == ' ')) return false;
  return true;
}

}  // namespace

Cors::Cors(CorsOptions options) : options_(std::move(options)) {
  for (const auto& o : options_.origins) {
    if (o == "*") any_ = true;
    else if (auto n = normalize_origin(o); !n.empty()) origins_.push_back(n);
  }
  for (auto& m : options_.methods) m = upper(m);
  methods_ = join(options_.methods);
  headers_ = join(options_.headers);
  expose_ = join(options_.expose_headers);
  max_age_ = std::to_string(options_.max_age);
}

bool Cors::is_preflight(const Exchange& ex) {
  return ex.method() == "OPTIONS" && ex.header("origin") && ex.header("access-control-request-method");
}

std::string_view Cors::allow_origin(const Exchange& ex) const {
  auto origin = ex.header("origin");
  if (!origin) return {};
  const std::string n = normalize_origin(*origin);
  if (!n.empty() && std::find(origins_.begin(), origins_.end(), n) != origins_.end()) return *origin;
  // "*" admits any origin, never with credentials (browsers refuse it and so do we).
  if (any_ && !options_.credentials) return "*";
  return {};
}

void Cors::preflight(Exchange& ex, std::string_view path_methods) const {
  ex.status = 204;
  ex.body_out.clear();
  auto& h = ex.response.headers;
  h.emplace_back("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  const std::string_view origin = allow_origin(ex);
  const std::string method = upper(trim(ex.header("access-control-request-method").value_or("")));
  const bool method_ok = list_has(path_methods, method) && list_has(methods_, method);
  if (!origin.empty() && method_ok) {
    h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    if (options_.credentials) h.emplace_back("Access-Control-Allow-Credentials", "true");
    std::string allowed;
    for (const auto& m : options_.methods)
      if (list_has(path_methods, m)) allowed += (allowed.empty() ? "" : ", ") + m;
    h.emplace_back("Access-Control-Allow-Methods", allowed);
    if (!headers_.empty()) {
      h.emplace_back("Access-Control-Allow-Headers", headers_);
    } else if (auto asked = ex.header("access-control-request-headers"); asked && is_header_list(*asked)) {
      h.emplace_back("Access-Control-Allow-Headers", std::string(trim(*asked)));
    }
    h.emplace_back("Access-Control-Max-Age", max_age_);
  }
  ex.finish();
}

void Cors::decorate(Exchange& ex) const {
  auto& h = ex.response.headers;
  if (!origins_.empty()) h.emplace_back("Vary", "Origin");  // the answer depends on who asks
  const std::string_view origin = allow_origin(ex);
  if (origin.empty()) return;
  h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  if (options_.credentials) h.emplace_back("Access-Control-Allow-Credentials", "true");
  if (!expose_.empty()) h.emplace_back("Access-Control-Expose-Headers", expose_);
}

}  // namespace bb::http
