// The subscriptions module without a payment provider: the subscription a new organization starts
// on, plan changes, cancel and resume, the sweep that ends trials and periods, and the events.
#include "src/saas/subscriptions.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

using std::chrono::days;

// billing, invoices and seats; free (seats 3), pro (the default, a 14-day trial), team (no
// trial, seats unlimited), yearly, and legacy to be archived. `default_plan` "" means none.
Config subscriptions_config(const std::string& default_plan = "pro") {
  Config c = config();
  c.saas.enabled = true;
  c.saas.features = {{.key = "billing", .name = "Billing", .description = "Payment methods"},
                     {.key = "invoices", .name = "Invoices", .description = "Invoices"},
                     {.key = "seats", .name = "Seats", .description = "Members per organization"}};
  c.saas.plans = {
      {.key = "free", .name = "Free", .price_cents = 0, .features = {{.key = "seats", .limit = 3}}},
      {.key = "pro",
       .name = "Pro",
       .price_cents = 2900,
       .interval = "month",
       .trial_days = 14,
       .features = {{.key = "billing"}, {.key = "invoices"}, {.key = "seats", .limit = 25}}},
      {.key = "team",
       .name = "Team",
       .price_cents = 9900,
       .interval = "month",
       .features = {{.key = "billing"}, {.key = "seats", .limit = std::nullopt}}},
      {.key = "yearly",
       .name = "Yearly",
       .price_cents = 24000,
       .interval = "year",
       .features = {{.key = "billing"}}},
      {.key = "legacy", .name = "Legacy", .price_cents = 1500, .features = {{.key = "billing"}}},
  };
  for (auto& p : c.saas.plans) p.is_default = p.key == default_plan;
  return c;
}

class Subscriptions : public SaasTest {
 protected:
  Subscriptions() : SaasTest(subscriptions_config()) {}
  explicit Subscriptions(Config c) : SaasTest(std::move(c)) {}

  void SetUp() override {
    ada = add_user("ada@example.com");
    org = create_org(ada, "acme");
  }

  RunResult sweep() { return run_with(Auth::system(), "processSubscriptions"); }
  RunResult change_plan(const std::string& plan) {
    return run_in(ada, org, "changePlan", {{"plan", plan}});
  }

  std::optional<SubscriptionRow> sub() { return find_subscription(db(), org); }

  // Writes columns of the organization's subscription directly, as time passing would.
  void set(boost::json::object changes) {
    db().update("subscriptions", changes, "org_id = $1", {org});
  }

  // The trial is over and paid for: an active subscription on `plan` whose period began a day ago.
  void make_active(const std::string& plan = "pro") {
    set({{"plan_key", plan},
         {"status", "active"},
         {"trial_ends_at", nullptr},
         {"current_period_start", iso_in(-days(1))},
         {"current_period_end", iso_in(days(29))}});
  }

  // The organization's subscription events, oldest first.
  std::vector<std::string> events() {
    std::vector<std::string> out;
    for (const auto& r :
         db().query("SELECT name FROM subscription_events WHERE org_id = $1 ORDER BY id", {org}))
      out.push_back(str(r.at("name")));
    return out;
  }

  std::string ada, org;
};

std::int64_t field(const RunResult& r, std::string_view key) { return r.output.at(key).as_int64(); }

// --- starting ---

TEST_F(Subscriptions, ANewOrganizationStartsTrialingOnTheDefaultPlan) {
  auto s = sub();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->plan_key, "pro");
  EXPECT_EQ(s->status, "trialing");
  EXPECT_EQ(s->provider, "none");
  ASSERT_TRUE(s->trial_ends_at);
  EXPECT_GT(*s->trial_ends_at, iso_in(days(14) - std::chrono::minutes(1)));
  EXPECT_LE(*s->trial_ends_at, iso_in(days(14)));
  EXPECT_FALSE(s->cancel_at_period_end);
  EXPECT_FALSE(s->pending_plan_key);
}

TEST_F(Subscriptions, CreatingAnOrganizationRecordsSubscriptionCreatedWithTheRunId) {
  auto r = run_as(ada, "createOrganization", {{"name", "Second"}, {"slug", "second"}});
  ASSERT_TRUE(succeeds(r));
  const std::string second = str(r.output.at("id"));
  auto rows = db().query(
      "SELECT name, run_id, subscription_id FROM subscription_events WHERE org_id = $1", {second});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0].at("name")), "subscription.created");
  EXPECT_EQ(str(rows[0].at("run_id")), r.run_id);
  EXPECT_FALSE(r.run_id.empty());
  EXPECT_EQ(str(rows[0].at("subscription_id")), find_subscription(db(), second)->id);
}

TEST_F(Subscriptions, GetSubscriptionShowsThePlanAndItsFeatures) {
  auto r = run_in(ada, org, "getSubscription");
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "pro");
  EXPECT_EQ(str(r.output.at("status")), "trialing");
  EXPECT_TRUE(r.output.at("usable").as_bool());
  EXPECT_EQ(r.output.at("features").as_array().size(), 3u);
}

class SubscriptionsWithoutDefaultPlan : public Subscriptions {
 protected:
  SubscriptionsWithoutDefaultPlan() : Subscriptions(subscriptions_config("")) {}
};

TEST_F(SubscriptionsWithoutDefaultPlan, NoSubscriptionIsStartedAndGetSubscriptionIs404) {
  EXPECT_FALSE(sub());
  EXPECT_EQ(count("SELECT count(*) AS n FROM subscription_events"), 0);
  EXPECT_TRUE(fails_with(run_in(ada, org, "getSubscription"), ErrorCode::not_found,
                         "subscription_not_found"));
}

class SubscriptionsDefaultWithoutTrial : public Subscriptions {
 protected:
  SubscriptionsDefaultWithoutTrial() : Subscriptions(subscriptions_config("team")) {}
};

TEST_F(SubscriptionsDefaultWithoutTrial, TheSubscriptionIsActiveForOneMonth) {
  auto s = sub();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->plan_key, "team");
  EXPECT_EQ(s->status, "active");
  EXPECT_FALSE(s->trial_ends_at);
  ASSERT_TRUE(s->current_period_start && s->current_period_end);
  EXPECT_EQ(*s->current_period_end, period_end(*s->current_period_start, "month"));
  EXPECT_GT(*s->current_period_end, iso_in(days(27)));
}

// --- changePlan ---

TEST_F(Subscriptions, AnUpgradeDuringTheTrialAppliesAtOnceAndKeepsTrialing) {
  const auto before = sub();
  auto r = change_plan("team");
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "team");
  auto s = sub();
  EXPECT_EQ(s->plan_key, "team");
  EXPECT_EQ(s->status, "trialing");
  EXPECT_EQ(s->trial_ends_at, before->trial_ends_at);
  EXPECT_FALSE(s->pending_plan_key);
  EXPECT_EQ(events(), (std::vector<std::string>{"subscription.created", "subscription.updated"}));
}

TEST_F(Subscriptions, ADowngradeDuringTheTrialAppliesAtOnce) {
  ASSERT_TRUE(succeeds(change_plan("free")));
  auto s = sub();
  EXPECT_EQ(s->plan_key, "free");
  EXPECT_EQ(s->status, "trialing");
  EXPECT_FALSE(s->pending_plan_key);
}

TEST_F(Subscriptions, ADowngradeAfterTheTrialWaitsForThePeriodsEnd) {
  make_active("pro");
  auto r = change_plan("free");
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "pro");
  EXPECT_EQ(str(r.output.at("pending_plan")), "free");
  auto s = sub();
  EXPECT_EQ(s->plan_key, "pro");
  EXPECT_EQ(s->pending_plan_key, std::optional<std::string>("free"));
  EXPECT_EQ(events().back(), "subscription.updated");
  EXPECT_EQ(events().size(), 2u);

  auto early = sweep();
  ASSERT_TRUE(succeeds(early));
  EXPECT_EQ(field(early, "downgraded"), 0);
  EXPECT_EQ(sub()->plan_key, "pro") << "the period has not ended";
}

TEST_F(Subscriptions, TheSweepAppliesAPendingDowngradeOnceThePeriodEnded) {
  make_active("pro");
  ASSERT_TRUE(succeeds(change_plan("free")));
  const std::string ended = iso_in(-std::chrono::hours(1));
  set({{"current_period_start", iso_in(-days(31))}, {"current_period_end", ended}});
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "downgraded"), 1);
  EXPECT_EQ(field(r, "renewed"), 0);
  auto s = sub();
  EXPECT_EQ(s->plan_key, "free");
  EXPECT_FALSE(s->pending_plan_key);
  EXPECT_EQ(s->status, "active");
  EXPECT_EQ(s->current_period_start, std::optional<std::string>(ended));
  EXPECT_GT(*s->current_period_end, iso_now());
  EXPECT_EQ(events(), (std::vector<std::string>{"subscription.created", "subscription.updated",
                                                "subscription.updated"}));
}

TEST_F(Subscriptions, AYearlyPlanCheaperPerMonthIsADowngradeDespiteItsHigherPrice) {
  make_active("pro");
  ASSERT_TRUE(succeeds(change_plan("yearly")));
  EXPECT_EQ(sub()->plan_key, "pro");
  EXPECT_EQ(sub()->pending_plan_key, std::optional<std::string>("yearly"));
}

TEST_F(Subscriptions, ChangingBackToTheCurrentPlanDropsAPendingDowngrade) {
  make_active("pro");
  ASSERT_TRUE(succeeds(change_plan("free")));
  auto r = change_plan("pro");
  ASSERT_TRUE(succeeds(r));
  const auto* pending = r.output.as_object().if_contains("pending_plan");
  EXPECT_TRUE(!pending || pending->is_null());
  EXPECT_EQ(sub()->plan_key, "pro");
  EXPECT_FALSE(sub()->pending_plan_key);
  EXPECT_EQ(events().size(), 3u);
}

TEST_F(Subscriptions, ChangingToTheCurrentPlanIs409AlreadyOnPlan) {
  EXPECT_TRUE(fails_with(change_plan("pro"), ErrorCode::conflict, "already_on_plan"));
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(Subscriptions, AnArchivedPlanIs409PlanArchived) {
  ASSERT_TRUE(succeeds(run_with(Auth::system(), "archivePlan", {{"planKey", "legacy"}})));
  EXPECT_TRUE(fails_with(change_plan("legacy"), ErrorCode::conflict, "plan_archived"));
  EXPECT_EQ(sub()->plan_key, "pro");
}

TEST_F(Subscriptions, AnUnknownPlanIs404) {
  auto r = change_plan("platinum");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorCode::not_found);
  EXPECT_EQ(sub()->plan_key, "pro");
}

TEST_F(Subscriptions, AMemberWithoutBillingManageCannotChangeThePlan) {
  auto bob = add_user("bob@example.com");
  add_member(org, bob, "member");
  EXPECT_TRUE(fails_with(run_in(bob, org, "changePlan", {{"plan", "team"}}),
                         ErrorCode::permission_denied, "permission_denied"));
  EXPECT_TRUE(fails_with(run_in(bob, org, "cancelSubscription"), ErrorCode::permission_denied,
                         "permission_denied"));
  EXPECT_EQ(sub()->plan_key, "pro");
}

// changePlan checks billing:manage by role only: has_permission()'s plan half would refuse it on a
// plan without the billing feature, and nobody could upgrade from free.
TEST_F(Subscriptions, AnOwnerOnAPlanWithoutBillingCanUpgrade) {
  make_active("free");
  auto r = change_plan("team");
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(sub()->plan_key, "team");
}

// Nor may a lapsed subscription stop its owner from paying for it again (has_permission()'s plan
// half would refuse with subscription_inactive).
TEST_F(Subscriptions, ALapsedSubscriptionRestartedByChangePlanBecomesActive) {
  set({{"status", "unpaid"}, {"trial_ends_at", iso_in(-days(1))}, {"cancel_at_period_end", true}});
  auto r = change_plan("team");
  ASSERT_TRUE(succeeds(r));
  auto s = sub();
  EXPECT_EQ(s->plan_key, "team");
  EXPECT_EQ(s->status, "active");
  EXPECT_FALSE(s->trial_ends_at);
  EXPECT_FALSE(s->cancel_at_period_end);
  ASSERT_TRUE(s->current_period_end);
  EXPECT_EQ(*s->current_period_end, period_end(*s->current_period_start, "month"));
}

// --- cancel and resume ---

TEST_F(Subscriptions, CancelThenResume) {
  auto canceled = run_in(ada, org, "cancelSubscription");
  ASSERT_TRUE(succeeds(canceled));
  EXPECT_TRUE(canceled.output.at("cancel_at_period_end").as_bool());
  EXPECT_TRUE(sub()->cancel_at_period_end);
  EXPECT_TRUE(
      fails_with(run_in(ada, org, "cancelSubscription"), ErrorCode::conflict, "already_canceling"));

  auto resumed = run_in(ada, org, "resumeSubscription");
  ASSERT_TRUE(succeeds(resumed));
  EXPECT_FALSE(resumed.output.at("cancel_at_period_end").as_bool());
  EXPECT_FALSE(sub()->cancel_at_period_end);
  EXPECT_TRUE(
      fails_with(run_in(ada, org, "resumeSubscription"), ErrorCode::conflict, "not_canceling"));
  EXPECT_EQ(events(), (std::vector<std::string>{"subscription.created", "subscription.updated",
                                                "subscription.updated"}));
}

// --- the sweep ---

TEST_F(Subscriptions, TheSweepCancelsAtThePeriodsEnd) {
  make_active("pro");
  ASSERT_TRUE(succeeds(run_in(ada, org, "cancelSubscription")));
  set({{"current_period_end", iso_in(-std::chrono::minutes(5))}});
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "canceled"), 1);
  auto s = sub();
  EXPECT_EQ(s->status, "canceled");
  EXPECT_TRUE(s->canceled_at);
  EXPECT_EQ(events().back(), "subscription.canceled");
  EXPECT_EQ(events().size(), 3u);
}

TEST_F(Subscriptions, ATrialCanceledBeforeItsEndIsCanceledWhenItEnds) {
  ASSERT_TRUE(succeeds(run_in(ada, org, "cancelSubscription")));
  set({{"trial_ends_at", iso_in(-std::chrono::minutes(5))}});
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "canceled"), 1);
  EXPECT_EQ(field(r, "trials_ended"), 0);
  EXPECT_EQ(sub()->status, "canceled");
  EXPECT_EQ(events().back(), "subscription.canceled");
}

TEST_F(Subscriptions, AnEndedSubscriptionCannotBeCanceledOrResumed) {
  set({{"status", "canceled"}, {"canceled_at", iso_now()}});
  EXPECT_TRUE(fails_with(run_in(ada, org, "cancelSubscription"), ErrorCode::conflict,
                         "subscription_ended"));
  EXPECT_TRUE(fails_with(run_in(ada, org, "resumeSubscription"), ErrorCode::conflict,
                         "subscription_ended"));
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(Subscriptions, AnUnpaidTrialEndsAsUnpaid) {
  set({{"trial_ends_at", iso_in(-std::chrono::minutes(5))}});
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "trials_ended"), 1);
  EXPECT_EQ(sub()->status, "unpaid");
  EXPECT_EQ(sub()->plan_key, "pro");
  EXPECT_EQ(events(), (std::vector<std::string>{"subscription.created", "subscription.updated"}));
  auto again = sweep();
  EXPECT_EQ(field(again, "trials_ended"), 0);
}

TEST_F(Subscriptions, TrialEndingIsEmittedOnceWithinTheNotice) {
  set({{"trial_ends_at", iso_in(days(1))}});
  auto first = sweep();
  ASSERT_TRUE(succeeds(first));
  EXPECT_EQ(field(first, "trials_ending"), 1);
  EXPECT_TRUE(sub()->trial_notified_at);
  EXPECT_EQ(sub()->status, "trialing");
  auto second = sweep();
  ASSERT_TRUE(succeeds(second));
  EXPECT_EQ(field(second, "trials_ending"), 0);
  EXPECT_EQ(events(), (std::vector<std::string>{"subscription.created", "trial.ending"}));
}

TEST_F(Subscriptions, ATrialFarFromItsEndIsLeftAlone) {
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "trials_ending"), 0);
  EXPECT_FALSE(sub()->trial_notified_at);
  EXPECT_EQ(events().size(), 1u);
}

TEST_F(Subscriptions, ARenewalWithoutProviderCatchesUpOnMissedPeriods) {
  make_active("team");
  const std::string start = iso_in(-days(100)), end = period_end(start, "month");
  set({{"current_period_start", start}, {"current_period_end", end}});
  auto r = sweep();
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(field(r, "renewed"), 1);
  auto s = sub();
  EXPECT_EQ(s->status, "active");
  EXPECT_EQ(s->plan_key, "team");
  EXPECT_LE(*s->current_period_start, iso_now());
  EXPECT_GT(*s->current_period_end, iso_now());
  EXPECT_EQ(*s->current_period_end, period_end(*s->current_period_start, "month"));
  EXPECT_EQ(events().size(), 2u);
  EXPECT_EQ(field(sweep(), "renewed"), 0) << "the new period is not due";
}

TEST_F(Subscriptions, OnlyTheOperatorRunsTheSweep) {
  EXPECT_TRUE(fails_with(run_as(ada, "processSubscriptions"), ErrorCode::permission_denied,
                         "operator_only"));
}

// --- period_end ---

TEST(SubscriptionsPeriodEnd, AMonthFromJanuary31IsTheLastDayOfFebruary) {
  EXPECT_EQ(period_end("2025-01-31T10:20:30.456Z", "month"), "2025-02-28T10:20:30.456Z");
  EXPECT_EQ(period_end("2024-01-31T10:20:30.456Z", "month"), "2024-02-29T10:20:30.456Z");
}

TEST(SubscriptionsPeriodEnd, AMonthKeepsTheDayAndTimeAndCrossesTheYear) {
  EXPECT_EQ(period_end("2025-03-15T23:59:59.999Z", "month"), "2025-04-15T23:59:59.999Z");
  EXPECT_EQ(period_end("2025-12-31T00:00:00.000Z", "month"), "2026-01-31T00:00:00.000Z");
}

TEST(SubscriptionsPeriodEnd, AYearIsTwelveMonths) {
  EXPECT_EQ(period_end("2025-06-01T08:00:00.000Z", "year"), "2026-06-01T08:00:00.000Z");
  EXPECT_EQ(period_end("2024-02-29T08:00:00.000Z", "year"), "2025-02-28T08:00:00.000Z");
}

TEST(SubscriptionsMonthlyPrice, AYearlyPlanIsComparedPerMonth) {
  PlanRow yearly{.key = "yearly", .price_cents = 24000, .interval = "year"};
  PlanRow pro{.key = "pro", .price_cents = 2900, .interval = "month"};
  EXPECT_EQ(monthly_price(yearly), 2000);
  EXPECT_EQ(monthly_price(pro), 2900);
}

}  // namespace
}  // namespace bb::saas::test
