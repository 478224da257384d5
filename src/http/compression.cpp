#include "src/http/compression.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include "src/http/exchange.hpp"
#include "src/http/text.hpp"

namespace bb::http {

namespace {

// The next item of a `sep`-separated list, trimmed; `list` keeps the rest.
std::string_view next_item(std::string_view& list, char sep) {
  const auto at = list.find(sep);
  const std::string_view item = list.substr(0, at);
  list = at == std::string_view::npos ? std::string_view() : list.substr(at + 1);
  return trim(item);
}

// A qvalue (RFC 9110 §12.4.2: "0" to "1" with at most three decimals) in thousandths; -1 when
// malformed.
int parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return -1;
  int scale = 100;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return -1;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? -1 : q;
}

// The index of the response header `name` (case-insensitive), or -1.
int find_header(const bb::Response& r, std::string_view name) {
  for (std::size_t i = 0; i < r.headers.size(); ++i)
    if (iequals(r.headers[i].first, name)) return static_cast<int>(i);
  return -1;
}

// "Vary: Accept-Encoding", merged into a Vary the handler set (CORS's "Origin", say).
void add_vary(bb::Response& r) {
  const int i = find_header(r, "Vary");
  if (i < 0) {
    r.headers.emplace_back("Vary", "Accept-Encoding");
    return;
  }
  std::string& v = r.headers[static_cast<std::size_t>(i)].second;
  for (std::string_view rest = v; !rest.empty();) {
    const std::string_view item = next_item(rest, ',');
    if (item == "*" || iequals(item, "Accept-Encoding")) return;
  }
  v.append(trim(v).empty() ? "Accept-Encoding" : ", Accept-Encoding");
}

// A compressed form is another representation, so it needs another entity tag (RFC 9110
// §8.8.3): "abc" becomes "abc-gz". embedded_asset.cpp's etag_matches() accepts either.
void tag_etag(bb::Response& r, Encoding e) {
  const int i = find_header(r, "ETag");
  if (i < 0) return;
  std::string& v = r.headers[static_cast<std::size_t>(i)].second;
  if (v.size() < 2 || v.back() != '"') return;
  v.insert(v.size() - 1, e == Encoding::gzip ? "-gz" : "-br");
}

}  // namespace

Encoding negotiate(std::string_view accept_encoding, bool allow_br) {
  // q in thousandths per coding as listed; -1: not listed.
  int gzip = -1, br = -1, identity = -1, any = -1;
  while (!accept_encoding.empty()) {
    std::string_view item = next_item(accept_encoding, ',');
    const std::string_view coding = next_item(item, ';');
    int q = 1000;
    while (!item.empty()) {  // parameters: only q matters; a malformed q drops the whole item
      const std::string_view p = next_item(item, ';');
      const auto eq = p.find('=');
      if (eq != std::string_view::npos && iequals(trim(p.substr(0, eq)), "q"))
        q = parse_qvalue(trim(p.substr(eq + 1)));
    }
    int* slot = iequals(coding, "gzip") || iequals(coding, "x-gzip") ? &gzip
                : iequals(coding, "br")                              ? &br
                : iequals(coding, "identity")                        ? &identity
                : coding == "*"                                      ? &any
                                                                     : nullptr;
    if (slot && q >= 0) *slot = std::max(*slot, q);
  }
  // A coding not listed takes "*"'s q, or is not acceptable.
  if (gzip < 0) gzip = std::max(any, 0);
  if (br < 0) br = std::max(any, 0);
  if (!allow_br) br = 0;
  const Encoding best = br >= gzip ? Encoding::br : Encoding::gzip;
  const int q = std::max(br, gzip);
  // Identity competes only when the client gave it a q (itself or through "*"); at a tie the
  // smaller body wins. When nothing is acceptable, not even identity (identity;q=0), RFC 9110
  // §12.5.3 says to answer without a coding rather than 406, and so we do.
  if (identity < 0) identity = any;
  if (q == 0 || identity > q) return Encoding::identity;
  return best;
}

bool compressible_type(std::string_view content_type) {
  const std::string_view t = trim(content_type.substr(0, content_type.find(';')));
  if (istarts_with(t, "text/")) return !iequals(t, "text/event-stream");
  if (iends_with(t, "+json") || iends_with(t, "+xml")) return true;  // problem+json, svg+xml, ...
  static constexpr std::array<std::string_view, 10> kTypes = {"application/json",
                                                              "application/javascript",
                                                              "application/x-javascript",
                                                              "application/ecmascript",
                                                              "application/xml",
                                                              "application/wasm",
                                                              "image/x-icon",
                                                              "image/vnd.microsoft.icon",
                                                              "font/ttf",
                                                              "font/otf"};
  for (std::string_view k : kTypes)
    if (iequals(t, k)) return true;
  return false;
}

void Exchange::prepare_body() {
  send_view_ = static_body ? static_body->identity : std::string_view();
  // The small-response path: one comparison (or two) and out.
  const CompressionOptions* o = compression_;
  if (!o) return;
  const std::size_t size = static_body ? static_body->identity.size() : body_out.size();
  if (size < o->min_size || !o->enabled || !compressible || file.fd >= 0) return;
  const int st = response.status ? response.status : status;
  // A 304 for a static body carries the headers its 200 would (Vary, the form's ETag), no body.
  const bool not_modified = st == 304 && static_body;
  if (!not_modified && (st < 200 || st == 204 || st == 206 || st == 304)) return;
  if (!compressible_type(content_type)) return;
  // A handler that encoded its body itself knows what it sent.
  if (find_header(response, "Content-Encoding") >= 0) return;
  add_vary(response);
  if (header("Range")) return;  // the bytes a range counts are the identity's

  const bool has_variants = static_body && (!static_body->gzip.empty() || !static_body->br.empty());
  Encoding e = negotiate(header("Accept-Encoding").value_or(std::string_view()),
                         !has_variants || !static_body->br.empty());
  if (e == Encoding::gzip && has_variants && static_body->gzip.empty()) e = Encoding::identity;
  if (e == Encoding::identity) return;
  if (not_modified) return tag_etag(response, e);

  if (has_variants) {
    // Pre-compressed at build time: sent as they are, no copy.
    send_view_ = e == Encoding::gzip ? static_body->gzip : static_body->br;
  } else {
    const std::string_view identity =
        static_body ? static_body->identity : std::string_view(body_out);
    std::string encoded;
    try {
      encoded = e == Encoding::gzip ? gzip_encode(identity, o->gzip_level)
                                    : brotli_encode(identity, o->brotli_quality);
    } catch (const std::exception&) {
      return;  // out of memory in the encoder: the response still goes, as it is
    }
    if (encoded.size() >= identity.size()) return;  // incompressible: the identity is smaller
    body_out = std::move(encoded);
    send_view_ = {};
  }
  response.headers.emplace_back("Content-Encoding", e == Encoding::gzip ? "gzip" : "br");
  tag_etag(response, e);
}

}  // namespace bb::http
