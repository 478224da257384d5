// Helpers for the auth suite: sign-up (then sign-in) and sign-in calls, bearer and cookie headers, requests from
// another loopback address (the per-IP rate limits), SHA-256 (what the server stores instead of
// tokens and keys), ISO-8601 times and a demo config with extra [auth] settings.
//
//   Account a = sign_up(server.port(), "ada@example.com");
//   Response me = http(server.port(), "GET", "/auth/me", {}, bearer(a.token));
//   Response r = http_from("127.0.0.7", server.port(), "POST", "/auth/sign-in", body);
//   EXPECT_EQ(sha256_hex(a.token), *db.query("SELECT token_hash FROM sessions")[0]["token_hash"]);
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {

// ---- SHA-256 (FIPS 180-4), lowercase hex --------------------------------------------------

inline std::string sha256_hex(std::string_view data) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::string msg(data);
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
  for (std::size_t chunk = 0; chunk < msg.size(); chunk += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + chunk + i * 4);
      w[i] = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      std::uint32_t ch = (e & f) ^ (~e & g);
      std::uint32_t t1 = hh + s1 + ch + k[i] + w[i];
      std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      std::uint32_t t2 = s0 + maj;
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::uint32_t v : h)
    for (int i = 28; i >= 0; i -= 4) out.push_back(hex[(v >> i) & 0xf]);
  return out;
}

// ---- times ------------------------------------------------------------------------------

using SysClock = std::chrono::system_clock;

// "2026-11-24T18:15:12.085Z", the format the server writes.
inline std::string iso(SysClock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}
inline std::string iso_from_now(std::chrono::seconds offset) { return iso(SysClock::now() + offset); }

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z"; nullopt for anything else.
inline std::optional<SysClock::time_point> parse_iso(std::string_view s) {
  int y, mo, d, h, mi, sec;
  char tail[16] = {};
  std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, tail) < 7) return std::nullopt;
  std::string_view t(tail);
  if (t.empty() || t.back() != 'Z') return std::nullopt;
  int millis = 0;
  if (t.size() > 1) {
    if (t.front() != '.') return std::nullopt;
    std::string frac(t.substr(1, t.size() - 2));
    if (frac.empty()) return std::nullopt;
    for (char c : frac)
      if (c < '0' || c > '9') return std::nullopt;
    frac.resize(3, '0');
    millis = std::stoi(frac.substr(0, 3));
  }
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
  return SysClock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

// |t - (now + offset)| <= tolerance.
inline ::testing::AssertionResult about_from_now(std::string_view t, std::chrono::seconds offset,
                                                 std::chrono::seconds tolerance = std::chrono::seconds(120)) {
  auto p = parse_iso(t);
  if (!p) return ::testing::AssertionFailure() << "\"" << t << "\" is not an ISO-8601 UTC time";
  auto expected = SysClock::now() + offset;
  auto diff = std::chrono::duration_cast<std::chrono::seconds>(*p > expected ? *p - expected : expected - *p);
  if (diff > tolerance)
    return ::testing::AssertionFailure() << t << " is " << diff.count() << " s away from now + " << offset.count() << " s ("
                                         << iso(expected) << ")";
  return ::testing::AssertionSuccess();
}

// ---- headers and JSON --------------------------------------------------------------------

inline Headers bearer(const std::string& token, Headers more = {}) {
  more.emplace_back("Authorization", "Bearer " + token);
  return more;
}
inline Headers session_cookie(const std::string& token, Headers more = {}) {
  more.emplace_back("Cookie", "bb_session=" + token);
  return more;
}

inline std::string json_text(const boost::json::object& o) { return boost::json::serialize(o); }

// The value of the response's `bb_session` Set-Cookie header (the whole header line's value).
inline std::optional<std::string> session_set_cookie(const Response& r) {
  std::optional<std::string> found;
  for (const auto& [k, v] : r.headers)
    if (iequals(k, "set-cookie") && v.starts_with("bb_session=")) found = v;
  return found;
}

// Clears default_headers() (DemoServer's signed-in Authorization) for a scope: requests made in it
// carry only the headers they pass.
class NoDefaultHeaders {
 public:
  NoDefaultHeaders() : saved_(default_headers()) { default_headers().clear(); }
  ~NoDefaultHeaders() { default_headers() = saved_; }
  NoDefaultHeaders(const NoDefaultHeaders&) = delete;
  NoDefaultHeaders& operator=(const NoDefaultHeaders&) = delete;

 private:
  Headers saved_;
};

// ---- accounts ----------------------------------------------------------------------------

inline constexpr std::string_view kPassword = "correct horse battery";

struct Account {
  std::string id, email, password, token;
  Response response;  // the sign-up's (202, the same for a free and a taken email)
  Response sign_in;   // the sign-in's that followed (the session: token, cookie)
};

inline std::string credentials(std::string_view email, std::string_view password) {
  return json_text({{"email", email}, {"password", password}});
}

// POST /auth/sign-up (202: no session), then POST /auth/sign-in for the account's session and
// id; a failed expectation (and empty token/id) when either answers otherwise.
inline Account sign_up(unsigned short port, std::string_view email, std::string_view password = kPassword,
                       std::string_view name = "Someone", const Headers& headers = {}) {
  Account a{.email = std::string(email), .password = std::string(password)};
  a.response = http(port, "POST", "/auth/sign-up", json_text({{"email", email}, {"password", password}, {"name", name}}), headers);
  EXPECT_EQ(a.response.status, 202) << a.response;
  if (a.response.status != 202) return a;
  a.sign_in = http(port, "POST", "/auth/sign-in", credentials(email, password), headers);
  EXPECT_EQ(a.sign_in.status, 200) << a.sign_in;
  auto v = a.sign_in.json();
  if (a.sign_in.status == 200 && v.is_object() && v.get_object().contains("token") && v.get_object().contains("user")) {
    a.token = str(v.at("token"));
    a.id = str(v.at("user").at("id"));
  }
  return a;
}

inline Response sign_in(unsigned short port, std::string_view email, std::string_view password, const Headers& headers = {}) {
  return http(port, "POST", "/auth/sign-in", credentials(email, password), headers);
}

// POST /auth/sign-in expecting 200: the new session token (empty after a failed expectation).
inline std::string sign_in_token(unsigned short port, std::string_view email, std::string_view password) {
  Response r = sign_in(port, email, password);
  EXPECT_EQ(r.status, 200) << r;
  auto v = r.json();
  return r.status == 200 && v.is_object() && v.get_object().contains("token") ? str(v.at("token")) : std::string();
}

// ---- requests from another loopback address -----------------------------------------------

// One request on a fresh connection whose local address is `source_ip` (any 127.x.y.z: the
// server sees it as the client's IP). Sent with `Connection: close`; read to the end.
inline Response http_from(const std::string& source_ip, unsigned short port, std::string_view method,
                          std::string_view target, std::string_view body = {}, Headers headers = {}) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = 0;
  if (inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error("bind " + source_ip + ": " + std::strerror(e));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error("connect from " + source_ip + ": " + std::strerror(e));
  }
  headers.emplace_back("Connection", "close");
  std::string req = Connection::build_request(method, target, body, headers);
  std::string_view rest = req;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  Response r;
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos || !raw.starts_with("HTTP/1.") || raw.size() < 12)
    throw std::runtime_error("no response from the server to " + std::string(method) + " " + std::string(target) +
                             " from " + source_ip);
  r.status = std::stoi(raw.substr(9, 3));
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    auto eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = eol + 2;
  }
  r.body = raw.substr(end + 4);
  if (auto cl = r.header("content-length"); cl && r.body.size() > std::stoul(*cl)) r.body.resize(std::stoul(*cl));
  return r;
}

// ---- config ------------------------------------------------------------------------------

// The demo's bunbase.toml with cheap argon2id parameters and the given [auth] settings (values
// are TOML: strings quoted), written to `dir/name`; run the server with
// ServerOptions{.args = {"--config", path, "serve"}}.
inline std::string write_auth_config(const TempDir& dir, const std::map<std::string, std::string>& auth,
                                     const std::string& name = "auth.toml") {
  std::map<std::string, std::string> settings = {{"password_memory_kib", "8"}, {"password_iterations", "1"}};
  for (const auto& [k, v] : auth) settings[k] = v;
  std::string config = read_file(kSaasDemoConfig);
  const std::string header = "[auth]\n";
  auto table = config.find(header);
  if (table == std::string::npos) throw std::runtime_error(kSaasDemoConfig + " has no [auth] table");
  table += header.size();
  auto table_end = config.find("\n[", table);
  if (table_end == std::string::npos) table_end = config.size();
  std::string inserted;
  for (const auto& [k, v] : settings) {
    // A key the demo already sets is replaced in place (TOML forbids it twice).
    std::size_t at = table;
    bool replaced = false;
    while (at < table_end) {
      auto eol = config.find('\n', at);
      if (eol == std::string::npos) eol = config.size();
      std::string_view line(config.data() + at, eol - at);
      if (line.starts_with(k) && line.substr(k.size()).find_first_not_of(' ') != std::string_view::npos &&
          line.substr(k.size())[line.substr(k.size()).find_first_not_of(' ')] == '=') {
        std::string repl = k + " = " + v;
        config.replace(at, eol - at, repl);
        table_end = table_end - (eol - at) + repl.size();
        replaced = true;
        break;
      }
      at = eol + 1;
    }
    if (!replaced) inserted += k + " = " + v + "\n";
  }
  config.insert(table, inserted);
  auto path = dir / name;
  write_file(path, config);
  return path.string();
}

}  // namespace bbit
