// A tiny blocking HTTP/1.1 client over POSIX sockets, so the tests control every byte they
// send (garbage, half requests, pipelining) and see every byte they get back.
//
//   Connection c(port);
//   Response r = c.request("POST", "/users", R"({"email":"a@b.co","name":"A"})");
//   EXPECT_EQ(r.status, 201);
//   Response h = c.request("GET", "/healthz");   // same socket (keep-alive)
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bbit {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Headers added to every request that does not set them itself: DemoServer puts a signed-in
// user's `Authorization` here so the runtime's suites talk to the demo's guarded routes. Set
// before client threads start, cleared when the server goes.
inline Headers& default_headers() {
  static Headers h;
  return h;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (iequals(k, name)) return v;
    return std::nullopt;
  }
  std::size_t header_count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& [k, v] : headers) n += iequals(k, name);
    return n;
  }
  // The body as JSON; a JSON null when it is not JSON (the assertion that follows will say so).
  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
  }
  bool closes() const {
    auto c = header("connection");
    return c && iequals(*c, "close");
  }
};

// Printed by gtest when an assertion on a Response fails.
inline std::ostream& operator<<(std::ostream& os, const Response& r) {
  os << "HTTP " << r.status << " " << r.reason << "\n";
  for (const auto& [k, v] : r.headers) os << k << ": " << v << "\n";
  return os << "\n" << r.body.substr(0, 2000);
}

class Connection {
 public:
  explicit Connection(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int e = errno;
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(e));
    }
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends bytes as they are. False when the peer closed or reset the connection meanwhile.
  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response; nullopt when the connection ends (or times out) before a whole one.
  // After a HEAD request pass head = true: such a response has no body whatever it declares.
  std::optional<Response> read_response(bool head = false) {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    Response r;
    std::string_view head_text(buffer_.data(), end);
    auto line_end = head_text.find("\r\n");
    std::string_view status_line = head_text.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return std::nullopt;
    std::from_chars(status_line.data() + 9, status_line.data() + 12, r.status);
    if (status_line.size() > 13) r.reason = std::string(status_line.substr(13));
    std::size_t pos = line_end == std::string_view::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      auto eol = head_text.find("\r\n", pos);
      if (eol == std::string_view::npos) eol = head_text.size();
      std::string_view line = head_text.substr(pos, eol - pos);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
      }
      pos = eol + 2;
    }
    buffer_.erase(0, end + 4);
    const bool no_body = head || r.status == 204 || r.status == 304 || r.status < 200;
    if (auto cl = r.header("content-length"); cl && !no_body) {
      std::size_t length = 0;
      std::from_chars(cl->data(), cl->data() + cl->size(), length);
      while (buffer_.size() < length)
        if (!fill()) return std::nullopt;
      r.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    } else if (!no_body) {
      while (fill()) {
      }
      r.body = std::move(buffer_);
      buffer_.clear();
    }
    return r;
  }

  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   const Headers& headers = {}, bool add_json_type = true) {
    std::string req = build_request(method, target, body, headers, add_json_type);
    if (!send_raw(req)) throw std::runtime_error("connection closed while sending " + std::string(method) + " " + std::string(target));
    auto r = read_response(method == "HEAD");
    if (!r) throw std::runtime_error("no response to " + std::string(method) + " " + std::string(target));
    return *r;
  }

  static std::string build_request(std::string_view method, std::string_view target, std::string_view body = {},
                                   const Headers& headers = {}, bool add_json_type = true) {
    std::string req;
    req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      has_type = has_type || iequals(k, "content-type");
      req.append(k).append(": ").append(v).append("\r\n");
    }
    for (const auto& [k, v] : default_headers()) {
      bool given = false;
      for (const auto& h : headers) given = given || iequals(h.first, k);
      if (!given) req.append(k).append(": ").append(v).append("\r\n");
    }
    if (!body.empty() && !has_type && add_json_type) req.append("Content-Type: application/json\r\n");
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
      req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    req.append("\r\n").append(body);
    return req;
  }

  // True when the server has closed the connection (EOF or reset) within `timeout`; bytes
  // that arrive meanwhile are kept for read_response().
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now()).count());
      int n = ::poll(&p, 1, std::max(left, 1));
      if (n <= 0) continue;
      char buf[4096];
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) return true;
      if (got > 0) buffer_.append(buf, static_cast<std::size_t>(got));
    }
    return false;
  }

  const std::string& pending() const { return buffer_; }
  int fd() const { return fd_; }

 private:
  bool fill() {
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
inline Response http(unsigned short port, std::string_view method, std::string_view target,
                     std::string_view body = {}, const Headers& headers = {}) {
  Connection c(port);
  return c.request(method, target, body, headers);
}

// True when nothing accepts connections on the port any more.
// A TCP port free on 127.0.0.1 right now (for a helper server the test starts itself).
inline unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("no free port: " + std::string(std::strerror(errno)));
  return ntohs(a.sin_port);
}

inline bool port_closed(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

}  // namespace bbit
