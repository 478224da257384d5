#include "bunbase/core/registry.hpp"

#include <gtest/gtest.h>

namespace {

struct In {
  std::string id;
};
BOOST_DESCRIBE_STRUCT(In, (), (id))

bb::Action make(std::string name, std::vector<bb::Trigger> triggers = {}) {
  return bb::action<In, bb::Empty>({.name = std::move(name), .triggers = std::move(triggers)},
                                   [](const In&, bb::Context&) { return bb::Empty{}; });
}

std::string seal_error(bb::Registry& r) {
  try {
    r.seal();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Registry, JoinsModulePrefixAndRoutePath) {
  EXPECT_EQ(bb::join_path("/users", "/"), "/users");
  EXPECT_EQ(bb::join_path("/users/", "/:id"), "/users/:id");
  EXPECT_EQ(bb::join_path("", "/a/"), "/a");
  EXPECT_EQ(bb::join_path("", "/"), "/");
}

TEST(Registry, ModuleGuardsRunBeforeActionGuards) {
  auto a = bb::action<In, bb::Empty>(
      {.name = "a", .guards = {bb::Guard("action-guard", [](bb::Context&) {})}},
      [](const In&, bb::Context&) { return bb::Empty{}; });
  bb::Registry r;
  r.add(bb::module({.name = "m", .guards = {bb::Guard("module-guard", [](bb::Context&) {})}, .actions = {a}}));
  r.seal();
  const auto* ra = r.find("a");
  ASSERT_NE(ra, nullptr);
  ASSERT_EQ(ra->guards.size(), 2u);
  EXPECT_EQ(ra->guards[0].name, "module-guard");
  EXPECT_EQ(ra->guards[1].name, "action-guard");
  EXPECT_EQ(ra->module_name(), "m");
}

TEST(Registry, RoutesCarryTheModulePrefix) {
  bb::Registry r;
  r.add(bb::module({.name = "users", .api_prefix = "/users",
                    .actions = {make("get", {bb::triggers::api("get", "/:id")})}}));
  r.add(make("ping", {bb::triggers::api("GET", "/ping")}));
  r.seal();
  ASSERT_EQ(r.routes().size(), 2u);
  EXPECT_EQ(r.routes()[0].method, "GET");
  EXPECT_EQ(r.routes()[0].path, "/users/:id");
  EXPECT_EQ(r.routes()[1].path, "/ping");
  EXPECT_EQ(r.find("ping")->module_name(), "");
}

TEST(Registry, DuplicateActionNamesNameBothPlaces) {
  bb::Registry r;
  r.add(bb::module({.name = "one", .actions = {make("createUser")}}));
  r.add(make("createUser"));
  std::string err = seal_error(r);
  EXPECT_NE(err.find("duplicate action name"), std::string::npos) << err;
  EXPECT_NE(err.find("module \"one\""), std::string::npos) << err;
  EXPECT_NE(err.find("registry_test.cpp:"), std::string::npos) << err;
}

TEST(Registry, DuplicateRoutesNameBothActions) {
  bb::Registry r;
  r.add(bb::module({.name = "users", .api_prefix = "/users",
                    .actions = {make("getUser", {bb::triggers::api("GET", "/:id")})}}));
  // Same shape, another parameter name: still the same route.
  r.add(make("other", {bb::triggers::api("GET", "/users/:userId")}));
  std::string err = seal_error(r);
  EXPECT_NE(err.find("duplicate route GET"), std::string::npos) << err;
  EXPECT_NE(err.find("\"getUser\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"other\""), std::string::npos) << err;
}

TEST(Registry, SameRouteDifferentMethodsIsFine) {
  bb::Registry r;
  r.add(make("a", {bb::triggers::api("GET", "/x")}));
  r.add(make("b", {bb::triggers::api("POST", "/x")}));
  EXPECT_EQ(seal_error(r), "");
}

TEST(Registry, DuplicateModuleNames) {
  bb::Registry r;
  r.add(bb::module({.name = "m"}));
  EXPECT_THROW(r.add(bb::module({.name = "m"})), std::runtime_error);
}

TEST(Registry, BadDeclarationsAreRefused) {
  EXPECT_THROW(bb::triggers::api("FETCH", "/x"), std::invalid_argument);
  EXPECT_THROW(bb::triggers::api("GET", "x"), std::invalid_argument);
  EXPECT_THROW(make(""), std::invalid_argument);
  EXPECT_THROW(make("has space"), std::invalid_argument);
  EXPECT_THROW(bb::module({.name = "m", .api_prefix = "users"}), std::invalid_argument);
}

}  // namespace
