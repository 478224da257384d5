#include <sodium.h>

#include <array>
#include <charconv>
#include <optional>

#include "bunbase/core/error.hpp"
#include "bunbase/webhooks.hpp"

namespace bb::webhooks {

namespace {

using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

// Real headers are a few hundred bytes; anything this long is rejected before any parsing.
constexpr std::size_t kMaxHeader = 8192;

void init_sodium() {
  static const int ok = sodium_init();
  (void)ok;
}

// HMAC-SHA256(key, parts joined by '.') without building the joined string.
template <class... Parts>
Mac hmac(std::string_view key, const Parts&... parts) {
  init_sodium();
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  bool first = true;
  auto add = [&](std::string_view part) {
    if (!first) crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>("."), 1);
    first = false;
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  };
  (add(std::string_view(parts)), ...);
  Mac mac;
  crypto_auth_hmacsha256_final(&st, mac.data());
  return mac;
}

// A decoded candidate signature matches only when it has the MAC's length and its bytes.
bool same(const Mac& mac, const std::string& candidate) {
  return candidate.size() == mac.size() &&
         sodium_memcmp(mac.data(), candidate.data(), mac.size()) == 0;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::optional<std::string> from_base64(std::string_view b64) {
  if (b64.empty()) return std::nullopt;
  init_sodium();
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Unix seconds: digits only (no sign, no spaces), small enough not to overflow.
std::optional<long long> unix_seconds(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.front() == '-') return std::nullopt;
  return v;
}

Verdict check_time(long long t, std::chrono::seconds tolerance,
                   std::chrono::system_clock::time_point now) {
  long long n = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (n - t > tolerance.count()) return Verdict::too_old;
  if (t - n > tolerance.count()) return Verdict::too_new;
  return Verdict::ok;
}

// Shared by every scheme: any of our secrets against any of their signatures.
template <class MacOf>
bool any_match(const std::vector<std::string>& secrets, const std::vector<std::string>& candidates,
               MacOf mac_of) {
  bool matched = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;  // an unset secret must never verify anything
    Mac mac = mac_of(secret);
    for (const auto& c : candidates) matched |= same(mac, c);
  }
  return matched;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "ok";
    case Verdict::missing:
      return "missing";
    case Verdict::malformed:
      return "malformed";
    case Verdict::mismatch:
      return "mismatch";
    case Verdict::too_old:
      return "too_old";
    case Verdict::too_new:
      return "too_new";
  }
  return "unknown";
}

Verdict check_stripe(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets, std::chrono::seconds tolerance,
                     std::chrono::system_clock::time_point now) {
  header = trim(header);
  if (header.empty()) return Verdict::missing;
  if (header.size() > kMaxHeader) return Verdict::malformed;
  std::optional<std::string_view> t_text;
  std::vector<std::string> v1;
  bool bad_hex = false;
  // Split on ',' then on the first '='; only t and v1 count, so a v0 cannot downgrade us.
  for (std::size_t pos = 0; pos <= header.size();) {
    std::size_t comma = std::min(header.find(',', pos), header.size());
    std::string_view item = trim(header.substr(pos, comma - pos));
    pos = comma + 1;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      if (t_text) return Verdict::malformed;  // two timestamps: which one was signed?
      t_text = value;
    } else if (key == "v1") {
      auto raw = from_hex(value);
      if (raw)
        v1.push_back(std::move(*raw));
      else
        bad_hex = true;
    }
  }
  if (!t_text) return v1.empty() && !bad_hex ? Verdict::missing : Verdict::malformed;
  auto t = unix_seconds(*t_text);
  if (!t) return Verdict::malformed;
  // An undecodable v1 beside others is skipped, as stripe-node does: any one may match.
  if (v1.empty()) return bad_hex ? Verdict::malformed : Verdict::missing;
  if (!any_match(secrets, v1, [&](const std::string& s) { return hmac(s, *t_text, body); }))
    return Verdict::mismatch;
  return check_time(*t, tolerance, now);
}

Verdict check_github(std::string_view body, std::string_view header,
                     const std::vector<std::string>& secrets) {
  header = trim(header);
  if (header.empty()) return Verdict::missing;
  if (!header.starts_with("sha256=")) return Verdict::malformed;
  return check_hmac_sha256(body, header, secrets);
}

Verdict check_hmac_sha256(std::string_view body, std::string_view header,
                          const std::vector<std::string>& secrets) {
  header = trim(header);
  if (header.empty()) return Verdict::missing;
  if (header.size() > kMaxHeader) return Verdict::malformed;
  if (header.starts_with("sha256=")) header.remove_prefix(7);
  auto raw = from_hex(header);
  if (!raw) return Verdict::malformed;
  std::vector<std::string> candidates{std::move(*raw)};
  if (!any_match(secrets, candidates, [&](const std::string& s) { return hmac(s, body); }))
    return Verdict::mismatch;
  return Verdict::ok;
}

Verdict check_standard(std::string_view body, std::string_view id, std::string_view timestamp,
                       std::string_view signatures, const std::vector<std::string>& secrets,
                       std::chrono::seconds tolerance, std::chrono::system_clock::time_point now) {
  id = trim(id), timestamp = trim(timestamp), signatures = trim(signatures);
  if (id.empty() || timestamp.empty() || signatures.empty()) return Verdict::missing;
  if (signatures.size() > kMaxHeader || id.size() > kMaxHeader) return Verdict::malformed;
  auto t = unix_seconds(timestamp);
  if (!t) return Verdict::malformed;
  // "v1,<b64> v1,<b64> v1a,<b64>": only v1 (symmetric) entries count.
  // An undecodable v1 beside others is skipped, as the reference library does.
  std::vector<std::string> v1;
  bool bad_base64 = false;
  for (std::size_t pos = 0; pos < signatures.size();) {
    std::size_t space = std::min(signatures.find(' ', pos), signatures.size());
    std::string_view entry = signatures.substr(pos, space - pos);
    pos = space + 1;
    if (!entry.starts_with("v1,")) continue;
    if (auto raw = from_base64(entry.substr(3)))
      v1.push_back(std::move(*raw));
    else
      bad_base64 = true;
  }
  if (v1.empty()) return bad_base64 ? Verdict::malformed : Verdict::missing;
  std::vector<std::string> keys;
  for (std::string_view s : secrets) {
    if (s.starts_with("whsec_")) s.remove_prefix(6);
    if (auto key = from_base64(s)) keys.push_back(std::move(*key));
  }
  if (!any_match(keys, v1, [&](const std::string& k) { return hmac(k, id, timestamp, body); }))
    return Verdict::mismatch;
  return check_time(*t, tolerance, now);
}

void require(Verdict v, std::string_view scheme) {
  std::string_view why;
  switch (v) {
    case Verdict::ok:
      return;
    case Verdict::missing:
      why = "no signature";
      break;
    case Verdict::malformed:
      why = "malformed header";
      break;
    case Verdict::mismatch:
      why = "does not match";
      break;
    case Verdict::too_old:
      why = "timestamp too old";
      break;
    case Verdict::too_new:
      why = "timestamp too far in the future";
      break;
  }
  throw bb::Error(bb::ErrorCode::invalid_argument,
                  std::string(scheme) + " signature: " + std::string(why),
                  boost::json::object{{"reason", to_string(v)}})
      .with_code("invalid_signature");
}

}  // namespace bb::webhooks
