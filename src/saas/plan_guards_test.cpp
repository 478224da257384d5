// The plan guards through small actions of their own: has_feature, trial_active_or_paid,
// within_limit, the plan half of has_permission, and what ctx.org shows the handler.
#include <atomic>
#include <bunbase/guards.hpp>

#include "src/saas/saas_test_fixture.hpp"
#include "src/saas/saas_types.hpp"

namespace bb::saas::test {
namespace {

using std::chrono::days;

// What the handler sees of ctx.org.
struct SeenOrg {
  std::string plan, status;
  bool usable = false;
  bool includes_billing = false;
  std::optional<std::int64_t> seats;          // limit("seats")
  std::optional<std::int64_t> unknown_limit;  // limit("nothing")
};
BOOST_DESCRIBE_STRUCT(SeenOrg, (), (plan, status, usable, includes_billing, seats, unknown_limit))

std::atomic<int> seat_counter_calls{0};

// The members of the acting organization, counting how often the guard asks.
std::int64_t count_seats(Context& ctx) {
  ++seat_counter_calls;
  return ctx.db
      .query_one("SELECT count(*) AS n FROM org_memberships WHERE org_id = $1", {ctx.auth.org_id})
      ->at("n")
      .as_int64();
}

Action guarded(std::string name, std::vector<Guard> guards) {
  guards.insert(guards.begin(), guards::in_org());
  return action<OrgInput, SeenOrg>({.name = std::move(name), .guards = std::move(guards)},
                                   [](const OrgInput&, Context& ctx) {
                                     const Org& o = *ctx.org;
                                     return SeenOrg{.plan = o.plan,
                                                    .status = o.status,
                                                    .usable = o.subscription_usable,
                                                    .includes_billing = o.includes("billing"),
                                                    .seats = o.limit("seats"),
                                                    .unknown_limit = o.limit("nothing")};
                                   });
}

Module guarded_module() {
  return module({.name = "guarded",
                 .actions = {guarded("billingFeature", {guards::has_feature("billing")}),
                             guarded("paidOnly", {guards::trial_active_or_paid()}),
                             guarded("addSeat", {guards::within_limit("seats", count_seats)}),
                             guarded("createInvoice", {guards::has_permission("invoices:create")}),
                             guarded("readMembers", {guards::has_permission("members:read")})}});
}

const AppManifest& guards_manifest() {
  static const AppManifest m{.name = "plan-guards-test", .modules = {&guarded_module}};
  return m;
}

// free: seats 3; pro (default): a trial, billing, invoices, seats 25; team: billing, seats
// unlimited; basic: billing, no seats.
Config guards_config(bool saas_enabled = true) {
  Config c = config();
  c.saas.enabled = saas_enabled;
  c.saas.features = {{.key = "billing", .name = "Billing", .description = "Payment methods"},
                     {.key = "invoices", .name = "Invoices", .description = "Invoices"},
                     {.key = "seats", .name = "Seats", .description = "Members per organization"}};
  c.saas.plans = {
      {.key = "free", .name = "Free", .price_cents = 0, .features = {{.key = "seats", .limit = 3}}},
      {.key = "pro",
       .name = "Pro",
       .price_cents = 2900,
       .trial_days = 14,
       .is_default = true,
       .features = {{.key = "billing"}, {.key = "invoices"}, {.key = "seats", .limit = 25}}},
      {.key = "team",
       .name = "Team",
       .price_cents = 9900,
       .features = {{.key = "billing"}, {.key = "seats"}}},
      {.key = "basic", .name = "Basic", .price_cents = 900, .features = {{.key = "billing"}}},
  };
  return c;
}

class PlanGuards : public ::testing::Test {
 protected:
  PlanGuards() : PlanGuards(guards_config()) {}
  explicit PlanGuards(Config c) : app_(guards_manifest(), std::move(c)) {}

  void SetUp() override {
    seat_counter_calls = 0;
    ada = add_user("ada@example.com");
    bob = add_user("bob@example.com");
    auto r = app_.run("createOrganization", boost::json::object{{"name", "Acme"}, {"slug", "acme"}},
                      {.auth = Auth::user(ada)});
    ASSERT_TRUE(succeeds(r));
    org = str(r.output.at("id"));
    // invoices:create is gated by the plan feature "invoices"; only owners hold it.
    db().exec(
        "INSERT INTO permissions (key, name, feature) "
        "VALUES ('invoices:create', 'Create invoices', 'invoices')");
    db().exec(
        "INSERT INTO role_permissions (role_id, permission_key) "
        "VALUES ('sys_owner', 'invoices:create')");
  }

  db::Database& db() { return app_.db(); }

  std::string add_user(const std::string& email) {
    std::string id = new_id();
    db().exec("INSERT INTO users (id, email, name) VALUES ($1, $2, $3)",
              {id, email, email.substr(0, email.find('@'))});
    return id;
  }

  void add_member(const std::string& user_id, const std::string& role = "member") {
    db().exec(
        "INSERT INTO org_memberships (id, org_id, user_id, role, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        {new_id(), org, user_id, role, iso_now()});
  }

  RunResult run_as(Auth auth, std::string_view action) {
    auth.org_id = org;
    return app_.run(action, boost::json::object{{"orgId", org}}, {.auth = std::move(auth)});
  }
  RunResult run(std::string_view action, const std::string& user) {
    return run_as(Auth::user(user), action);
  }

  // Moves the organization's subscription, as a plan change or time passing would.
  void set(boost::json::object changes) {
    db().update("subscriptions", changes, "org_id = $1", {org});
  }
  void on_plan(const std::string& plan, const std::string& status = "active") {
    set({{"plan_key", plan},
         {"status", status},
         {"trial_ends_at", nullptr},
         {"current_period_end", iso_in(days(20))}});
  }

  bb::testing::TestApp app_;
  std::string ada, bob, org;
};

// --- has_feature ---

TEST_F(PlanGuards, HasFeatureRefusesAPlanWithoutItWithTheFeatureAndPlan) {
  on_plan("free");
  auto r = run("billingFeature", ada);
  ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "feature_not_in_plan"));
  EXPECT_EQ(str(r.error->details().at("feature")), "billing");
  EXPECT_EQ(str(r.error->details().at("plan")), "free");
}

TEST_F(PlanGuards, HasFeatureAdmitsAProTrial) {
  auto r = run("billingFeature", ada);
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("status")), "trialing");
}

TEST_F(PlanGuards, AnExpiredTrialStillMarkedTrialingIsInactive) {
  set({{"trial_ends_at", iso_in(-std::chrono::minutes(1))}});
  for (const char* action : {"billingFeature", "paidOnly"}) {
    auto r = run(action, ada);
    ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "subscription_inactive")) << action;
    EXPECT_EQ(str(r.error->details().at("subscriptionStatus")), "trialing") << action;
  }
}

TEST_F(PlanGuards, PastDueIsAGracePeriod) {
  on_plan("pro", "past_due");
  EXPECT_TRUE(succeeds(run("billingFeature", ada)));
  EXPECT_TRUE(succeeds(run("paidOnly", ada)));
}

TEST_F(PlanGuards, UnpaidAndCanceledAreRefused) {
  for (const char* status : {"unpaid", "canceled"}) {
    on_plan("pro", status);
    for (const char* action : {"billingFeature", "paidOnly"}) {
      auto r = run(action, ada);
      ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "subscription_inactive"))
          << status << " " << action;
      EXPECT_EQ(str(r.error->details().at("subscriptionStatus")), status);
    }
  }
}

TEST_F(PlanGuards, TrialActiveOrPaidAdmitsAnActiveFreePlan) {
  on_plan("free");
  EXPECT_TRUE(succeeds(run("paidOnly", ada)));
}

// --- within_limit ---

TEST_F(PlanGuards, WithinLimitAdmitsBelowTheLimit) {
  on_plan("free");
  add_member(bob);
  EXPECT_TRUE(succeeds(run("addSeat", ada)));
  EXPECT_EQ(seat_counter_calls, 1);
}

TEST_F(PlanGuards, WithinLimitRefusesAtTheLimitWithLimitAndCurrent) {
  on_plan("free");
  add_member(bob);
  add_member(add_user("cy@example.com"));
  auto r = run("addSeat", ada);
  ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "limit_reached"));
  EXPECT_EQ(r.error->details().at("limit").as_int64(), 3);
  EXPECT_EQ(r.error->details().at("current").as_int64(), 3);
  EXPECT_EQ(str(r.error->details().at("feature")), "seats");
}

TEST_F(PlanGuards, AnUnlimitedPlanNeverCounts) {
  on_plan("team");
  add_member(bob);
  add_member(add_user("cy@example.com"));
  add_member(add_user("di@example.com"));
  EXPECT_TRUE(succeeds(run("addSeat", ada)));
  EXPECT_EQ(seat_counter_calls, 0);
}

TEST_F(PlanGuards, WithinLimitOnAPlanWithoutTheFeatureIsNotInPlan) {
  on_plan("basic");
  auto r = run("addSeat", ada);
  ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "feature_not_in_plan"));
  EXPECT_EQ(str(r.error->details().at("feature")), "seats");
  EXPECT_EQ(seat_counter_calls, 0);
}

// --- the plan half of has_permission ---

TEST_F(PlanGuards, APermissionOfAFeatureThePlanLacksIsRefusedEvenWhenTheRoleGrantsIt) {
  on_plan("free");
  auto r = run("createInvoice", ada);
  ASSERT_TRUE(fails_with(r, ErrorCode::permission_denied, "feature_not_in_plan"));
  EXPECT_EQ(str(r.error->details().at("feature")), "invoices");
}

TEST_F(PlanGuards, APlanWithTheFeatureStillNeedsTheRolesPermission) {
  add_member(bob);
  EXPECT_TRUE(
      fails_with(run("createInvoice", bob), ErrorCode::permission_denied, "permission_denied"));
}

TEST_F(PlanGuards, PlanAndRoleTogetherAdmit) { EXPECT_TRUE(succeeds(run("createInvoice", ada))); }

TEST_F(PlanGuards, APlanFeatureOfAnInactiveSubscriptionRefusesItsPermission) {
  on_plan("pro", "unpaid");
  EXPECT_TRUE(
      fails_with(run("createInvoice", ada), ErrorCode::permission_denied, "subscription_inactive"));
}

TEST_F(PlanGuards, APermissionOutsideTheFeaturesCatalogIsNotPlanGated) {
  on_plan("free", "canceled");
  add_member(bob);
  EXPECT_TRUE(succeeds(run("readMembers", bob)));
}

class PlanGuardsWithoutSaas : public PlanGuards {
 protected:
  PlanGuardsWithoutSaas() : PlanGuards(guards_config(false)) {}
};

TEST_F(PlanGuardsWithoutSaas, HasPermissionIgnoresPlans) {
  auto r = run("createInvoice", ada);
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "");
  add_member(bob);
  EXPECT_TRUE(
      fails_with(run("createInvoice", bob), ErrorCode::permission_denied, "permission_denied"));
}

// --- the system principal ---

TEST_F(PlanGuards, TheSystemPrincipalPassesEveryPlanGuard) {
  on_plan("basic", "canceled");
  for (const char* action : {"billingFeature", "paidOnly", "addSeat", "createInvoice"})
    EXPECT_TRUE(succeeds(run_as(Auth::system(), action))) << action;
  EXPECT_EQ(seat_counter_calls, 0);
}

// --- ctx.org ---

TEST_F(PlanGuards, TheHandlerSeesThePlanOnCtxOrg) {
  auto r = run("paidOnly", ada);
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "pro");
  EXPECT_EQ(str(r.output.at("status")), "trialing");
  EXPECT_TRUE(r.output.at("usable").as_bool());
  EXPECT_TRUE(r.output.at("includes_billing").as_bool());
  EXPECT_EQ(r.output.at("seats").as_int64(), 25);
  EXPECT_EQ(r.output.at("unknown_limit").as_int64(), 0);
}

TEST_F(PlanGuards, TheHandlerSeesAnUnlimitedFeatureAsNoLimit) {
  on_plan("team");
  auto r = run("paidOnly", ada);
  ASSERT_TRUE(succeeds(r));
  EXPECT_EQ(str(r.output.at("plan")), "team");
  EXPECT_EQ(str(r.output.at("status")), "active");
  const auto* seats = r.output.as_object().if_contains("seats");
  EXPECT_TRUE(!seats || seats->is_null()) << "an unlimited feature has no limit";
}

TEST(PlanGuardsOrg, LimitIsNulloptWhenUnlimitedAndZeroWhenMissing) {
  Org o{.id = "o", .plan = "team", .features = {{"seats", std::nullopt}, {"storage", 10}}};
  EXPECT_TRUE(o.includes("seats"));
  EXPECT_FALSE(o.limit("seats"));
  EXPECT_EQ(o.limit("storage"), std::optional<std::int64_t>(10));
  EXPECT_FALSE(o.includes("sso"));
  EXPECT_EQ(o.limit("sso"), std::optional<std::int64_t>(0));
}

}  // namespace
}  // namespace bb::saas::test
