#include "src/http/embedded_asset.hpp"

#include <algorithm>
#include <string>

#include "src/http/exchange.hpp"

namespace bb::http {

namespace {

constexpr std::string_view kSpace = " \t";

// `tag` without W/ and quotes, for a weak comparison.
std::string_view opaque(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
    return tag.substr(1, tag.size() - 2);
  return {};
}

}  // namespace

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  const std::string_view mine = opaque(etag);
  if (mine.empty()) return false;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    item.remove_prefix(std::min(item.find_first_not_of(kSpace), item.size()));
    item.remove_suffix(item.size() - std::min(item.find_last_not_of(kSpace) + 1, item.size()));
    if (item == "*") return true;
    std::string_view theirs = opaque(item);
    if (theirs.ends_with("-gz") || theirs.ends_with("-br")) theirs.remove_suffix(3);
    if (!theirs.empty() && theirs == mine) return true;
  }
  return false;
}

void set_embedded(Exchange& ex, const EmbeddedAsset& asset, std::string_view content_type) {
  ex.content_type = std::string(content_type);
  ex.response.set_header("ETag", std::string(asset.etag));
  // The body stays set on a 304 too: finish() adds Vary and the ETag of the form the client
  // would get, as a 200 would carry them; a 304 sends no body.
  ex.static_body = Exchange::StaticBody{asset.identity, asset.gzip, asset.br};
  const auto inm = ex.header("if-none-match");
  ex.status = inm && etag_matches(*inm, asset.etag) ? 304 : 200;
}

}  // namespace bb::http
