// The SaaS cockpit's billing over HTTP against the real saas-demo: an organization's trial on the
// default plan, the seed's billing module gated by it, the trial ending, and Stripe bringing it
// back: checkout and the billing portal against a fake Stripe API (tests/js/fake_stripe.mjs),
// and webhook events signed by Stripe's own library (tests/js/stripe_sign.mjs, stripe@23.1.0).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <ctime>
#include <string>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/problem.hpp"

namespace bbit {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const std::string kNode = BUNBASE_NODE_BIN;
const std::string kJs = BUNBASE_JS_DIR;
const std::string kWebhookSecret = "whsec_bunbase_story_test";
const std::string kSecretKey = "sk_test_bunbase_story";
const std::string kProPrice = "price_pro_monthly";

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// The fake Stripe API: a Node process on a free port.
class FakeStripe {
 public:
  FakeStripe() {
    process_ = std::make_unique<Process>(kNode, std::vector<std::string>{kJs + "/fake_stripe.mjs"},
                                         ProcessOptions{.cwd = dir_.path(), .name = "stripe"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string out = process_->out();
      if (auto eol = out.find('\n'); eol != std::string::npos) {
        port_ = static_cast<unsigned short>(json::parse(out.substr(0, eol)).at("port").to_number<int>());
        return;
      }
      if (!process_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("fake Stripe did not start\n" + process_->output_for_diagnostics());
  }
  ~FakeStripe() { process_->kill_and_reap(); }

  unsigned short port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Every API request it received: method, path, headers, form.
  json::array requests() const {
    Response r = http(port_, "GET", "/__requests", {}, {{"Authorization", ""}});
    json::value v = r.json();
    if (!v.is_array()) throw std::runtime_error("fake Stripe's /__requests: " + r.body);
    return v.as_array();
  }
  void fail_next(int count, int status) {
    http(port_, "POST", "/__fail?count=" + std::to_string(count) + "&status=" + std::to_string(status), {},
         {{"Authorization", ""}});
  }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  unsigned short port_ = 0;
};

// The Stripe-Signature header Stripe's library makes for the payload.
std::string stripe_signature(const std::string& payload, const std::string& secret, std::int64_t timestamp) {
  TempDir dir;
  write_file(dir / "payload.json", payload);
  auto done = run_to_end("/bin/sh",
                         {"-c", "'" + kNode + "' '" + kJs + "/stripe_sign.mjs' '" + secret + "' " +
                                    std::to_string(timestamp) + " < payload.json"},
                         {.cwd = dir.path(), .name = "sign"});
  if (done.code != 0) throw std::runtime_error("stripe_sign.mjs failed: " + done.err);
  std::string header = done.out;
  while (!header.empty() && (header.back() == '\n' || header.back() == '\r')) header.pop_back();
  return header;
}

json::object event(const std::string& id, const std::string& type, json::object object,
                   std::int64_t created = unix_now(), const std::string& api_version = "2025-03-31.basil") {
  return {{"id", id},           {"object", "event"},   {"type", type},
          {"api_version", api_version}, {"created", created}, {"livemode", false},
          {"data", {{"object", std::move(object)}}}};
}

// A subscription object in the current API shape: the period on its items.
json::object subscription_now(const std::string& id, const std::string& org_id, const std::string& status,
                              std::int64_t period_end) {
  return {{"id", id},
          {"object", "subscription"},
          {"customer", "cus_story"},
          {"status", status},
          {"cancel_at_period_end", false},
          {"trial_end", nullptr},
          {"metadata", {{"org_id", org_id}}},
          {"items",
           {{"object", "list"},
            {"data", json::array{json::object{{"id", "si_1"},
                                              {"price", {{"id", kProPrice}, {"object", "price"}}},
                                              {"current_period_start", period_end - 30 * 86400},
                                              {"current_period_end", period_end}}}}}}};
}

class Billing : public ::testing::Test {
 protected:
  // The demo with Stripe configured: the pro plan sold at kProPrice.
  static ServerOptions with_stripe(const FakeStripe& stripe) {
    return {.env = {{"STRIPE_SECRET_KEY", kSecretKey},
                    {"STRIPE_WEBHOOK_SECRET", kWebhookSecret},
                    {"BUNBASE_STRIPE_API_BASE", stripe.base()}},
            .edit_config = [](std::string& config) {
              const std::string pro = "key = \"pro\"\n";
              config.insert(config.find(pro) + pro.size(), "stripe_price = \"" + kProPrice + "\"\n");
            }};
  }

  static std::string create_org(DemoServer& server, const std::string& slug) {
    Response r = http(server.port(), "POST", "/_cockpit/orgs", json::serialize(json::object{{"name", slug}, {"slug", slug}}));
    EXPECT_EQ(r.status, 201) << r;
    return r.status == 201 ? str(r.json().at("id")) : "";
  }

  static Response create_invoice(DemoServer& server, const std::string& org_id, int cents = 1250) {
    return http(server.port(), "POST", "/billing/invoices",
                json::serialize(json::object{{"customer", "ACME Corp"}, {"amountCents", cents}}),
                {{"X-Org-Id", org_id}});
  }

  static json::object subscription(DemoServer& server, const std::string& org_id) {
    Response r = http(server.port(), "GET", "/_cockpit/orgs/" + org_id + "/subscription");
    EXPECT_EQ(r.status, 200) << r;
    return r.status == 200 ? r.json().as_object() : json::object{};
  }

  static Response deliver(DemoServer& server, const json::object& ev, const std::string& secret = kWebhookSecret,
                          std::int64_t timestamp = unix_now()) {
    const std::string payload = json::serialize(ev);
    return http(server.port(), "POST", "/_cockpit/stripe/webhook", payload,
                {{"Stripe-Signature", stripe_signature(payload, secret, timestamp)}, {"Authorization", ""}});
  }

  // Ends the organization's trial as time would: trial_ends_at in the past, then the sweep the
  // server runs on saas.sweep_schedule, run now through the CLI on the same database.
  static void end_trial(DemoServer& server, const std::string& org_id) {
    {
      Db db(server.db_url());
      db.query("UPDATE subscriptions SET trial_ends_at = ? WHERE org_id = ?", {iso_from_now(-std::chrono::hours(1)), org_id});
    }
    auto sweep = run_to_end(kSaasDemo, {"run", "processSubscriptions"},
                            {.cwd = server.dir().path(), .env = {{"DATABASE_URL", server.db_url()}}, .name = "sweep"});
    ASSERT_EQ(sweep.code, 0) << sweep.out << sweep.err;
    EXPECT_THAT(sweep.out, HasSubstr("\"trials_ended\":1")) << sweep.out;
  }
};

TEST_F(Billing, WithoutAProviderTheTrialGatesBillingAndAPlanChangeRestoresIt) {
  DemoServer server;
  const std::string org = create_org(server, "acme");
  auto sub = subscription(server, org);
  EXPECT_EQ(str(sub.at("plan")), "pro");
  EXPECT_EQ(str(sub.at("status")), "trialing");
  EXPECT_TRUE(sub.at("usable").as_bool());
  EXPECT_TRUE(about_from_now(str(sub.at("trial_ends_at")), std::chrono::hours(24 * 14), std::chrono::minutes(5)));

  // The seed's cascade on the pro trial: create, send, pay.
  Response created = create_invoice(server, org);
  ASSERT_EQ(created.status, 201) << created;
  const std::string invoice = str(created.json().at("id"));
  EXPECT_EQ(http(server.port(), "POST", "/billing/invoices/" + invoice + "/send", "{}", {{"X-Org-Id", org}}).status, 200);
  Response paid = http(server.port(), "POST", "/billing/invoices/" + invoice + "/payment", "{}", {{"X-Org-Id", org}});
  EXPECT_EQ(paid.status, 200) << paid;
  EXPECT_EQ(str(paid.json().at("status")), "paid");

  end_trial(server, org);
  EXPECT_EQ(str(subscription(server, org).at("status")), "unpaid");
  Response refused = create_invoice(server, org);
  expect_problem(refused, 403, "subscription_inactive");
  EXPECT_EQ(str(refused.json().at("subscriptionStatus")), "unpaid") << refused;
  // Reading invoices needs the plan too: the module's has_feature("billing") guards every action.
  expect_problem(http(server.port(), "GET", "/billing/invoices", {}, {{"X-Org-Id", org}}), 403, "subscription_inactive");

  // Without a provider a plan change restarts the subscription at once.
  Response changed = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/plan", R"({"plan":"pro"})");
  ASSERT_EQ(changed.status, 200) << changed;
  EXPECT_EQ(str(changed.json().at("status")), "active");
  EXPECT_EQ(create_invoice(server, org).status, 201);

  // The free plan has no billing: the other half of has_feature.
  Response down = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/plan", R"({"plan":"free"})");
  ASSERT_EQ(down.status, 200) << down;
  EXPECT_EQ(str(down.json().at("pending_plan")), "free") << "a downgrade waits for the end of the paid period";
  EXPECT_EQ(create_invoice(server, org).status, 201);

  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM subscription_events WHERE org_id = ? AND name = 'subscription.created'", {org}), 1);
  EXPECT_GE(db.count("SELECT count(*) FROM subscription_events WHERE org_id = ? AND name = 'subscription.updated'", {org}), 3);
  EXPECT_EQ(db.count("SELECT count(*) FROM invoices WHERE org_id = ?", {org}), 3);
}

TEST_F(Billing, AFreeOrganizationIsRefusedWithFeatureNotInPlan) {
  DemoServer server;
  const std::string org = create_org(server, "tiny");
  Response r = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/plan", R"({"plan":"free"})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(str(r.json().at("plan")), "free") << "during a trial a downgrade applies at once";
  Response refused = create_invoice(server, org);
  expect_problem(refused, 403, "feature_not_in_plan");
  EXPECT_EQ(str(refused.json().at("feature")), "billing") << refused;
}

TEST_F(Billing, TheWholeStoryWithStripe) {
  FakeStripe stripe;
  DemoServer server(with_stripe(stripe));
  const std::string org = create_org(server, "acme");
  ASSERT_EQ(create_invoice(server, org).status, 201) << "the trial on pro includes billing";

  end_trial(server, org);
  expect_problem(create_invoice(server, org), 403, "subscription_inactive");

  // With Stripe a paid plan is bought through checkout, not changed for free.
  expect_problem(http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/plan", R"({"plan":"pro"})"), 409,
                 "checkout_required");

  // Checkout: one retry after Stripe's 500, with the same idempotency key.
  stripe.fail_next(1, 500);
  Response checkout = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/checkout",
                           R"({"plan":"pro","success_url":"https://app.example/ok","cancel_url":"https://app.example/no"})");
  ASSERT_EQ(checkout.status, 201) << checkout;
  EXPECT_THAT(str(checkout.json().at("url")), HasSubstr("cs_test_"));
  json::array calls = stripe.requests();
  ASSERT_EQ(calls.size(), 2u) << json::serialize(calls);
  const auto& sent = calls.back().as_object();
  EXPECT_EQ(str(sent.at("path")), "/v1/checkout/sessions");
  EXPECT_EQ(str(sent.at("headers").at("authorization")), "Bearer " + kSecretKey);
  EXPECT_EQ(str(sent.at("headers").at("content-type")).rfind("application/x-www-form-urlencoded", 0), 0u);
  EXPECT_FALSE(str(sent.at("headers").at("idempotency-key")).empty());
  EXPECT_EQ(sent.at("headers").at("idempotency-key"), calls.front().at("headers").at("idempotency-key"));
  const auto& form = sent.at("form").as_object();
  EXPECT_EQ(str(form.at("mode")), "subscription");
  EXPECT_EQ(str(form.at("line_items[0][price]")), kProPrice);
  EXPECT_EQ(str(form.at("client_reference_id")), org);
  EXPECT_EQ(str(form.at("customer_email")), "owner@example.com");

  // Stripe's events, signed by its library, bring the subscription back.
  const std::int64_t t0 = unix_now(), period_end = t0 + 30 * 86400;
  Response completed = deliver(server, event("evt_checkout", "checkout.session.completed",
                                             {{"id", "cs_test_1"},
                                              {"object", "checkout.session"},
                                              {"mode", "subscription"},
                                              {"customer", "cus_story"},
                                              {"subscription", "sub_story"},
                                              {"client_reference_id", org},
                                              {"payment_status", "paid"},
                                              {"metadata", {{"org_id", org}, {"plan", "pro"}}}},
                                             t0));
  ASSERT_EQ(completed.status, 200) << completed;
  EXPECT_TRUE(completed.json().at("applied").as_bool());
  Response updated = deliver(server, event("evt_sub_updated", "customer.subscription.updated",
                                           subscription_now("sub_story", org, "active", period_end), t0 + 1));
  ASSERT_EQ(updated.status, 200) << updated;
  Response paid = deliver(server, event("evt_invoice_paid", "invoice.paid",
                                        {{"id", "in_1"},
                                         {"object", "invoice"},
                                         {"customer", "cus_story"},
                                         {"billing_reason", "subscription_cycle"},
                                         {"parent", {{"subscription_details", {{"subscription", "sub_story"}}}}}},
                                        t0 + 2));
  ASSERT_EQ(paid.status, 200) << paid;
  EXPECT_TRUE(paid.json().at("applied").as_bool());

  auto sub = subscription(server, org);
  EXPECT_EQ(str(sub.at("status")), "active");
  EXPECT_EQ(str(sub.at("provider")), "stripe");
  EXPECT_TRUE(about_from_now(str(sub.at("current_period_end")), std::chrono::hours(24 * 30), std::chrono::minutes(5)))
      << "the period end comes from the subscription item (API 2025-03-31 and later)";
  EXPECT_EQ(create_invoice(server, org).status, 201) << "paid again: billing is back";

  // Stripe retries: the same event id is acknowledged and not applied twice.
  Response again = deliver(server, event("evt_invoice_paid", "invoice.paid",
                                         {{"id", "in_1"}, {"object", "invoice"}, {"customer", "cus_story"},
                                          {"parent", {{"subscription_details", {{"subscription", "sub_story"}}}}}},
                                         t0 + 2));
  ASSERT_EQ(again.status, 200) << again;
  EXPECT_TRUE(again.json().at("duplicate").as_bool());
  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM stripe_events WHERE id = 'evt_invoice_paid'"), 1);

  // The billing portal goes to Stripe with the customer checkout created.
  Response portal = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/portal",
                         R"({"return_url":"https://app.example/settings"})");
  ASSERT_EQ(portal.status, 201) << portal;
  EXPECT_EQ(str(stripe.requests().back().at("form").at("customer")), "cus_story");

  // The older API shape (period on the subscription) with a failed payment: past_due, still usable.
  json::object old_shape = subscription_now("sub_story", org, "past_due", period_end);
  old_shape["current_period_end"] = period_end + 86400;
  old_shape["items"].as_object()["data"].as_array()[0].as_object().erase("current_period_end");
  Response past_due = deliver(server, event("evt_old_shape", "customer.subscription.updated", old_shape, t0 + 3, "2024-06-20"));
  ASSERT_EQ(past_due.status, 200) << past_due;
  sub = subscription(server, org);
  EXPECT_EQ(str(sub.at("status")), "past_due");
  EXPECT_TRUE(about_from_now(str(sub.at("current_period_end")), std::chrono::hours(24 * 31), std::chrono::minutes(5)));
  EXPECT_EQ(create_invoice(server, org).status, 201) << "past_due is a grace period";

  // An event older than the last one applied arrives late: it changes nothing.
  Response stale = deliver(server, event("evt_stale", "customer.subscription.updated",
                                         subscription_now("sub_story", org, "active", period_end), t0 - 100));
  ASSERT_EQ(stale.status, 200) << stale;
  EXPECT_FALSE(stale.json().at("applied").as_bool());
  EXPECT_EQ(str(subscription(server, org).at("status")), "past_due");

  // Deleted: billing stops.
  Response deleted = deliver(server, event("evt_deleted", "customer.subscription.deleted",
                                           subscription_now("sub_story", org, "canceled", period_end), t0 + 4));
  ASSERT_EQ(deleted.status, 200) << deleted;
  expect_problem(create_invoice(server, org), 403, "subscription_inactive");
  EXPECT_EQ(db.count("SELECT count(*) FROM subscription_events WHERE org_id = ? AND name = 'subscription.canceled'", {org}), 1);
}

TEST_F(Billing, ForgedStaleOrTamperedWebhooksAreRefusedAndChangeNothing) {
  FakeStripe stripe;
  DemoServer server(with_stripe(stripe));
  const std::string org = create_org(server, "acme");
  const json::object ev = event("evt_forged", "customer.subscription.deleted",
                                subscription_now("sub_x", org, "canceled", unix_now() + 86400));
  const std::string payload = json::serialize(ev);
  auto post = [&](const std::string& body, const std::string& signature) {
    Headers h{{"Authorization", ""}};
    if (!signature.empty()) h.emplace_back("Stripe-Signature", signature);
    return http(server.port(), "POST", "/_cockpit/stripe/webhook", body, h);
  };
  // A bare 401: why stays in the run record.
  expect_problem(post(payload, ""), 401, "webhook_unverified");
  expect_problem(post(payload, stripe_signature(payload, "whsec_someone_else", unix_now())), 401, "webhook_unverified");
  expect_problem(post(payload, stripe_signature(payload, kWebhookSecret, unix_now() - 3600)), 401, "webhook_unverified");
  std::string tampered = payload;
  tampered.replace(tampered.find("canceled"), 8, "active__");
  expect_problem(post(tampered, stripe_signature(payload, kWebhookSecret, unix_now())), 401, "webhook_unverified");
  Response garbled = post(payload, "t=abc,v1=zz");
  expect_problem(garbled, 401, "webhook_unverified");
  EXPECT_THAT(garbled.body, ::testing::Not(HasSubstr("malformed")));

  EXPECT_EQ(str(subscription(server, org).at("status")), "trialing");
  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT count(*) FROM stripe_events"), 0);
  EXPECT_TRUE(server.healthy());
  server.stop(SIGTERM);  // flushes the run history: each refusal is a failed run with its cause
  Db after(server.db_url());
  auto refused = after.query("SELECT trigger_type, error FROM action_runs WHERE action_name = 'stripeWebhook'");
  ASSERT_EQ(refused.size(), 5u);
  for (auto& r : refused) {
    EXPECT_EQ(r["trigger_type"], "webhook");
    EXPECT_THAT(r["error"].value_or(""), HasSubstr("Stripe signature")) << "the cause is recorded";
  }
}

TEST_F(Billing, StripeDownIsA503AndNothingChanges) {
  FakeStripe stripe;
  DemoServer server(with_stripe(stripe));
  const std::string org = create_org(server, "acme");
  stripe.fail_next(10, 503);
  Response r = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/checkout",
                    R"({"plan":"pro","success_url":"https://app.example/ok","cancel_url":"https://app.example/no"})");
  expect_problem(r, 503, "stripe_unavailable");
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr(kSecretKey)));
  EXPECT_EQ(stripe.requests().size(), 3u) << "one call and max_retries (2) retries";
  EXPECT_EQ(str(subscription(server, org).at("status")), "trialing");
}

TEST_F(Billing, OnlyBillingManagersBuyAndOutsidersSeeNothing) {
  FakeStripe stripe;
  DemoServer server(with_stripe(stripe));
  const std::string org = create_org(server, "acme");
  Account outsider = sign_up(server.port(), "mallory@example.com");
  Response peek = http(server.port(), "GET", "/_cockpit/orgs/" + org + "/subscription", {}, bearer(outsider.token));
  expect_problem(peek, 403, "not_a_member");
  Response buy = http(server.port(), "POST", "/_cockpit/orgs/" + org + "/subscription/checkout",
                      R"({"plan":"pro","success_url":"https://x.example/","cancel_url":"https://x.example/"})",
                      bearer(outsider.token));
  expect_problem(buy, 403, "not_a_member");
  Response invoice = http(server.port(), "POST", "/billing/invoices", R"({"customer":"x","amountCents":1})",
                          bearer(outsider.token, {{"X-Org-Id", org}}));
  expect_problem(invoice, 403, "not_a_member");
  EXPECT_TRUE(stripe.requests().empty());
}

}  // namespace
}  // namespace bbit
