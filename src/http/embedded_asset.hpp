// A file compiled into the library (cmake/EmbedAssets.cmake): its bytes, their gzip and Brotli
// forms made at build time, and a strong ETag; set_embedded() makes it an exchange's response.
//
//   http::EmbeddedAsset a = triggers::docs_asset("docs.js");
//   if (a) http::set_embedded(ex, a, "text/javascript; charset=utf-8");  // then ex.finish()
#pragma once

#include <string_view>

namespace bb::http {

class Exchange;

struct EmbeddedAsset {
  std::string_view identity;
  std::string_view gzip, br;  // empty: that encoding is not smaller than the file
  std::string_view etag;      // quoted: "\"0123456789abcdef\""; compressed forms add -gz, -br
  explicit operator bool() const { return identity.data() != nullptr; }
};

// Whether an If-None-Match field value names the entity tag `etag` or one of its compressed
// forms (the tag with "-gz" or "-br" before the closing quote): a weak comparison, as RFC 9110
// §13.1.2 asks for If-None-Match; "*" matches.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// The response for a GET or HEAD of `asset`: 200 with ex.static_body and an ETag, or 304 when
// If-None-Match matches. Exchange::finish() then picks the form the client accepts and adds
// "-gz"/"-br" to the ETag when it sends a compressed one (compression.cpp).
void set_embedded(Exchange& ex, const EmbeddedAsset& asset, std::string_view content_type);

}  // namespace bb::http
