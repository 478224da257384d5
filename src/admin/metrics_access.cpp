#include "src/admin/metrics_access.hpp"

#include <algorithm>
#include <cctype>

#include "bunbase/runtime/config.hpp"

namespace bb::admin {

namespace {

// The credentials of `Authorization: Bearer <token>` (the scheme in any case), if that is the
// header.
std::optional<std::string_view> bearer(const Request& request) {
  auto h = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (!h || h->size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), h->begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
    return std::nullopt;
  std::string_view token = h->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace

Admission admit_metrics(const Config& config, const Request& request) {
  if (auto token = bearer(request)) {
    if (key_matches(config.metrics.token, *token)) return {.admitted = true};
    return {
        .wrong_key = true,
        .refused = config.metrics.token.empty()
                       ? "no metrics token is configured ([metrics] token, BUNBASE_METRICS_TOKEN)"
                       : "this bearer token is not the metrics token"};
  }
  Admission a = admit_without_session(config, request);
  if (!a.admitted && !a.wrong_key)
    a.refused =
        "the metrics need a bearer token ([metrics] token, BUNBASE_METRICS_TOKEN) or the admin key";
  return a;
}

}  // namespace bb::admin
