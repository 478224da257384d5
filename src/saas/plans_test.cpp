// The plans module: bunbase.toml's catalog synced on migrate, the public catalog anyone may read,
// and the operator's changes (system_only: never a user, so never over HTTP).
#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>

#include "src/app/features.hpp"
#include "src/saas/org_guards.hpp"
#include "src/saas/plan_catalog_sync.hpp"
#include "src/saas/saas_test_fixture.hpp"

namespace bb::saas::test {
namespace {

// free: seats 3, no billing; pro: billing and seats unlimited, a 14-day trial, the dearer one.
Config plans_config() {
  Config c = config();
  c.saas.enabled = true;
  c.saas.features = {
      {.key = "billing", .name = "Billing", .description = "Invoices and payment methods"},
      {.key = "seats", .name = "Seats", .description = "Members per organization"}};
  c.saas.plans = {
      {.key = "pro",
       .name = "Pro",
       .price_cents = 2900,
       .interval = "month",
       .trial_days = 14,
       .features = {{.key = "billing", .limit = std::nullopt},
                    {.key = "seats", .limit = std::nullopt}}},
      {.key = "free",
       .name = "Free",
       .price_cents = 0,
       .is_default = true,
       .features = {{.key = "seats", .limit = 3}}},
  };
  return c;
}

class NullSink : public LogSink {
 public:
  bool enabled(LogLevel) const override { return false; }
  void write(LogLevel, std::string_view, const boost::json::object&, const LogScope&) override {}
};

class Plans : public SaasTest {
 protected:
  Plans() : SaasTest(plans_config()) {}
  RunResult as_operator(std::string_view action, boost::json::object in = {}) {
    return run_with(Auth::system(), action, std::move(in));
  }
  RunResult anonymous(std::string_view action, boost::json::object in = {}) {
    return run_with(Auth{}, action, std::move(in));
  }
  CatalogSyncReport sync(const Config& c) {
    NullSink sink;
    return sync_catalog(db(), c.saas, sink);
  }
};

std::vector<std::string> keys(const boost::json::value& items) {
  std::vector<std::string> out;
  for (const auto& i : items.as_array()) out.push_back(str(i.at("key")));
  return out;
}

// The plan's feature `key` as listed ({key, name, limit}); null when the plan does not include it.
boost::json::value feature_of(const boost::json::value& plan, std::string_view key) {
  for (const auto& f : plan.at("features").as_array())
    if (str(f.at("key")) == key) return f;
  return nullptr;
}

// Instances starting together each sync the catalog after migrating: they take turns (on
// PostgreSQL an advisory lock; their transactions would otherwise both insert the same rows).
TEST_F(Plans, InstancesSyncingTogetherDoNotCollide) {
  const Config c = plans_config();
  // Another instance's connections: a second database object (on one in-memory SQLite, the same).
  std::unique_ptr<db::Database> second;
  if (db().dialect() == "postgres") second = db::open(app_.app().config().database.url);
  db::Database& other = second ? *second : db();
  for (int round = 0; round < 10; ++round) {
    db().exec_script("DELETE FROM plan_features; DELETE FROM plans; DELETE FROM features;");
    std::atomic<bool> go{false};
    std::string error_here, error_there;
    auto run = [&](db::Database& d, std::string& error) {
      while (!go) std::this_thread::yield();
      try {
        NullSink sink;
        sync_catalog(d, c.saas, sink);
      } catch (const std::exception& e) {
        error = e.what();
      }
    };
    std::thread t1([&] { run(db(), error_here); });
    std::thread t2([&] { run(other, error_there); });
    go = true;
    t1.join();
    t2.join();
    EXPECT_EQ(error_here + error_there, "") << "round " << round;
    EXPECT_EQ(count("SELECT count(*) AS n FROM features"), 2) << "round " << round;
    EXPECT_EQ(count("SELECT count(*) AS n FROM plans"), 2) << "round " << round;
    EXPECT_EQ(count("SELECT count(*) AS n FROM plan_features"), 3) << "round " << round;
  }
}

TEST_F(Plans, ModuleAndGuards) {
  const auto* list = app_.app().registry().find("listPublicPlans");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->module_name(), "plans");
  EXPECT_EQ(list->api_prefix(), "/_cockpit");
  EXPECT_TRUE(list->guards.empty());
  EXPECT_TRUE(app_.app().registry().find("getPlan")->guards.empty());
  for (const char* name : {"createPlan", "updatePlan", "archivePlan", "attachFeature",
                           "detachFeature", "createFeature", "listFeatures"}) {
    const auto* a = app_.app().registry().find(name);
    ASSERT_TRUE(a) << name;
    ASSERT_EQ(a->guards.size(), 1u) << name;
    EXPECT_EQ(a->guards.back().name, "system_only") << name;
  }
}

// What the API adapter hands the executor for a caller without credentials.
class AnonymousRequest : public Request {
 public:
  std::string_view method() const override { return "GET"; }
  std::string_view path() const override { return "/"; }
  std::optional<std::string_view> header(std::string_view) const override { return std::nullopt; }
  std::optional<std::string_view> cookie(std::string_view) const override { return std::nullopt; }
  std::string_view ip() const override { return "127.0.0.1"; }
  std::string_view body() const override { return ""; }
};

// Through the routes, as the API adapter runs them: the catalog answers anyone, the changes 403.
TEST_F(Plans, RoutesOverHttp) {
  const std::string prefix = app_.app().config().saas.path;
  const std::vector<std::tuple<std::string, std::string, std::string, boost::json::object, int>>
      routes = {
          {"GET", "/plans", "listPublicPlans", {}, 200},
          {"GET", "/plans/:planKey", "getPlan", {{"planKey", "pro"}}, 200},
          {"POST", "/plans", "createPlan", {{"key", "x"}, {"name", "X"}, {"price_cents", 1}}, 403},
          {"PATCH", "/plans/:planKey", "updatePlan", {{"planKey", "pro"}}, 403},
          {"POST", "/plans/:planKey/archive", "archivePlan", {{"planKey", "pro"}}, 403},
          {"PUT",
           "/plans/:planKey/features/:featureKey",
           "attachFeature",
           {{"planKey", "pro"}, {"featureKey", "seats"}},
           403},
          {"DELETE",
           "/plans/:planKey/features/:featureKey",
           "detachFeature",
           {{"planKey", "pro"}, {"featureKey", "seats"}},
           403},
          {"POST", "/features", "createFeature", {{"key", "sso"}, {"name", "SSO"}}, 403},
          {"GET", "/features", "listFeatures", {}, 403},
      };
  for (const auto& [method, path, name, in, status] : routes) {
    const Route* route = nullptr;
    for (const auto& r : app_.app().registry().routes())
      if (r.method == method && r.path == join_path(prefix, path)) route = &r;
    ASSERT_TRUE(route) << method << " " << path;
    ASSERT_EQ(route->action->name(), name);
    AnonymousRequest req;
    Response res;
    Invocation inv{.action = route->action,
                   .input = in,
                   .trigger_type = "api",
                   .request = &req,
                   .response = &res};
    RunResult r = app_.app().executor().run(inv);
    if (status == 200) {
      EXPECT_TRUE(succeeds(r)) << name;
    } else {
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(http_status(r.error->kind()), status) << name;
      EXPECT_EQ(r.error->code(), "operator_only") << name;
    }
  }
}

TEST_F(Plans, TheConfigCatalogIsSyncedOnMigrate) {
  EXPECT_EQ(count("SELECT count(*) AS n FROM features"), 2);
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans"), 2);
  auto pro = as_operator("getPlan", {{"planKey", "pro"}});
  ASSERT_TRUE(succeeds(pro));
  EXPECT_EQ(pro.output.at("price_cents").as_int64(), 2900);
  EXPECT_EQ(pro.output.at("trial_days").as_int64(), 14);
  EXPECT_EQ(str(pro.output.at("interval")), "month");
  EXPECT_FALSE(pro.output.at("is_default").as_bool());
  // Unlimited: no limit key.
  EXPECT_FALSE(feature_of(pro.output, "billing").as_object().contains("limit"));
  EXPECT_FALSE(feature_of(pro.output, "seats").as_object().contains("limit"));
  auto free = as_operator("getPlan", {{"planKey", "free"}});
  ASSERT_TRUE(succeeds(free));
  EXPECT_TRUE(free.output.at("is_default").as_bool());
  EXPECT_TRUE(feature_of(free.output, "billing").is_null());
  EXPECT_EQ(feature_of(free.output, "seats").at("limit").as_int64(), 3);
  // A second migrate changes nothing.
  auto again = sync(plans_config());
  EXPECT_TRUE(again.plans_created.empty() && again.plans_updated.empty() &&
              again.features_created.empty() && again.features_updated.empty());
  EXPECT_EQ(app_.app().migrate().size(), 0u);
}

TEST_F(Plans, SyncUpdatesReplacesFeaturesAndKeepsUnlistedPlans) {
  Config c = plans_config();
  c.saas.features[0].name = "Billing & invoices";
  c.saas.features.push_back({.key = "sso", .name = "SSO", .description = ""});
  c.saas.plans[0].price_cents = 3900;                                  // pro
  c.saas.plans[0].features = {{.key = "sso", .limit = std::nullopt}};  // billing and seats dropped
  c.saas.plans[1].is_default = false;
  c.saas.plans.erase(c.saas.plans.begin() + 1);  // free no longer listed
  c.saas.plans.push_back({.key = "team",
                          .name = "Team",
                          .price_cents = 9900,
                          .interval = "year",
                          .is_default = true,
                          .features = {{.key = "seats", .limit = 50}}});
  auto report = sync(c);
  EXPECT_EQ(report.features_created, std::vector<std::string>{"sso"});
  EXPECT_EQ(report.features_updated, std::vector<std::string>{"billing"});
  EXPECT_EQ(report.plans_created, std::vector<std::string>{"team"});
  EXPECT_EQ(report.plans_updated, std::vector<std::string>{"pro"});
  EXPECT_EQ(report.plans_unlisted, std::vector<std::string>{"free"});
  EXPECT_TRUE(report.features_unlisted.empty());

  auto pro = as_operator("getPlan", {{"planKey", "pro"}});
  ASSERT_TRUE(succeeds(pro));
  EXPECT_EQ(pro.output.at("price_cents").as_int64(), 3900);
  EXPECT_EQ(keys(pro.output.at("features")), std::vector<std::string>{"sso"});
  // free is kept, with its features; the default moved to team.
  auto free = as_operator("getPlan", {{"planKey", "free"}});
  ASSERT_TRUE(succeeds(free));
  EXPECT_FALSE(free.output.at("is_default").as_bool());
  EXPECT_EQ(feature_of(free.output, "seats").at("limit").as_int64(), 3);
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE is_default"), 1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE is_default AND key = 'team'"), 1);

  // Dropping a feature from the file keeps its row too.
  c.saas.features.pop_back();
  c.saas.plans[0].features.clear();
  EXPECT_EQ(sync(c).features_unlisted, std::vector<std::string>{"sso"});
  EXPECT_EQ(count("SELECT count(*) AS n FROM features WHERE key = 'sso'"), 1);
}

TEST_F(Plans, AnyoneReadsThePublicCatalogCheapestFirst) {
  ASSERT_TRUE(succeeds(as_operator(
      "createPlan",
      {{"key", "hidden"}, {"name", "Hidden"}, {"price_cents", 100}, {"is_public", false}})));
  ASSERT_TRUE(
      succeeds(as_operator("createPlan", {{"key", "old"}, {"name", "Old"}, {"price_cents", 50}})));
  ASSERT_TRUE(succeeds(as_operator("archivePlan", {{"planKey", "old"}})));
  auto list = anonymous("listPublicPlans");
  ASSERT_TRUE(succeeds(list));
  EXPECT_EQ(keys(list.output.at("items")), (std::vector<std::string>{"free", "pro"}));
  const auto& pro = list.output.at("items").as_array()[1];
  EXPECT_EQ(str(feature_of(pro, "billing").at("name")), "Billing");

  EXPECT_TRUE(succeeds(anonymous("getPlan", {{"planKey", "pro"}})));
  EXPECT_TRUE(fails_with(anonymous("getPlan", {{"planKey", "hidden"}}), ErrorCode::not_found,
                         "plan_not_found"));
  EXPECT_TRUE(fails_with(anonymous("getPlan", {{"planKey", "old"}}), ErrorCode::not_found,
                         "plan_not_found"));
  EXPECT_TRUE(fails_with(anonymous("getPlan", {{"planKey", "nope"}}), ErrorCode::not_found,
                         "plan_not_found"));
  EXPECT_TRUE(succeeds(as_operator("getPlan", {{"planKey", "hidden"}})));
}

TEST_F(Plans, UsersAndAnonymousCannotChangeTheCatalog) {
  const std::string user = add_user("user@example.com");
  const std::vector<std::pair<std::string, boost::json::object>> changes = {
      {"createPlan", {{"key", "x"}, {"name", "X"}, {"price_cents", 1}}},
      {"updatePlan", {{"planKey", "pro"}, {"price_cents", 1}}},
      {"archivePlan", {{"planKey", "pro"}}},
      {"attachFeature", {{"planKey", "free"}, {"featureKey", "billing"}}},
      {"detachFeature", {{"planKey", "pro"}, {"featureKey", "billing"}}},
      {"createFeature", {{"key", "sso"}, {"name", "SSO"}}},
      {"listFeatures", {}},
  };
  for (const auto& [name, in] : changes) {
    EXPECT_TRUE(fails_with(run_as(user, name, in), ErrorCode::permission_denied, "operator_only"))
        << name;
    EXPECT_TRUE(fails_with(anonymous(name, in), ErrorCode::permission_denied, "operator_only"))
        << name;
  }
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE archived_at IS NULL AND price_cents > 1"),
            1);
  EXPECT_EQ(count("SELECT count(*) AS n FROM plan_features"), 3);
}

TEST_F(Plans, OperatorManagesPlans) {
  auto created = as_operator("createPlan", {{"key", "team"},
                                            {"name", "Team"},
                                            {"price_cents", 9900},
                                            {"interval", "year"},
                                            {"trial_days", 30}});
  ASSERT_TRUE(succeeds(created));
  EXPECT_EQ(str(created.output.at("interval")), "year");
  EXPECT_TRUE(created.output.at("is_public").as_bool());
  EXPECT_TRUE(created.output.at("features").as_array().empty());
  EXPECT_TRUE(
      fails_with(as_operator("createPlan", {{"key", "team"}, {"name", "Team"}, {"price_cents", 1}}),
                 ErrorCode::conflict, "plan_exists"));
  EXPECT_TRUE(
      fails_with(as_operator("createPlan", {{"key", "x"}, {"name", "X"}, {"price_cents", -1}}),
                 ErrorCode::invalid_argument, "validation_failed"));
  EXPECT_TRUE(fails_with(
      as_operator("createPlan",
                  {{"key", "z"}, {"name", "Z"}, {"price_cents", 1}, {"interval", "week"}}),
      ErrorCode::invalid_argument, "validation_failed"));

  auto updated =
      as_operator("updatePlan", {{"planKey", "team"}, {"name", "Teams"}, {"is_default", true}});
  ASSERT_TRUE(succeeds(updated));
  EXPECT_EQ(str(updated.output.at("name")), "Teams");
  EXPECT_EQ(updated.output.at("price_cents").as_int64(), 9900);
  EXPECT_TRUE(updated.output.at("is_default").as_bool());
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE is_default"), 1);
  EXPECT_TRUE(fails_with(as_operator("updatePlan", {{"planKey", "nope"}, {"name", "N"}}),
                         ErrorCode::not_found, "plan_not_found"));

  auto archived = as_operator("archivePlan", {{"planKey", "team"}});
  ASSERT_TRUE(succeeds(archived));
  EXPECT_TRUE(archived.output.at("archived_at").is_string());
  EXPECT_FALSE(archived.output.at("is_default").as_bool());
  auto again = as_operator("archivePlan", {{"planKey", "team"}});
  ASSERT_TRUE(succeeds(again));
  EXPECT_EQ(again.output.at("archived_at"), archived.output.at("archived_at"));
  EXPECT_TRUE(fails_with(as_operator("archivePlan", {{"planKey", "nope"}}), ErrorCode::not_found,
                         "plan_not_found"));
}

TEST_F(Plans, OperatorAttachesAndDetachesFeatures) {
  auto attached =
      as_operator("attachFeature", {{"planKey", "free"}, {"featureKey", "billing"}, {"limit", 2}});
  ASSERT_TRUE(succeeds(attached));
  EXPECT_EQ(feature_of(attached.output, "billing").at("limit").as_int64(), 2);
  // Again: the new limit (null: unlimited).
  auto unlimited = as_operator(
      "attachFeature", {{"planKey", "free"}, {"featureKey", "billing"}, {"limit", nullptr}});
  ASSERT_TRUE(succeeds(unlimited));
  EXPECT_FALSE(feature_of(unlimited.output, "billing").as_object().contains("limit"));
  ASSERT_TRUE(
      succeeds(as_operator("attachFeature", {{"planKey", "free"}, {"featureKey", "seats"}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM plan_features WHERE plan_key = 'free' AND limit_value IS NULL"),
            2);
  EXPECT_EQ(count("SELECT count(*) AS n FROM plan_features WHERE plan_key = 'free'"), 2);
  EXPECT_FALSE(
      as_operator("attachFeature", {{"planKey", "free"}, {"featureKey", "seats"}, {"limit", -1}})
          .ok());
  EXPECT_TRUE(
      fails_with(as_operator("attachFeature", {{"planKey", "free"}, {"featureKey", "nope"}}),
                 ErrorCode::not_found, "feature_not_found"));
  EXPECT_TRUE(
      fails_with(as_operator("attachFeature", {{"planKey", "nope"}, {"featureKey", "billing"}}),
                 ErrorCode::not_found, "plan_not_found"));

  EXPECT_TRUE(
      succeeds(as_operator("detachFeature", {{"planKey", "free"}, {"featureKey", "billing"}})));
  EXPECT_TRUE(
      fails_with(as_operator("detachFeature", {{"planKey", "free"}, {"featureKey", "billing"}}),
                 ErrorCode::not_found, "feature_not_attached"));
  EXPECT_TRUE(
      fails_with(as_operator("detachFeature", {{"planKey", "free"}, {"featureKey", "nope"}}),
                 ErrorCode::not_found, "feature_not_found"));
}

TEST_F(Plans, OperatorManagesFeatures) {
  auto created = as_operator("createFeature", {{"key", "sso"}, {"name", "SSO"}});
  ASSERT_TRUE(succeeds(created));
  EXPECT_EQ(str(created.output.at("description")), "");
  EXPECT_TRUE(fails_with(as_operator("createFeature", {{"key", "sso"}, {"name", "SSO"}}),
                         ErrorCode::conflict, "feature_exists"));
  EXPECT_FALSE(as_operator("createFeature", {{"key", "Bad Key"}, {"name", "X"}}).ok());
  auto list = as_operator("listFeatures");
  ASSERT_TRUE(succeeds(list));
  EXPECT_EQ(keys(list.output.at("items")), (std::vector<std::string>{"billing", "seats", "sso"}));
}

// Without [saas] enabled: no plans module, no plans tables.
class PlansDisabled : public SaasTest {};

TEST_F(PlansDisabled, NoModuleNoTables) {
  EXPECT_FALSE(app_.app().registry().find("listPublicPlans"));
  EXPECT_THROW(db().query("SELECT 1 FROM plans"), bb::db::DbError) << "no plans table";
}

TEST_F(Plans, TheOperatorSetsAPlansStripePrice) {
  ASSERT_TRUE(succeeds(as_operator(
      "createPlan", {{"key", "team"}, {"name", "Team"}, {"price_cents", 9900}, {"stripe_price", "price_team_1"}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE key = 'team' AND stripe_price = 'price_team_1'"), 1);
  ASSERT_TRUE(succeeds(as_operator("updatePlan", {{"planKey", "team"}, {"stripe_price", "price_team_2"}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE key = 'team' AND stripe_price = 'price_team_2'"), 1);
  ASSERT_TRUE(succeeds(as_operator("updatePlan", {{"planKey", "team"}, {"name", "Teams"}})));
  EXPECT_EQ(count("SELECT count(*) AS n FROM plans WHERE key = 'team' AND stripe_price = 'price_team_2'"), 1)
      << "an update that does not name the price keeps it";
  EXPECT_TRUE(fails_with(as_operator("updatePlan", {{"planKey", "team"}, {"stripe_price", "prod_123"}}),
                         ErrorCode::invalid_argument, "validation_failed"));
}

TEST(PlansConfig, EnabledNeedsOrganizations) {
  Config c = bb::testing::TestApp::test_config();
  c.auth.enabled = true;
  c.saas.enabled = true;
  EXPECT_THROW(builtin_features(c), std::runtime_error);
  c.saas.organizations = true;
  EXPECT_EQ(builtin_features(c).size(), 4u);  // jobs, admin (the dashboard's API), auth, saas
  c.dashboard.enabled = false;
  EXPECT_EQ(builtin_features(c).size(), 3u);
}

}  // namespace
}  // namespace bb::saas::test
