#include <gtest/gtest.h>
#include <sodium.h>

#include "bunbase/core/error.hpp"
#include "bunbase/webhooks.hpp"

namespace bb::webhooks {
// So that a failed expectation prints "mismatch" rather than bytes.
void PrintTo(Verdict v, std::ostream* os) { *os << to_string(v); }
}  // namespace bb::webhooks

namespace {

using namespace std::chrono_literals;
using bb::webhooks::Verdict;
using Clock = std::chrono::system_clock;

Clock::time_point at(long long unix_seconds) {
  return Clock::time_point(std::chrono::seconds(unix_seconds));
}

// Our own signer for the cases the reference vectors do not cover (rotation, boundaries).
std::string hmac_hex(std::string_view key, std::string_view msg) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

std::string stripe_sig(std::string_view secret, long long t, std::string_view body) {
  return hmac_hex(secret, std::to_string(t) + "." + std::string(body));
}

// ---- Stripe ----------------------------------------------------------------------------

// Checked with stripe@23.1.0's generateTestHeaderString (refs/webhooks.md).
constexpr std::string_view kStripeSecret = "whsec_test_secret";
constexpr std::string_view kStripeBody = R"({"id":"evt_test","object":"event"})";
constexpr long long kStripeT = 1700000000;
constexpr std::string_view kStripeHeader =
    "t=1700000000,v1=8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
const std::vector<std::string> kStripeSecrets{std::string(kStripeSecret)};

TEST(StripeSignature, ReferenceVectorVerifies) {
  EXPECT_EQ(
      bb::webhooks::check_stripe(kStripeBody, kStripeHeader, kStripeSecrets, 300s, at(kStripeT)),
      Verdict::ok);
  EXPECT_EQ(stripe_sig(kStripeSecret, kStripeT, kStripeBody),
            "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724");
}

TEST(StripeSignature, TamperedBodyOrWrongSecretMismatch) {
  EXPECT_EQ(bb::webhooks::check_stripe(R"({"id":"evt_test","object":"event" })", kStripeHeader,
                                       kStripeSecrets, 300s, at(kStripeT)),
            Verdict::mismatch);
  EXPECT_EQ(
      bb::webhooks::check_stripe(kStripeBody, kStripeHeader, {"whsec_other"}, 300s, at(kStripeT)),
      Verdict::mismatch);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, kStripeHeader, {}, 300s, at(kStripeT)),
            Verdict::mismatch);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, kStripeHeader, {""}, 300s, at(kStripeT)),
            Verdict::mismatch);
  // The timestamp is signed too: changing it breaks the signature.
  std::string moved = "t=1700000001" + std::string(kStripeHeader.substr(12));
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, moved, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::mismatch);
}

TEST(StripeSignature, AnySecretOfOursAndAnyV1OfTheirsMayMatch) {
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, kStripeHeader,
                                       {"whsec_new", "whsec_test_secret"}, 300s, at(kStripeT)),
            Verdict::ok);
  std::string two = "t=1700000000,v1=" + stripe_sig("whsec_their_new", kStripeT, kStripeBody) +
                    "," + std::string(kStripeHeader.substr(13));
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, two, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::ok);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, two, {"whsec_their_new"}, 300s, at(kStripeT)),
            Verdict::ok);
  // Order of the items does not matter, nor a v0 next to them.
  std::string reordered = "v0=abcd,v1=" + std::string(kStripeHeader.substr(16)) + ",t=1700000000";
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, reordered, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::ok);
}

TEST(StripeSignature, V0AloneIsNeverEnough) {
  std::string v0 = "t=1700000000,v0=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, v0, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::missing);
}

TEST(StripeSignature, MalformedHeaders) {
  auto check = [](std::string_view header) {
    return bb::webhooks::check_stripe(kStripeBody, header, kStripeSecrets, 300s, at(kStripeT));
  };
  EXPECT_EQ(check(""), Verdict::missing);
  EXPECT_EQ(check("   "), Verdict::missing);
  EXPECT_EQ(check("garbage"), Verdict::missing);
  EXPECT_EQ(check("t=1700000000"), Verdict::missing);
  EXPECT_EQ(check(kStripeHeader.substr(13)), Verdict::malformed) << "no t";
  EXPECT_EQ(check("t=abc,v1=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody)),
            Verdict::malformed);
  EXPECT_EQ(check("t=-5,v1=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody)),
            Verdict::malformed);
  EXPECT_EQ(check("t=,v1=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody)), Verdict::malformed);
  EXPECT_EQ(
      check("t=99999999999999999999999,v1=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody)),
      Verdict::malformed);
  EXPECT_EQ(check(std::string(kStripeHeader) + "0"), Verdict::malformed) << "odd-length hex";
  EXPECT_EQ(check("t=1700000000,v1=zz"), Verdict::malformed);
  EXPECT_EQ(check("t=1700000000,v1="), Verdict::malformed);
  EXPECT_EQ(
      check("t=1700000000,t=1700000000,v1=" + stripe_sig(kStripeSecret, kStripeT, kStripeBody)),
      Verdict::malformed);
  // Well-formed hex of the wrong length can never match.
  EXPECT_EQ(check("t=1700000000,v1=8042376f6ca064ad"), Verdict::mismatch);
  EXPECT_EQ(check(std::string(kStripeHeader) + "00"), Verdict::mismatch);
}

TEST(StripeSignature, AnUndecodableV1BesideAMatchingOneIsSkipped) {
  // As stripe-node's constructEvent: every v1 is tried, a match with any one is enough.
  const std::string good = stripe_sig(kStripeSecret, kStripeT, kStripeBody);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, "t=1700000000,v1=zz,v1=" + good, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::ok);
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, "t=1700000000,v1=zz,v1=" + std::string(64, '0'), kStripeSecrets,
                                       300s, at(kStripeT)),
            Verdict::mismatch);
}

TEST(StripeSignature, HugeHeaderIsRejectedWithoutFuss) {
  std::string huge = "t=1700000000";
  while (huge.size() < 1'000'000) huge += ",v1=" + std::string(64, 'a');
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, huge, kStripeSecrets, 300s, at(kStripeT)),
            Verdict::malformed);
}

TEST(StripeSignature, ToleranceBoundaries) {
  auto check = [](long long now, std::chrono::seconds tol = 300s) {
    return bb::webhooks::check_stripe(kStripeBody, kStripeHeader, kStripeSecrets, tol, at(now));
  };
  EXPECT_EQ(check(kStripeT + 300), Verdict::ok) << "exactly the tolerance passes";
  EXPECT_EQ(check(kStripeT + 301), Verdict::too_old);
  EXPECT_EQ(check(kStripeT - 300), Verdict::ok);
  EXPECT_EQ(check(kStripeT - 301), Verdict::too_new);
  EXPECT_EQ(check(kStripeT + 10, 10s), Verdict::ok);
  EXPECT_EQ(check(kStripeT + 11, 10s), Verdict::too_old);
  // Sub-second parts of "now" do not push a boundary case over.
  EXPECT_EQ(bb::webhooks::check_stripe(kStripeBody, kStripeHeader, kStripeSecrets, 300s,
                                       at(kStripeT + 300) + 999ms),
            Verdict::ok);
  // A bad signature says mismatch, whatever its age.
  EXPECT_EQ(
      bb::webhooks::check_stripe("x", kStripeHeader, kStripeSecrets, 300s, at(kStripeT + 10000)),
      Verdict::mismatch);
}

// ---- GitHub ----------------------------------------------------------------------------

// GitHub's documented vector.
constexpr std::string_view kGithubSecret = "It's a Secret to Everybody";
constexpr std::string_view kGithubHeader =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

TEST(GithubSignature, ReferenceVector) {
  EXPECT_EQ(
      bb::webhooks::check_github("Hello, World!", kGithubHeader, {std::string(kGithubSecret)}),
      Verdict::ok);
  EXPECT_EQ(
      bb::webhooks::check_github("Hello, World?", kGithubHeader, {std::string(kGithubSecret)}),
      Verdict::mismatch);
  EXPECT_EQ(
      bb::webhooks::check_github("Hello, World!", kGithubHeader, {"It's a secret to everybody"}),
      Verdict::mismatch);
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", kGithubHeader,
                                       {"old", std::string(kGithubSecret)}),
            Verdict::ok);
  std::string upper =
      "sha256=" + std::string("757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17");
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", upper, {std::string(kGithubSecret)}),
            Verdict::ok);
}

TEST(GithubSignature, MalformedHeaders) {
  const std::vector<std::string> secrets{std::string(kGithubSecret)};
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", "", secrets), Verdict::missing);
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", kGithubHeader.substr(7), secrets),
            Verdict::malformed)
      << "the sha256= prefix is required";
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", "sha1=0123", secrets), Verdict::malformed);
  const std::string odd = std::string(kGithubHeader).append("7");
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", odd, secrets), Verdict::malformed);
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", "sha256=", secrets), Verdict::malformed);
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", "sha256=75710g", secrets),
            Verdict::malformed);
  EXPECT_EQ(bb::webhooks::check_github("Hello, World!", kGithubHeader.substr(0, 69), secrets),
            Verdict::mismatch);
  EXPECT_EQ(
      bb::webhooks::check_github("Hello, World!", "sha256=" + std::string(100'000, 'a'), secrets),
      Verdict::malformed);
}

TEST(HmacSha256Signature, BareOrPrefixedHex) {
  const std::vector<std::string> secrets{std::string(kGithubSecret)};
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", kGithubHeader, secrets), Verdict::ok);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", kGithubHeader.substr(7), secrets),
            Verdict::ok);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World", kGithubHeader.substr(7), secrets),
            Verdict::mismatch);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", kGithubHeader.substr(7), {"nope"}),
            Verdict::mismatch);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", "", secrets), Verdict::missing);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", "abc", secrets), Verdict::malformed);
  EXPECT_EQ(bb::webhooks::check_hmac_sha256("Hello, World!", hmac_hex("k2", "Hello, World!"),
                                            {"k1", "k2"}),
            Verdict::ok);
}

// ---- Standard Webhooks -----------------------------------------------------------------

// The standardwebhooks library's own vector.
constexpr std::string_view kSwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSwId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view kSwTs = "1614265330";
constexpr std::string_view kSwBody = R"({"test": 2432232314})";
constexpr std::string_view kSwSig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr long long kSwT = 1614265330;
const std::vector<std::string> kSwSecrets{std::string(kSwSecret)};

Verdict standard(std::string_view body, std::string_view sigs,
                 const std::vector<std::string>& secrets = kSwSecrets, long long now = kSwT,
                 std::string_view ts = kSwTs, std::string_view id = kSwId) {
  return bb::webhooks::check_standard(body, id, ts, sigs, secrets, 300s, at(now));
}

TEST(StandardWebhooksSignature, ReferenceVector) {
  EXPECT_EQ(standard(kSwBody, kSwSig), Verdict::ok);
  EXPECT_EQ(standard(kSwBody, kSwSig, {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}), Verdict::ok)
      << "prefix optional";
  EXPECT_EQ(standard(R"({"test": 2432232315})", kSwSig), Verdict::mismatch);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT, kSwTs, "msg_other"), Verdict::mismatch);
  EXPECT_EQ(standard(kSwBody, kSwSig, {"whsec_dGhpcyBpcyBub3QgdGhlIGtleQ=="}), Verdict::mismatch);
  EXPECT_EQ(standard(kSwBody, kSwSig, {"whsec_not base64!"}), Verdict::mismatch);
}

TEST(StandardWebhooksSignature, RotationOnEitherSide) {
  EXPECT_EQ(
      standard(kSwBody, kSwSig, {"whsec_dGhpcyBpcyBub3QgdGhlIGtleQ==", std::string(kSwSecret)}),
      Verdict::ok);
  std::string several =
      "v1a,AAAA v1,dGhpcyBpcyBub3QgdGhlIHNpZ25hdHVyZSBhdCBhbGwhISE= " + std::string(kSwSig);
  EXPECT_EQ(standard(kSwBody, several), Verdict::ok);
  EXPECT_EQ(standard(kSwBody, "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), Verdict::missing)
      << "only v1 entries count";
}

TEST(StandardWebhooksSignature, MalformedAndMissing) {
  EXPECT_EQ(standard(kSwBody, ""), Verdict::missing);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT, "", kSwId), Verdict::missing);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT, kSwTs, ""), Verdict::missing);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT, "16142653a0"), Verdict::malformed);
  EXPECT_EQ(standard(kSwBody, "v1,not*base64"), Verdict::malformed);
  EXPECT_EQ(standard(kSwBody, "v1,"), Verdict::malformed);
  EXPECT_EQ(standard(kSwBody, "v1,AAAA"), Verdict::mismatch) << "wrong length";
  std::string huge;
  while (huge.size() < 100'000) huge.append(kSwSig).append(" ");
  EXPECT_EQ(standard(kSwBody, huge), Verdict::malformed);
}

TEST(StandardWebhooksSignature, AnUndecodableV1BesideAMatchingOneIsSkipped) {
  EXPECT_EQ(standard(kSwBody, "v1,!!not-base64!! " + std::string(kSwSig)), Verdict::ok);
  EXPECT_EQ(standard(kSwBody, "v1,!!not-base64!! v1,AAAA"), Verdict::mismatch);
}

TEST(StandardWebhooksSignature, ToleranceBothWays) {
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT + 300), Verdict::ok);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT + 301), Verdict::too_old);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT - 300), Verdict::ok);
  EXPECT_EQ(standard(kSwBody, kSwSig, kSwSecrets, kSwT - 301), Verdict::too_new);
}

// ---- require ---------------------------------------------------------------------------

TEST(WebhookRequire, OkPassesAnythingElseIsAnInvalidSignatureError) {
  EXPECT_NO_THROW(bb::webhooks::require(Verdict::ok, "stripe"));
  try {
    bb::webhooks::require(Verdict::too_old, "stripe");
    FAIL() << "expected a throw";
  } catch (const bb::Error& e) {
    EXPECT_EQ(e.kind(), bb::ErrorCode::invalid_argument);
    EXPECT_EQ(e.code(), "invalid_signature");
    EXPECT_EQ(e.message(), "stripe signature: timestamp too old");
    EXPECT_EQ(e.details().at("reason"), "too_old");
  }
  for (Verdict v : {Verdict::missing, Verdict::malformed, Verdict::mismatch, Verdict::too_new})
    EXPECT_THROW(bb::webhooks::require(v, "github"), bb::Error) << bb::webhooks::to_string(v);
}

TEST(WebhookRequire, VerdictNames) {
  EXPECT_EQ(bb::webhooks::to_string(Verdict::ok), "ok");
  EXPECT_EQ(bb::webhooks::to_string(Verdict::mismatch), "mismatch");
  EXPECT_EQ(bb::webhooks::to_string(Verdict::too_new), "too_new");
}

}  // namespace
