// Verified webhooks (bb::triggers::webhook) over HTTP, signed by the senders' own libraries
// (tests/js/webhook_sign.mjs: stripe@23.1.0, standardwebhooks@1.1.1,
// @octokit/webhooks-methods@6.0.0). Against the demo: a Stripe payment marks an invoice paid
// once, and refused deliveries are bare 401s recorded with their cause. Against jobs-app's hooks
// module (tests/apps/jobs-app/src/modules/hooks): every verifier, tampering, timestamps both ways,
// secret rotation, redelivery, a failed delivery retried, the queue option and body limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/problem.hpp"
#include "tests/integration/support/process.hpp"

namespace bbit {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using Ms = std::chrono::milliseconds;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJs = BUNBASE_JS_DIR;
const std::string kJobsApp = BUNBASE_JOBS_APP_BIN;

// jobs-app's secrets (tests/apps/jobs-app/src/modules/hooks reads them from the environment).
const std::string kGithubSecret = "It's a Secret to Everybody";
const std::string kStandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kStandardSecret2 = "whsec_BwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
const std::string kStandardOther = "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
const std::string kHmacSecret = "hmac-secret";
const std::string kCustomToken = "let-me-in";
const std::string kStripeSecret = "whsec_jobs_app";
const std::string kDemoSecret = "whsec_demo_webhooks";

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// ---- signing with the senders' libraries ---------------------------------------------------

struct SignCase {
  std::string scheme;  // stripe, standard, github
  std::string secret;
  std::string payload;
  std::string id;                  // standard: webhook-id; github: X-GitHub-Delivery
  std::optional<std::int64_t> ts;  // stripe and standard; default now
};

// One `node webhook_sign.mjs --batch` for all of a test's cases, started at once so that it runs
// while the app starts; get() waits for the headers, in the order of the cases.
class Signatures {
 public:
  explicit Signatures(const std::vector<SignCase>& cases) : count_(cases.size()) {
    std::string lines;
    for (const auto& c : cases) {
      json::object o{{"scheme", c.scheme}, {"secret", c.secret}, {"payload", c.payload}};
      if (!c.id.empty()) o["id"] = c.id;
      if (c.ts) o["ts"] = *c.ts;
      lines += json::serialize(o) + "\n";
    }
    write_file(dir_ / "cases.jsonl", lines);
    process_ = std::make_unique<Process>(
        "/bin/sh", std::vector<std::string>{"-c", "'" + kNode + "' '" + kJs + "/webhook_sign.mjs' --batch < cases.jsonl"},
        ProcessOptions{.cwd = dir_.path(), .name = "sign"});
  }

  std::vector<Headers> get() {
    if (!done_) {
      done_ = true;
      const int code = process_->wait(std::chrono::seconds(15));
      if (code != 0) throw std::runtime_error("webhook_sign.mjs failed\n" + process_->output_for_diagnostics());
      const std::string out = process_->out();
      std::size_t start = 0;
      for (auto eol = out.find('\n'); eol != std::string::npos; start = eol + 1, eol = out.find('\n', start)) {
        Headers h;
        const json::value line = json::parse(std::string_view(out).substr(start, eol - start));
        for (const auto& [k, v] : line.as_object())
          h.emplace_back(std::string(k), std::string(v.as_string()));
        headers_.push_back(std::move(h));
      }
      if (headers_.size() != count_)
        throw std::runtime_error("webhook_sign.mjs signed " + std::to_string(headers_.size()) + " of " +
                                 std::to_string(count_) + " cases\n" + process_->output_for_diagnostics());
    }
    return headers_;
  }

 private:
  TempDir dir_;
  std::size_t count_;
  std::unique_ptr<Process> process_;
  bool done_ = false;
  std::vector<Headers> headers_;
};

std::string value_of(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (iequals(k, name)) return v;
  return {};
}

// The headers with `name` renamed (Svix's names for the Standard Webhooks ones).
Headers renamed(Headers h, const std::map<std::string, std::string>& names) {
  for (auto& [k, v] : h)
    if (auto it = names.find(k); it != names.end()) k = it->second;
  return h;
}

Headers with(Headers h, std::string name, std::string value) {
  std::erase_if(h, [&](const auto& kv) { return iequals(kv.first, name); });
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

// A refused delivery: 401 webhook_unverified and nothing in the body about why.
void expect_unverified(const Response& r) {
  expect_problem(r, 401, "webhook_unverified");
  std::string body = r.body;
  std::transform(body.begin(), body.end(), body.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"signature", "match", "old", "future", "timestamp", "secret", "malformed", "token", "missing"})
    EXPECT_THAT(body, ::testing::Not(HasSubstr(word))) << "the 401 tells why: " << r.body;
}

// The recorded failed runs of an action, oldest first (run ids are time-ordered): their causes.
std::vector<std::string> refusal_causes(Db& db, const std::string& action) {
  std::vector<std::string> causes;
  for (const auto& row : db.query("SELECT trigger_type, error FROM action_runs WHERE action_name = ? AND status = 'error' "
                                  "AND error LIKE '%webhook_unverified%' ORDER BY id",
                                  {action})) {
    EXPECT_EQ(row.at("trigger_type").value_or(""), "webhook");
    json::value e = json::parse(row.at("error").value_or("null"));
    EXPECT_EQ(str(e.at("code")), "webhook_unverified") << e;
    EXPECT_EQ(str(e.at("kind")), "unauthenticated") << e;
    causes.push_back(e.as_object().contains("cause") ? str(e.at("cause")) : "<no cause>");
  }
  return causes;
}

// ---- the demo: POST /webhooks/stripe -> stripePaymentReceived ------------------------------

class WebhookDemo : public ::testing::Test {
 protected:
  WebhookDemo() : server_({.env = {{"STRIPE_WEBHOOK_SECRET", kDemoSecret}}}) {
    Response org = http(server_.port(), "POST", "/_cockpit/orgs", R"({"name":"Hooks","slug":"hooks"})");
    EXPECT_EQ(org.status, 201) << org;
    org_ = org.status == 201 ? str(org.json().at("id")) : "";
    Response created = http(server_.port(), "POST", "/billing/invoices", R"({"customer":"ACME Corp","amountCents":1250})",
                            {{"X-Org-Id", org_}});
    EXPECT_EQ(created.status, 201) << created;
    invoice_ = created.status == 201 ? str(created.json().at("id")) : "";
    Response sent = http(server_.port(), "POST", "/billing/invoices/" + invoice_ + "/send", "{}", {{"X-Org-Id", org_}});
    EXPECT_EQ(sent.status, 200) << sent;
  }

  std::string payment_event(const std::string& id, const std::string& type = "payment_intent.succeeded") const {
    return json::serialize(json::object{
        {"id", id},
        {"object", "event"},
        {"type", type},
        {"api_version", "2025-03-31.basil"},
        {"created", unix_now()},
        {"livemode", false},
        {"data",
         {{"object",
           {{"id", "pi_" + id}, {"object", "payment_intent"}, {"amount", 1250}, {"metadata", {{"invoice_id", invoice_}}}}}}}});
  }

  // As Stripe sends it: no Authorization (DemoServer's default one is blanked).
  Response deliver(const std::string& payload, const std::string& signature) {
    Headers h{{"Authorization", ""}};
    if (!signature.empty()) h.emplace_back("Stripe-Signature", signature);
    return http(server_.port(), "POST", "/webhooks/stripe", payload, h);
  }

  std::string invoice_status() {
    Db db(server_.db_url());
    auto rows = db.query("SELECT status FROM invoices WHERE id = ?", {invoice_});
    return rows.empty() ? "<none>" : rows[0].at("status").value_or("<null>");
  }

  DemoServer server_;
  std::string org_, invoice_;
};

TEST_F(WebhookDemo, SignedPaymentSucceededMarksTheInvoicePaidOnceAndARedeliveryIsADuplicate) {
  const std::string payload = payment_event("evt_paid_1");
  const std::string other = payment_event("evt_created_1", "payment_intent.created");
  Signatures sigs({{"stripe", kDemoSecret, payload},
                   {"stripe", kDemoSecret, payload, "", unix_now() - 60},  // Stripe's retry: re-signed later
                   {"stripe", kDemoSecret, other}});
  auto h = sigs.get();

  Response first = deliver(payload, value_of(h[0], "stripe-signature"));
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(first.json(), json::parse(R"({"handled":true,"invoiceId":")" + invoice_ + "\"}")) << first;
  EXPECT_EQ(invoice_status(), "paid");

  for (const auto* header : {&h[1], &h[0]}) {  // re-signed, then the very same bytes again
    Response again = deliver(payload, value_of(*header, "stripe-signature"));
    EXPECT_EQ(again.status, 200) << again;
    EXPECT_EQ(again.json(), json::parse(R"({"received":true,"duplicate":true})")) << again;
  }
  // Another event type is acknowledged and handled as "nothing to do".
  Response created = deliver(other, value_of(h[2], "stripe-signature"));
  EXPECT_EQ(created.status, 200) << created;
  EXPECT_EQ(created.json().at("handled"), json::value(false)) << created;

  {
    Db db(server_.db_url());
    auto claims = db.query("SELECT endpoint, status, run_id FROM webhook_deliveries WHERE event_id = 'evt_paid_1'");
    ASSERT_EQ(claims.size(), 1u);
    EXPECT_EQ(claims[0].at("endpoint").value_or(""), "POST /webhooks/stripe");
    EXPECT_EQ(claims[0].at("status").value_or(""), "done");
    EXPECT_TRUE(claims[0].at("run_id").has_value());
  }
  ASSERT_TRUE(server_.healthy());
  ASSERT_EQ(server_.stop(SIGTERM), 0);  // flushes the run history
  Db db(server_.db_url());
  auto runs = db.query("SELECT trigger_type, trigger_detail, status FROM action_runs "
                       "WHERE action_name = 'stripePaymentReceived' ORDER BY id");
  ASSERT_EQ(runs.size(), 2u) << "the redeliveries ran the action again";
  EXPECT_EQ(runs[0].at("trigger_type").value_or(""), "webhook");
  EXPECT_EQ(runs[0].at("trigger_detail").value_or(""), "POST /webhooks/stripe evt_paid_1");
  EXPECT_EQ(runs[0].at("status").value_or(""), "success");
  EXPECT_EQ(runs[1].at("trigger_detail").value_or(""), "POST /webhooks/stripe evt_created_1");
}

TEST_F(WebhookDemo, RefusedDeliveriesAreBare401sRecordedWithTheirCauseAndLeaveTheEventIdUnclaimed) {
  const std::string payload = payment_event("evt_refused_1");
  Signatures sigs({{"stripe", kDemoSecret, payload},
                   {"stripe", kDemoSecret, payload, "", unix_now() - 3600},
                   {"stripe", "whsec_not_the_demos", payload}});
  auto h = sigs.get();
  const std::string good = value_of(h[0], "stripe-signature");
  std::string tampered = payload;
  tampered.replace(tampered.find("\"amount\":1250"), 13, "\"amount\":9999");

  expect_unverified(deliver(tampered, good));
  expect_unverified(deliver(payload, value_of(h[1], "stripe-signature")));  // t = now - 3600
  expect_unverified(deliver(payload, value_of(h[2], "stripe-signature")));  // another secret
  expect_unverified(deliver(payload, ""));                                 // no header
  expect_unverified(deliver(payload, "t=yesterday,v1=zz"));                // garbage
  EXPECT_TRUE(server_.healthy());
  EXPECT_EQ(invoice_status(), "sent");
  {
    Db db(server_.db_url());
    EXPECT_EQ(db.count("SELECT count(*) FROM webhook_deliveries"), 0) << "a refused delivery claimed its id";
  }

  // The genuine delivery of the same event still goes through.
  Response ok = deliver(payload, good);
  EXPECT_EQ(ok.status, 200) << ok;
  EXPECT_EQ(invoice_status(), "paid");

  ASSERT_EQ(server_.stop(SIGTERM), 0);
  Db db(server_.db_url());
  EXPECT_THAT(refusal_causes(db, "stripePaymentReceived"),
              ::testing::ElementsAre("Stripe signature: does not match", "Stripe signature: timestamp too old",
                                     "Stripe signature: does not match", "Stripe signature: no signature",
                                     "Stripe signature: malformed header"));
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'stripePaymentReceived' AND status = 'success'"), 1);
}

// ---- jobs-app's hooks module -----------------------------------------------------------------

// jobs-app's bunbase.toml in `dir`: its database `url`, any free port, a quick queue, the run
// history flushed every 200 ms and a 16 KiB body limit.
void write_hooks_config(const TempDir& dir, const std::string& url) {
  write_file(dir / "bunbase.toml", "host = \"127.0.0.1\"\nport = 0\n"
                                   "[database]\nurl = \"" + url + "\"\n"
                                   "[http]\nbody_limit = \"16KiB\"\n"
                                   "[persistence]\nflush_interval_ms = 200\n"
                                   "[queue]\nworkers = 2\npoll_ms = 50\nlease = \"2s\"\n");
}

const std::map<std::string, std::string> kHooksEnv = {
    {"HOOKS_GITHUB_SECRET", kGithubSecret}, {"HOOKS_STANDARD_SECRET", kStandardSecret},
    {"HOOKS_HMAC_SECRET", kHmacSecret},     {"HOOKS_CUSTOM_TOKEN", kCustomToken},
    {"HOOKS_STRIPE_SECRET", kStripeSecret}};

// jobs-app serving from the test's directory, started and listening.
class HooksApp {
 public:
  HooksApp(const TempDir& dir, std::map<std::string, std::string> env) {
    process_ = std::make_unique<Process>(kJobsApp, std::vector<std::string>{"serve"},
                                         ProcessOptions{.cwd = dir.path(), .env = std::move(env), .name = "jobs-app"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string err = process_->err();
      std::size_t start = 0;
      for (auto eol = err.find('\n'); eol != std::string::npos; start = eol + 1, eol = err.find('\n', start)) {
        boost::system::error_code ec;
        auto v = json::parse(std::string_view(err).substr(start, eol - start), ec);
        if (ec || !v.is_object() || !v.get_object().contains("msg") || v.at("msg") != "listening") continue;
        std::string bind(v.at("meta").at("bind").as_string());
        port_ = static_cast<unsigned short>(std::stoi(bind.substr(bind.rfind(':') + 1)));
        return;
      }
      if (!process_->running())
        throw std::runtime_error("jobs-app exited before listening\n" + process_->output_for_diagnostics());
      std::this_thread::sleep_for(Ms(3));
    }
    throw std::runtime_error("jobs-app did not log \"listening\" in time\n" + process_->output_for_diagnostics());
  }
  ~HooksApp() {
    if (::testing::Test::HasFailure())
      std::cerr << "[ jobs-app stderr ]\n" << DemoServer::tail(process_->err(), 3000) << "\n";
    process_->kill_and_reap();
  }
  unsigned short port() const { return port_; }
  // SIGTERM: the run history is flushed before it exits.
  int stop() {
    process_->signal(SIGTERM);
    return process_->wait(std::chrono::seconds(10));
  }

 private:
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

class WebhookApp : public ::testing::Test {
 protected:
  WebhookApp() { write_hooks_config(dir_, database_.url()); }
  ~WebhookApp() override {
    if (HasFailure()) {
      dir_.keep();
      database_.keep();
      std::cerr << "[ jobs-app dir kept: " << dir_.path() << " ]\n";
    }
  }

  // Starts jobs-app (kHooksEnv with `env` on top).
  HooksApp& start(const std::map<std::string, std::string>& env = {}) {
    auto all = kHooksEnv;
    for (const auto& [k, v] : env) all[k] = v;
    app_.emplace(dir_, all);
    return *app_;
  }
  Response post(const std::string& path, const std::string& body, const Headers& headers) {
    return http(app_->port(), "POST", path, body, headers);
  }
  // Stops the app (flushing its run history) and opens its database.
  Db& stopped() {
    EXPECT_EQ(app_->stop(), 0);
    db_.emplace(db_url());
    return *db_;
  }
  const std::string& db_url() const { return database_.url(); }
  std::int64_t deliveries(const std::string& source, const std::string& id) {
    Db db(db_url());
    return db.count("SELECT count(*) FROM deliveries WHERE source = ? AND delivery_id = ?", {source, id});
  }
  std::int64_t all_deliveries(const std::string& source) {
    Db db(db_url());
    return db.count("SELECT count(*) FROM deliveries WHERE source = ?", {source});
  }

  TempDir dir_;
  TestDatabase database_{dir_.path()};
  std::optional<HooksApp> app_;
  std::optional<Db> db_;
};

// ---- GitHub: @octokit/webhooks-methods' sign ----

class WebhookGithub : public WebhookApp {};

TEST_F(WebhookGithub, SignedByOctokitIsRunOnceWithTheBodyAsSent) {
  const std::string body = R"({"action":"opened","number":7,  "note":"spacing kept"})";
  Signatures sigs({{"github", kGithubSecret, body, "gh-1"}});
  start();
  auto h = sigs.get();
  EXPECT_THAT(value_of(h[0], "x-hub-signature-256"), ::testing::StartsWith("sha256="));

  Response r = post("/hooks/github", body, h[0]);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.json(), json::parse(R"({"attempt":1})"));
  Db db(db_url());
  auto rows = db.query("SELECT body, trigger FROM deliveries WHERE source = 'github'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(json::parse(rows[0].at("body").value_or("")), json::parse(body));
  EXPECT_EQ(rows[0].at("trigger").value_or(""), "webhook POST /hooks/github gh-1");
}

TEST_F(WebhookGithub, TamperedBodyWrongSecretAndMissingOrLegacyHeadersAre401AndRecorded) {
  const std::string body = R"({"action":"opened","number":7})";
  Signatures sigs({{"github", kGithubSecret, body, "gh-2"}, {"github", "not the secret", body, "gh-2"}});
  start();
  auto h = sigs.get();
  std::string tampered = body;
  tampered.replace(tampered.find('7'), 1, "8");

  expect_unverified(post("/hooks/github", tampered, h[0]));
  expect_unverified(post("/hooks/github", body, h[1]));
  expect_unverified(post("/hooks/github", body, {{"X-GitHub-Delivery", "gh-2"}}));
  // Only the legacy SHA-1 header: not accepted.
  expect_unverified(post("/hooks/github", body,
                         {{"X-GitHub-Delivery", "gh-2"}, {"X-Hub-Signature", "sha1=0123456789abcdef0123456789abcdef01234567"}}));
  // The SHA-256 value under another scheme prefix.
  expect_unverified(post("/hooks/github", body,
                         with(h[0], "X-Hub-Signature-256", "sha1=" + value_of(h[0], "x-hub-signature-256").substr(7))));
  EXPECT_EQ(all_deliveries("github"), 0);

  Response ok = post("/hooks/github", body, h[0]);  // the genuine one still runs: the id was not claimed
  EXPECT_EQ(ok.status, 200) << ok;

  Db& db = stopped();
  EXPECT_THAT(refusal_causes(db, "githubHook"),
              ::testing::ElementsAre("GitHub signature: does not match", "GitHub signature: does not match",
                                     "GitHub signature: no signature", "GitHub signature: no signature",
                                     "GitHub signature: malformed header"));
  auto refused = db.query("SELECT input, trigger_detail FROM action_runs WHERE action_name = 'githubHook' AND status = 'error'");
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused[0].at("trigger_detail").value_or(""), "POST /hooks/github");
}

TEST_F(WebhookGithub, ARedeliveredIdRunsOnceAndAnotherIdWithTheSameBodyRunsAgain) {
  const std::string body = R"({"action":"closed"})";
  Signatures sigs({{"github", kGithubSecret, body, "gh-3"}, {"github", kGithubSecret, body, "gh-4"}});
  start();
  auto h = sigs.get();
  EXPECT_EQ(post("/hooks/github", body, h[0]).status, 200);
  for (int i = 0; i < 3; ++i) {
    Response again = post("/hooks/github", body, h[0]);
    EXPECT_EQ(again.status, 200) << again;
    EXPECT_EQ(again.json(), json::parse(R"({"received":true,"duplicate":true})")) << again;
  }
  EXPECT_EQ(post("/hooks/github", body, h[1]).status, 200);
  EXPECT_EQ(deliveries("github", "gh-3"), 1);
  EXPECT_EQ(deliveries("github", "gh-4"), 1);

  Db& db = stopped();
  EXPECT_EQ(db.count("SELECT count(*) FROM action_runs WHERE action_name = 'githubHook'"), 2);
}

TEST_F(WebhookGithub, AFailedFirstDeliveryIsRunAgainByTheRetryWithTheSameId) {
  const std::string body = R"({"action":"opened","failTimes":1})";
  Signatures sigs({{"github", kGithubSecret, body, "gh-5"}});
  start();
  auto h = sigs.get();
  expect_problem(post("/hooks/github", body, h[0]), 503, "failing_on_purpose");
  {
    Db db(db_url());
    EXPECT_EQ(db.count("SELECT count(*) FROM webhook_deliveries WHERE event_id = 'gh-5'"), 0)
        << "a failed run kept its claim";
  }
  Response retry = post("/hooks/github", body, h[0]);
  ASSERT_EQ(retry.status, 200) << retry;
  EXPECT_EQ(retry.json(), json::parse(R"({"attempt":2})"));
  EXPECT_EQ(post("/hooks/github", body, h[0]).json(), json::parse(R"({"received":true,"duplicate":true})"));
  EXPECT_EQ(deliveries("github", "gh-5"), 1);

  Db& db = stopped();
  auto runs = db.query("SELECT status FROM action_runs WHERE action_name = 'githubHook' ORDER BY id");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].at("status").value_or(""), "error");
  EXPECT_EQ(runs[1].at("status").value_or(""), "success");
}

TEST_F(WebhookGithub, ARedeliveryWhileTheFirstStillRunsIs409InProgress) {
  const std::string body = R"({"action":"slow","sleepMs":1500})";
  Signatures sigs({{"github", kGithubSecret, body, "gh-6"}});
  start();
  auto h = sigs.get();
  auto first = std::async(std::launch::async, [&] { return post("/hooks/github", body, h[0]); });
  ASSERT_TRUE(eventually(
      [&] {
        Db db(db_url());
        return db.count("SELECT count(*) FROM webhook_deliveries WHERE event_id = 'gh-6' AND status = 'processing'") == 1;
      },
      Ms(1200)))
      << "the first delivery was not claimed";
  expect_problem(post("/hooks/github", body, h[0]), 409, "delivery_in_progress");
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(post("/hooks/github", body, h[0]).json(), json::parse(R"({"received":true,"duplicate":true})"));
  EXPECT_EQ(deliveries("github", "gh-6"), 1);
}

// ---- Standard Webhooks: standardwebhooks' Webhook.sign ----

class WebhookStandard : public WebhookApp {};

TEST_F(WebhookStandard, SignedByStandardwebhooksIsAcceptedUnderWebhookAndSvixHeaderNames) {
  const std::string body = R"({"type":"invoice.paid","data":{"n":1}})";
  Signatures sigs({{"standard", kStandardSecret, body, "msg_std_1"}, {"standard", kStandardSecret, body, "msg_std_2"}});
  start();
  auto h = sigs.get();
  EXPECT_THAT(value_of(h[0], "webhook-signature"), ::testing::StartsWith("v1,"));
  Response r = post("/hooks/standard", body, h[0]);
  ASSERT_EQ(r.status, 200) << r;
  const Headers svix = renamed(h[1], {{"webhook-id", "svix-id"}, {"webhook-timestamp", "svix-timestamp"},
                                      {"webhook-signature", "svix-signature"}});
  Response s = post("/hooks/standard", body, svix);
  ASSERT_EQ(s.status, 200) << s;
  EXPECT_EQ(post("/hooks/standard", body, svix).json(), json::parse(R"({"received":true,"duplicate":true})"))
      << "svix-id is the delivery id";
  EXPECT_EQ(deliveries("standard", "msg_std_1"), 1);
  EXPECT_EQ(deliveries("standard", "msg_std_2"), 1);
}

TEST_F(WebhookStandard, TamperedBodyOrIdAndAWrongSecretAre401) {
  const std::string body = R"({"type":"invoice.paid","amount":100})";
  Signatures sigs({{"standard", kStandardSecret, body, "msg_std_3"}, {"standard", kStandardOther, body, "msg_std_3"}});
  start();
  auto h = sigs.get();
  std::string tampered = body;
  tampered.replace(tampered.find("100"), 3, "900");
  expect_unverified(post("/hooks/standard", tampered, h[0]));
  expect_unverified(post("/hooks/standard", body, with(h[0], "webhook-id", "msg_std_other")));  // the id is signed
  expect_unverified(post("/hooks/standard", body, with(h[0], "webhook-timestamp",
                                                       std::to_string(std::stoll(value_of(h[0], "webhook-timestamp")) + 1))));
  expect_unverified(post("/hooks/standard", body, h[1]));
  expect_unverified(post("/hooks/standard", body, with(h[0], "webhook-signature", "v1a,AAAA")));  // only asymmetric
  EXPECT_EQ(all_deliveries("standard"), 0);

  Db& db = stopped();
  EXPECT_THAT(refusal_causes(db, "standardHook"),
              ::testing::Each(::testing::StartsWith("Standard Webhooks signature: ")));
  EXPECT_EQ(refusal_causes(db, "standardHook").size(), 5u);
}

TEST_F(WebhookStandard, TheTimestampMustBeWithinFiveMinutesEitherWay) {
  const std::string body = R"({"type":"ping"})";
  const std::int64_t now = unix_now();
  Signatures sigs({{"standard", kStandardSecret, body, "msg_old", now - 3600},
                   {"standard", kStandardSecret, body, "msg_new", now + 3600},
                   {"standard", kStandardSecret, body, "msg_late", now - 240},
                   {"standard", kStandardSecret, body, "msg_early", now + 240}});
  start();
  auto h = sigs.get();
  expect_unverified(post("/hooks/standard", body, h[0]));
  expect_unverified(post("/hooks/standard", body, h[1]));
  EXPECT_EQ(post("/hooks/standard", body, h[2]).status, 200);
  EXPECT_EQ(post("/hooks/standard", body, h[3]).status, 200);

  Db& db = stopped();
  EXPECT_THAT(refusal_causes(db, "standardHook"),
              ::testing::ElementsAre("Standard Webhooks signature: timestamp too old",
                                     "Standard Webhooks signature: timestamp too far in the future"));
}

TEST_F(WebhookStandard, ARedeliveryReSignedLaterRunsOnce) {
  const std::string body = R"({"type":"invoice.paid"})";
  Signatures sigs({{"standard", kStandardSecret, body, "msg_std_4", unix_now() - 30},
                   {"standard", kStandardSecret, body, "msg_std_4"}});
  start();
  auto h = sigs.get();
  EXPECT_EQ(post("/hooks/standard", body, h[0]).status, 200);
  EXPECT_EQ(post("/hooks/standard", body, h[1]).json(), json::parse(R"({"received":true,"duplicate":true})"));
  EXPECT_EQ(deliveries("standard", "msg_std_4"), 1);
}

TEST_F(WebhookStandard, MalformedJsonAfterAValidSignatureIs400AndClaimsNothing) {
  const std::string broken = R"({"type": "invoice.paid", )";
  const std::string fixed = R"({"type": "invoice.paid"})";
  Signatures sigs({{"standard", kStandardSecret, broken, "msg_std_5"}, {"standard", kStandardSecret, fixed, "msg_std_5"}});
  start();
  auto h = sigs.get();
  expect_problem(post("/hooks/standard", broken, h[0]), 400, "malformed_json");
  {
    Db db(db_url());
    EXPECT_EQ(db.count("SELECT count(*) FROM webhook_deliveries"), 0);
  }
  EXPECT_EQ(post("/hooks/standard", fixed, h[1]).status, 200);
  EXPECT_EQ(deliveries("standard", "msg_std_5"), 1);
}

// ---- several signatures in one header (the sender rotating): any one that matches is enough ----

TEST_F(WebhookApp, AnyMatchingSignatureAmongSeveralVerifies) {
  const std::string body = R"({"id":"evt_multi_1","type":"multi"})";
  Signatures sigs({{"standard", kStandardSecret, body, "msg_multi_1"}, {"stripe", kStripeSecret, body}});
  start();
  auto h = sigs.get();
  const std::string other_mac = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";  // 32 bytes, not ours
  EXPECT_EQ(post("/hooks/standard", body,
                 with(h[0], "webhook-signature", other_mac + " v1a,ZmFrZQ== " + value_of(h[0], "webhook-signature")))
                .status,
            200);
  const std::string stripe = value_of(h[1], "stripe-signature");  // "t=...,v1=..."
  const std::string t = stripe.substr(0, stripe.find(','));
  EXPECT_EQ(post("/hooks/queued", body,
                 {{"Stripe-Signature", t + ",v1=" + std::string(64, '0') + ",v0=" + std::string(64, 'a') +
                                           stripe.substr(stripe.find(','))}})
                .status,
            202);
}

// One v1 entry that does not decode beside one that matches: the reference libraries
// (standardwebhooks 1.1.1 Webhook.verify, stripe@23.1.0 constructEvent) accept the delivery, and
// so do we (refs/webhooks.md: "Try every v1 entry").
TEST_F(WebhookApp, AnUndecodableSignatureBesideAMatchingOneDoesNotRefuseTheDelivery) {
  const std::string body = R"({"id":"evt_multi_2","type":"multi"})";
  Signatures sigs({{"standard", kStandardSecret, body, "msg_multi_2"}, {"stripe", kStripeSecret, body}});
  start();
  auto h = sigs.get();
  Response standard =
      post("/hooks/standard", body, with(h[0], "webhook-signature", "v1,!!not-base64!! " + value_of(h[0], "webhook-signature")));
  EXPECT_EQ(standard.status, 200) << standard;
  const std::string stripe = value_of(h[1], "stripe-signature");
  Response queued = post("/hooks/queued", body,
                         {{"Stripe-Signature", stripe.substr(0, stripe.find(',')) + ",v1=zz" + stripe.substr(stripe.find(','))}});
  EXPECT_EQ(queued.status, 202) << queued;
}

// ---- secret rotation: two secrets in the variable, either verifies ----

TEST_F(WebhookApp, WhileRotatingEitherSecretVerifiesForEveryScheme) {
  const std::string body = R"({"id":"evt_rot","type":"rotation"})";
  Signatures sigs({{"github", "gh-old", body, "gh-rot-1"},
                   {"github", "gh-new", body, "gh-rot-2"},
                   {"github", "gh-other", body, "gh-rot-3"},
                   {"standard", kStandardSecret, body, "msg_rot_1"},
                   {"standard", kStandardSecret2, body, "msg_rot_2"},
                   {"standard", kStandardOther, body, "msg_rot_3"},
                   {"stripe", "whsec_old", body},
                   {"stripe", "whsec_new", body},
                   {"stripe", "whsec_other", body}});
  start({{"HOOKS_GITHUB_SECRET", "gh-old, gh-new"},
         {"HOOKS_STANDARD_SECRET", kStandardSecret + "," + kStandardSecret2},
         {"HOOKS_STRIPE_SECRET", "whsec_old,whsec_new"}});
  auto h = sigs.get();
  const char* paths[] = {"/hooks/github", "/hooks/standard", "/hooks/queued"};
  for (int scheme = 0; scheme < 3; ++scheme) {
    SCOPED_TRACE(paths[scheme]);
    Response old_secret = post(paths[scheme], body, h[scheme * 3]);
    EXPECT_THAT(old_secret.status, ::testing::AnyOf(200, 202)) << old_secret;
    // Stripe's: the same event id, so once verified a duplicate (200); the others run again.
    Response new_secret = post(paths[scheme], body, h[scheme * 3 + 1]);
    EXPECT_EQ(new_secret.status, 200) << new_secret;
    expect_unverified(post(paths[scheme], body, h[scheme * 3 + 2]));
  }
  EXPECT_EQ(all_deliveries("github"), 2);
  EXPECT_EQ(all_deliveries("standard"), 2);
}

// ---- Stripe-signed, acknowledged first and run through the job queue ----

class WebhookQueued : public WebhookApp {};

TEST_F(WebhookQueued, AVerifiedDeliveryIsAcknowledgedWith202AndRunAsAJobOnce) {
  const std::string body = R"({"id":"evt_q_1","object":"event","type":"invoice.paid"})";
  Signatures sigs({{"stripe", kStripeSecret, body}, {"stripe", kStripeSecret, body, "", unix_now() - 10}});
  start();
  auto h = sigs.get();
  Response r = post("/hooks/queued", body, h[0]);
  ASSERT_EQ(r.status, 202) << r;
  ASSERT_TRUE(r.json().is_object() && r.json().as_object().contains("jobId")) << r;
  EXPECT_EQ(r.json().at("received"), json::value(true));
  const std::string job = str(r.json().at("jobId"));
  ASSERT_TRUE(eventually([&] { return deliveries("queued", "evt_q_1") == 1; })) << "the job did not run";

  Response again = post("/hooks/queued", body, h[1]);
  EXPECT_EQ(again.json(), json::parse(R"({"received":true,"duplicate":true})")) << again;
  Db db(db_url());
  auto rows = db.query("SELECT trigger FROM deliveries WHERE source = 'queued'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].at("trigger").value_or(""), ::testing::StartsWith("queue job " + job));
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs WHERE action = 'queuedHook'"), 1);
  auto claim = db.query("SELECT status, job_id FROM webhook_deliveries WHERE event_id = 'evt_q_1'");
  ASSERT_EQ(claim.size(), 1u);
  EXPECT_EQ(claim[0].at("status").value_or(""), "done");
  EXPECT_EQ(claim[0].at("job_id").value_or(""), job);
}

TEST_F(WebhookQueued, RefusedStripeDeliveriesQueueNothing) {
  const std::string body = R"({"id":"evt_q_2","object":"event","type":"invoice.paid"})";
  Signatures sigs({{"stripe", kStripeSecret, body},
                   {"stripe", kStripeSecret, body, "", unix_now() - 3600},
                   {"stripe", "whsec_other", body}});
  start();
  auto h = sigs.get();
  std::string tampered = body;
  tampered.replace(tampered.find("paid"), 4, "void");
  expect_unverified(post("/hooks/queued", tampered, h[0]));
  expect_unverified(post("/hooks/queued", body, h[1]));
  expect_unverified(post("/hooks/queued", body, h[2]));
  expect_unverified(post("/hooks/queued", body, {}));
  Db& db = stopped();
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs WHERE action = 'queuedHook'"), 0);
  EXPECT_THAT(refusal_causes(db, "queuedHook"),
              ::testing::ElementsAre("Stripe signature: does not match", "Stripe signature: timestamp too old",
                                     "Stripe signature: does not match", "Stripe signature: no signature"));
}

TEST_F(WebhookQueued, AVerifiedDeliveryWhoseInputFailsValidationIs400QueuesNothingAndClaimsNothing) {
  const std::string body = R"({"id":"evt_q_3","sleepMs":999999})";  // the action allows at most 5000
  Signatures sigs({{"stripe", kStripeSecret, body}});
  start();
  auto h = sigs.get();
  Response r = post("/hooks/queued", body, h[0]);
  expect_problem(r, 400, "validation_failed");
  Db db(db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM jobs WHERE action = 'queuedHook'"), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM webhook_deliveries"), 0);
}

// ---- a plain HMAC header, and a custom verifier ----

class WebhookHmac : public WebhookApp {};

TEST_F(WebhookHmac, HexWithOrWithoutThePrefixVerifiesAndWithoutAnIdEveryDeliveryRuns) {
  const std::string body = R"({"ping":true})";
  // The same HMAC-SHA256 hex as GitHub's: made by octokit's sign with this endpoint's secret.
  Signatures sigs({{"github", kHmacSecret, body}, {"github", "wrong", body}});
  start();
  auto h = sigs.get();
  const std::string prefixed = value_of(h[0], "x-hub-signature-256");
  EXPECT_EQ(post("/hooks/hmac", body, {{"X-Signature", prefixed}}).status, 200);
  EXPECT_EQ(post("/hooks/hmac", body, {{"x-signature", prefixed.substr(7)}}).status, 200);
  expect_unverified(post("/hooks/hmac", body, {{"X-Signature", value_of(h[1], "x-hub-signature-256")}}));
  expect_unverified(post("/hooks/hmac", R"({"ping":false})", {{"X-Signature", prefixed}}));
  expect_unverified(post("/hooks/hmac", body, {}));
  EXPECT_EQ(all_deliveries("hmac"), 2) << "no event_id: no dedupe";
  Db& db = stopped();
  EXPECT_EQ(refusal_causes(db, "hmacHook").size(), 3u);
}

class WebhookCustom : public WebhookApp {};

TEST_F(WebhookCustom, ACallableVerifierAndEventIdWork) {
  start();
  const std::string body = R"({"eventId":"cust-1"})";
  EXPECT_EQ(post("/hooks/custom", body, {{"X-Hook-Token", kCustomToken}}).status, 200);
  EXPECT_EQ(post("/hooks/custom", body, {{"X-Hook-Token", kCustomToken}}).json(),
            json::parse(R"({"received":true,"duplicate":true})"));
  expect_unverified(post("/hooks/custom", body, {{"X-Hook-Token", kCustomToken + "x"}}));
  expect_unverified(post("/hooks/custom", body, {{"X-Hook-Token", ""}}));
  expect_unverified(post("/hooks/custom", body, {}));
  EXPECT_EQ(deliveries("custom", "cust-1"), 1);
  Db& db = stopped();
  EXPECT_THAT(refusal_causes(db, "customHook"), ::testing::Each(std::string("token header: does not match")));
  EXPECT_EQ(refusal_causes(db, "customHook").size(), 3u);
}

TEST_F(WebhookCustom, WithoutAConfiguredSecretEveryDeliveryIsRefused) {
  start({{"HOOKS_GITHUB_SECRET", ""}, {"HOOKS_CUSTOM_TOKEN", ""}});
  const std::string body = R"({"eventId":"cust-2"})";
  expect_unverified(post("/hooks/custom", body, {{"X-Hook-Token", ""}}));
  // An empty secret must not verify an HMAC made with an empty key.
  expect_unverified(post("/hooks/github", body,
                         {{"X-Hub-Signature-256", "sha256=29348c0aba055bca7b28ebb327e1a6a1cb3f40d163fa15edb65cc8a686c7eaaf"}}));
}

// ---- limits ----

TEST_F(WebhookApp, ABodyOverTheLimitIs413AndTheAppKeepsServing) {
  const std::string small = R"({"ok":1})";
  const std::string huge = R"({"pad":")" + std::string(64 * 1024, 'x') + "\"}";
  Signatures sigs({{"github", kGithubSecret, huge, "gh-huge"}, {"github", kGithubSecret, small, "gh-small"}});
  start();
  auto h = sigs.get();
  Connection c(app_->port());
  c.send_raw(Connection::build_request("POST", "/hooks/github", huge, h[0]));
  auto r = c.read_response();
  ASSERT_TRUE(r) << "no answer to a 64 KiB body over the 16 KiB limit";
  expect_problem(*r, 413, "payload_too_large", Instance::optional);
  EXPECT_EQ(post("/hooks/github", small, h[1]).status, 200);
  EXPECT_EQ(all_deliveries("github"), 1);
}

}  // namespace
}  // namespace bbit
