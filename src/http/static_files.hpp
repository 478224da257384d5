// Files of one folder served over HTTP ([http.static]): content types, ETag and Last-Modified
// with 304, a single byte range (206, 416), Cache-Control, pre-compressed .br/.gz siblings and
// an SPA fallback. No request leaves the folder: dot segments, encoded separators, NUL,
// dotfiles and symlinks out of it are refused.
//
//   http::StaticFiles files({.dir = "public", .spa_fallback = "index.html"});
//   if (!files.try_handle(ex)) answer_not_found(ex);  // called once the router has missed
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/http/exchange.hpp"

namespace bb::http {

struct StaticFilesOptions {
  std::string dir;  // resolved once, at construction
  std::string prefix = "/";
  std::string spa_fallback;  // a file of dir ("index.html") for HTML navigations that match no file
  std::string cache_control = "no-cache";
  // Path prefixes under `prefix` whose files never change (fingerprinted build output): they
  // get "public, max-age=31536000, immutable".
  std::vector<std::string> immutable = {"/assets/"};
  // false: resolve paths with realpath() and a prefix check instead of openat2(RESOLVE_BENEATH),
  // as is done by itself on kernels without openat2 (before 5.6); tests set it to cover that way.
  bool resolve_beneath = true;
};

class StaticFiles final : public Handler {
 public:
  // Throws std::runtime_error naming the folder when it is missing or not a directory, or when
  // spa_fallback is not a plain path inside it.
  explicit StaticFiles(StaticFilesOptions options);
  ~StaticFiles() override;
  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;

  // For a GET or HEAD under the prefix: answers with the file (or the SPA fallback, or 304, 206,
  // 416, a 301 to a folder's "/"), or with 400 for a path that tries to leave the folder, and
  // finishes the exchange: true. Otherwise false and the exchange untouched: the caller answers
  // its usual 404 or 405. A file that cannot be opened (permissions) counts as missing.
  bool try_handle(Exchange& ex);
  // As a mounted handler: try_handle(), else a 404 problem.
  void handle(Exchange& ex) override;

  // The folder's real path.
  const std::string& root() const { return root_; }

 private:
  struct Found;
  int open_beneath(const std::string& rel) const;
  Found find(const std::string& rel, bool trailing_slash) const;
  void serve(Exchange& ex, Found& f, std::string_view cache_control) const;

  StaticFilesOptions options_;
  std::string root_;    // realpath(dir)
  std::string prefix_;  // "/static" for "/static/"; "" for "/"
  int dir_fd_ = -1;
  bool beneath_ = true;  // openat2 in use
};

// The Content-Type for a file name by its extension; "application/octet-stream" when unknown.
std::string_view content_type_for(std::string_view file_name);

}  // namespace bb::http
