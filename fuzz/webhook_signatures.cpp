// The webhook signature checks (src/webhooks/signatures.cpp): Stripe-Signature, GitHub's
// X-Hub-Signature-256, Standard Webhooks (webhook-id/-timestamp/-signature) and a plain
// HMAC-SHA256 header, over attacker-controlled headers and bodies. What must hold: no crash, a
// verdict from the documented set, never `ok` for a header the harness did not sign; and the
// same body and timestamp signed the way each sender does (with the fuzzer's junk entries around
// the signature) always verifies, while a changed body never does.
//
// Input: byte 0 picks the scheme, then the header fields and the body (FuzzedDataProvider).
#include <fuzzer/FuzzedDataProvider.h>
#include <sodium.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bunbase/webhooks.hpp"
#include "fuzz/check.hpp"

namespace {

using bb::webhooks::Verdict;
using namespace std::chrono;

const std::vector<std::string> kSecrets{"whsec_first", "", "whsec_second"};
// Standard Webhooks keys are base64 after "whsec_": "key-one-key-one!" and "key-two-key-two!".
const std::vector<std::string> kStandardSecrets{"whsec_a2V5LW9uZS1rZXktb25lIQ==",
                                                "a2V5LXR3by1rZXktdHdvIQ=="};
constexpr std::string_view kStandardKey = "key-one-key-one!";

std::string mac(std::string_view key, std::string_view message) {
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&st, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string hex(std::string_view raw) {
  std::string out(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  out.pop_back();
  return out;
}

std::string base64(std::string_view raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

bool known(Verdict v) {
  switch (v) {
    case Verdict::ok:
    case Verdict::missing:
    case Verdict::malformed:
    case Verdict::mismatch:
    case Verdict::too_old:
    case Verdict::too_new:
      return true;
  }
  return false;
}

// Another entry of the header's list, which the check must skip: no list separator in it, and
// for Stripe no '=' (so neither a second timestamp nor a v1).
std::string junk(FuzzedDataProvider& in, bool stripe) {
  std::string s = in.ConsumeRandomLengthString(24);
  std::erase(s, stripe ? ',' : ' ');
  if (stripe) std::erase(s, '=');
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return sodium_init() < 0 ? 1 : 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int scheme = in.ConsumeIntegralInRange(0, 3);
  const long long t = in.ConsumeIntegralInRange<long long>(0, 4'000'000'000LL);
  const system_clock::time_point now =
      system_clock::time_point(seconds(t + in.ConsumeIntegralInRange(-400, 400)));
  const std::string header = in.ConsumeRandomLengthString(512);
  const std::string extra = in.ConsumeRandomLengthString(64);  // Standard Webhooks: the id
  const std::string timestamp = in.ConsumeRandomLengthString(20);
  const std::string prefix = junk(in, scheme == 0), suffix = junk(in, scheme == 0);
  const std::string body = in.ConsumeRemainingBytesAsString();
  std::string tampered = body;
  tampered.push_back('x');

  // Whatever the fuzzer wrote: a known verdict, and `ok` only by forging an HMAC, which it cannot.
  Verdict v;
  switch (scheme) {
    case 0:
      v = bb::webhooks::check_stripe(body, header, kSecrets, seconds(300), now);
      break;
    case 1:
      v = bb::webhooks::check_github(body, header, kSecrets);
      break;
    case 2:
      v = bb::webhooks::check_standard(body, extra, timestamp, header, kStandardSecrets,
                                       seconds(300), now);
      break;
    default:
      v = bb::webhooks::check_hmac_sha256(body, header, kSecrets);
      break;
  }
  FUZZ_CHECK(known(v), "verdict %d", static_cast<int>(v));
  FUZZ_CHECK(v != Verdict::ok, "an unsigned header verified: %s", header.c_str());

  // Signed as the sender signs, the same body verifies (the timestamp within 300 s of now);
  // the tampered body does not.
  const bool in_time = std::abs(duration_cast<seconds>(now.time_since_epoch()).count() - t) <= 300;
  const std::string ts = std::to_string(t);
  switch (scheme) {
    case 0: {
      const std::string signed_header =
          prefix + ",t=" + ts + ",v1=" + hex(mac(kSecrets[2], ts + "." + body)) + "," + suffix;
      const Verdict good =
          bb::webhooks::check_stripe(body, signed_header, kSecrets, seconds(300), now);
      FUZZ_CHECK(
          good == (in_time                                                      ? Verdict::ok
                   : t < duration_cast<seconds>(now.time_since_epoch()).count() ? Verdict::too_old
                                                                                : Verdict::too_new),
          "a signed Stripe header gave %s: %s", std::string(to_string(good)).c_str(),
          signed_header.c_str());
      FUZZ_CHECK(bb::webhooks::check_stripe(tampered, signed_header, kSecrets, seconds(300), now) ==
                     Verdict::mismatch,
                 "a changed body still matches");
      break;
    }
    case 1:
    case 3: {
      const std::string signed_header = "sha256=" + hex(mac(kSecrets[0], body));
      const Verdict good = scheme == 1
                               ? bb::webhooks::check_github(body, signed_header, kSecrets)
                               : bb::webhooks::check_hmac_sha256(body, signed_header, kSecrets);
      FUZZ_CHECK(good == Verdict::ok, "a signed header gave %s",
                 std::string(to_string(good)).c_str());
      FUZZ_CHECK(
          bb::webhooks::check_hmac_sha256(tampered, signed_header, kSecrets) == Verdict::mismatch,
          "a changed body still matches");
      break;
    }
    default: {
      // The id as the sender sends it: non-empty, no surrounding blanks (the check trims them).
      std::string id = extra;
      std::erase_if(id, [](char c) { return c == ' ' || c == '\t'; });
      if (id.empty()) id = "msg_1";
      const std::string signatures =
          prefix + " v1," + base64(mac(kStandardKey, id + "." + ts + "." + body)) + " " + suffix;
      const Verdict good = bb::webhooks::check_standard(body, id, ts, signatures, kStandardSecrets,
                                                        seconds(300), now);
      FUZZ_CHECK(
          good == (in_time                                                      ? Verdict::ok
                   : t < duration_cast<seconds>(now.time_since_epoch()).count() ? Verdict::too_old
                                                                                : Verdict::too_new),
          "a signed Standard Webhooks delivery gave %s: %s", std::string(to_string(good)).c_str(),
          signatures.c_str());
      FUZZ_CHECK(bb::webhooks::check_standard(tampered, id, ts, signatures, kStandardSecrets,
                                              seconds(300), now) == Verdict::mismatch,
                 "a changed body still matches");
      break;
    }
  }
  return 0;
}
