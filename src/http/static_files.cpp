#include "src/http/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "src/http/compression.hpp"
#include "src/http/conditional.hpp"
#include "src/http/problem.hpp"
#include "src/http/text.hpp"

namespace bb::http {

namespace {

constexpr std::size_t kMaxName = NAME_MAX;      // one segment, decoded
constexpr std::size_t kMaxPath = PATH_MAX - 1;  // the whole path under the folder, decoded
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

struct TypeEntry {
  std::string_view ext, type;
};
constexpr TypeEntry kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"bmp", "image/bmp"},
    {"wasm", "application/wasm"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
};

bool icontains(std::string_view haystack, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

enum class PathCheck { ok, refused, hidden, too_long };

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decoded segment that names a file: not "." or "..", no separator, NUL or control byte
// (then it is refused); names starting with '.' are hidden, except ".well-known" (RFC 8615).
PathCheck check_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return PathCheck::refused;
  for (unsigned char c : name)
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return PathCheck::refused;
  if (name.size() > kMaxName) return PathCheck::too_long;
  if (name.front() == '.' && name != ".well-known") return PathCheck::hidden;
  return PathCheck::ok;
}

// The part of the request path under the prefix ("" or "/..."; percent-escapes checked by
// parse_origin_form) as a relative path of the folder: each segment decoded exactly once
// ("%252e" is the name "%2e"), segments joined by '/'. A trailing '/' asks for a folder.
PathCheck to_relative(std::string_view rest, std::string& rel, bool& trailing_slash) {
  rel.clear();
  trailing_slash = false;
  if (rest.empty()) return PathCheck::ok;
  rest.remove_prefix(1);  // the '/'
  PathCheck worst = PathCheck::ok;
  std::string name;
  while (true) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (seg.empty() && last) {
      trailing_slash = true;
      break;
    }
    name.clear();
    for (std::size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '%' && i + 2 < seg.size() && unhex(seg[i + 1]) >= 0 && unhex(seg[i + 2]) >= 0) {
        name += static_cast<char>(unhex(seg[i + 1]) * 16 + unhex(seg[i + 2]));
        i += 2;
      } else if (seg[i] == '%') {
        return PathCheck::refused;  // parse_origin_form lets no broken escape through
      } else {
        name += seg[i];
      }
    }
    PathCheck c = check_name(name);  // an empty segment in the middle ("//x", "a//b") is refused
    if (c == PathCheck::refused) return c;
    if (worst == PathCheck::ok) worst = c;
    if (!rel.empty()) rel += '/';
    rel += name;
    if (rel.size() > kMaxPath && worst == PathCheck::ok) worst = PathCheck::too_long;
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  return worst;
}

std::string etag_of(const struct stat& st, std::string_view suffix) {
  const auto mtime_ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
                        static_cast<unsigned long long>(st.st_mtim.tv_nsec);
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx-%llx",
                        static_cast<unsigned long long>(st.st_size), mtime_ns,
                        static_cast<unsigned long long>(st.st_ino));
  std::string tag(buf, static_cast<std::size_t>(n));
  tag.append(suffix).append("\"");
  return tag;
}

void refuse(Exchange& ex, int status, std::string_view code, std::string detail) {
  ErrorCode kind = error_code_for_status(status);
  set_problem(ex, Error(kind, std::move(detail)).with_code(std::string(code)), status, ex.path(),
              ex.header("traceparent").value_or(std::string_view()));
  ex.compressible = false;
}

}  // namespace

struct StaticFiles::Found {
  enum Kind { none, file, redirect } kind = none;
  UniqueFd fd;
  struct stat st {};
  std::string rel;  // of the file served ("docs/index.html")
};

std::string_view content_type_for(std::string_view file_name) {
  auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string_view ext = file_name.substr(dot + 1);
  for (const auto& t : kTypes)
    if (iequals(t.ext, ext)) return t.type;
  return "application/octet-stream";
}

StaticFiles::StaticFiles(StaticFilesOptions options) : options_(std::move(options)) {
  char* real = ::realpath(options_.dir.c_str(), nullptr);
  if (!real)
    throw std::runtime_error("static files: folder \"" + options_.dir +
                             "\": " + std::strerror(errno));
  root_ = real;
  std::free(real);
  dir_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0)
    throw std::runtime_error("static files: \"" + options_.dir +
                             "\" is not a folder: " + std::strerror(errno));

  prefix_ = options_.prefix;
  if (prefix_.empty() || prefix_.front() != '/') prefix_.insert(0, "/");
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();

  if (!options_.spa_fallback.empty()) {
    std::string_view f = options_.spa_fallback;
    while (true) {
      auto slash = f.find('/');
      if (check_name(f.substr(0, slash)) != PathCheck::ok) {
        ::close(dir_fd_);
        throw std::runtime_error("static files: spa_fallback \"" + options_.spa_fallback +
                                 "\" is not a file path inside " + options_.dir);
      }
      if (slash == std::string_view::npos) break;
      f.remove_prefix(slash + 1);
    }
  }

  beneath_ = options_.resolve_beneath;
  if (beneath_) {  // openat2 may be missing (kernel before 5.6) or filtered (seccomp)
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, dir_fd_, ".", &how, sizeof how);
    if (fd >= 0)
      ::close(static_cast<int>(fd));
    else
      beneath_ = false;
  }
}

StaticFiles::~StaticFiles() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

// Opens `rel` ("" for the folder itself) for reading, or -1 when it does not exist or its
// resolution leaves the folder (a symlink out of it, a magic /proc link). O_NONBLOCK: opening a
// FIFO must not wait for a writer (it is refused as not a regular file after fstat).
int StaticFiles::open_beneath(const std::string& rel) const {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  const char* path = rel.empty() ? "." : rel.c_str();
  if (beneath_) {
    open_how how{};
    how.flags = kFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(::syscall(SYS_openat2, dir_fd_, path, &how, sizeof how));
  }
  // Without openat2: the fully resolved path must still be the folder or under it. A symlink
  // swapped in between this check and the open is a race openat2 does not have.
  std::string full = root_ + "/" + path;
  char* real = ::realpath(full.c_str(), nullptr);
  if (!real) return -1;
  std::string resolved = real;
  std::free(real);
  const std::string under = root_ == "/" ? root_ : root_ + "/";
  if (resolved != root_ && !resolved.starts_with(under)) {
    errno = EXDEV;
    return -1;
  }
  return ::open(resolved.c_str(), kFlags | O_NOFOLLOW);
}

StaticFiles::Found StaticFiles::find(const std::string& rel, bool trailing_slash) const {
  Found f;
  UniqueFd fd(open_beneath(rel));
  if (fd.get() < 0 || ::fstat(fd.get(), &f.st) != 0) return f;
  if (S_ISREG(f.st.st_mode)) {
    if (trailing_slash) return f;  // "/app.js/" names a folder
    f.kind = Found::file;
    f.fd = std::move(fd);
    f.rel = rel;
    return f;
  }
  if (!S_ISDIR(f.st.st_mode)) return f;  // devices, FIFOs, sockets: never
  std::string index = rel.empty() ? "index.html" : rel + "/index.html";
  UniqueFd ifd(open_beneath(index));
  if (ifd.get() < 0 || ::fstat(ifd.get(), &f.st) != 0 || !S_ISREG(f.st.st_mode)) return f;
  if (!trailing_slash) {  // "/docs" -> "./docs/": relative links in its index.html resolve there
    f.kind = Found::redirect;
    return f;
  }
  f.kind = Found::file;
  f.fd = std::move(ifd);
  f.rel = std::move(index);
  return f;
}

bool StaticFiles::try_handle(Exchange& ex) {
  namespace http = boost::beast::http;
  const auto method = ex.message().method();
  if (method != http::verb::get && method != http::verb::head) return false;
  auto url = boost::urls::parse_origin_form(ex.target());
  if (!url) return false;  // the router answers 400 for such a target
  std::string_view path = url->encoded_path();
  if (!path.starts_with(prefix_) || (path.size() > prefix_.size() && path[prefix_.size()] != '/'))
    return false;
  std::string_view rest = path.substr(prefix_.size());

  std::string rel;
  bool trailing_slash = false;
  switch (to_relative(rest, rel, trailing_slash)) {
    case PathCheck::refused:
      refuse(ex, 400, "bad_path",
             "the path names no file: dot segments, empty segments, encoded separators "
             "and control characters are refused");
      ex.finish();
      return true;
    case PathCheck::hidden:    // dotfiles (.env, .git/...) do not exist for clients
    case PathCheck::too_long:  // longer than any file name can be
      return false;
    case PathCheck::ok:
      break;
  }

  Found f = find(rel, trailing_slash);
  if (f.kind == Found::redirect) {
    std::string_view last = path.substr(path.rfind('/') + 1);
    std::string location = "./" + std::string(last) + "/";
    if (url->has_query()) location.append("?").append(url->encoded_query());
    ex.status = 301;
    ex.content_type = "text/plain; charset=utf-8";
    ex.compressible = false;
    ex.response.headers.emplace_back("Location", std::move(location));
    ex.finish();
    return true;
  }
  std::string_view cache_control = options_.cache_control;
  if (f.kind == Found::none) {
    // An HTML navigation inside a single-page app: its client-side router knows the path. A
    // fetch of JSON or a missing script does not accept text/html and gets the caller's 404.
    auto accept = ex.header("Accept");
    if (options_.spa_fallback.empty() || !accept || !icontains(*accept, "text/html")) return false;
    f = find(options_.spa_fallback, false);
    if (f.kind != Found::file) return false;
    cache_control = "no-cache";
  } else {
    const std::string in_prefix = "/" + rel;
    for (const auto& p : options_.immutable)
      if (!p.empty() && in_prefix.starts_with(p)) cache_control = kImmutable;
  }
  serve(ex, f, cache_control);
  return true;
}

void StaticFiles::serve(Exchange& ex, Found& f, std::string_view cache_control) const {
  const bool get = ex.message().method() == boost::beast::http::verb::get;
  const auto range = get ? ex.header("Range") : std::nullopt;  // Range is defined for GET only
  const std::int64_t mtime = f.st.st_mtim.tv_sec;
  ex.compressible = false;  // compressed here from .br/.gz siblings, never on the fly

  // A pre-compressed sibling (as nginx's gzip_static): FILE.br or FILE.gz, a regular file of
  // the folder not older than FILE. Not for ranges: they count bytes of the identity file.
  UniqueFd body = std::move(f.fd);
  std::uint64_t size = static_cast<std::uint64_t>(f.st.st_size);
  std::string_view encoding, suffix;
  bool vary = false;
  if (auto ae = ex.header("Accept-Encoding"); ae && !range) {
    auto sibling = [&](const char* ext, std::string_view name, std::string_view tag) {
      UniqueFd fd(open_beneath(f.rel + ext));
      struct stat st {};
      if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return;
      if (st.st_mtim.tv_sec < f.st.st_mtim.tv_sec ||
          (st.st_mtim.tv_sec == f.st.st_mtim.tv_sec && st.st_mtim.tv_nsec < f.st.st_mtim.tv_nsec))
        return;  // stale: FILE changed since it was compressed
      vary = true;
      if (!encoding.empty()) return;
      body = std::move(fd);
      size = static_cast<std::uint64_t>(st.st_size);
      encoding = name;
      suffix = tag;
    };
    if (negotiate(*ae) == Encoding::br) sibling(".br", "br", "-br");
    if (negotiate(*ae, false) == Encoding::gzip) sibling(".gz", "gzip", "-gz");
  }

  const std::string etag = etag_of(f.st, suffix);
  std::string last_modified = http_date(mtime);
  auto& headers = ex.response.headers;
  headers.emplace_back("ETag", etag);
  headers.emplace_back("Last-Modified", last_modified);
  headers.emplace_back("Cache-Control", std::string(cache_control));
  if (vary) headers.emplace_back("Vary", "Accept-Encoding");

  // Conditional requests (RFC 9110 §13.2.2): If-None-Match, else If-Modified-Since.
  bool not_modified = false;
  if (auto inm = ex.header("If-None-Match")) {
    not_modified = if_none_match_hits(*inm, etag);
  } else if (auto ims = ex.header("If-Modified-Since")) {
    auto since = parse_http_date(*ims);
    not_modified = since && mtime <= *since;
  }
  if (not_modified) {
    ex.status = 304;
    return ex.finish();  // `body` closes here
  }

  headers.emplace_back("Accept-Ranges", "bytes");
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  ex.content_type = content_type_for(f.rel);
  if (!encoding.empty()) headers.emplace_back("Content-Encoding", std::string(encoding));

  std::uint64_t offset = 0, length = size;
  if (range && (!ex.header("If-Range") || if_range_holds(*ex.header("If-Range"), etag, mtime))) {
    ByteRange r = parse_range(*range, size);
    if (r.kind == ByteRange::unsatisfiable) {
      refuse(ex, 416, "range_not_satisfiable", "the range starts past the end of the file");
      headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return ex.finish();
    }
    if (r.kind == ByteRange::satisfiable) {
      offset = r.first;
      length = r.last - r.first + 1;
      ex.status = 206;
      headers.emplace_back("Content-Range", "bytes " + std::to_string(r.first) + "-" +
                                                std::to_string(r.last) + "/" +
                                                std::to_string(size));
    }
  }
  ex.file = {body.release(), offset, length};  // HEAD: the length is announced, nothing sent
  ex.finish();
}

void StaticFiles::handle(Exchange& ex) {
  if (try_handle(ex)) return;
  refuse(ex, 404, "not_found", "no file for " + std::string(ex.path()));
  ex.finish();
}

}  // namespace bb::http
