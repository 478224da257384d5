// Shared by the organizations feature's unit tests: an app with the auth and saas features on a
// fresh in-memory SQLite, users inserted directly, and actions run as those users in an org.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "bunbase/bunbase.hpp"
#include "bunbase/testing/test_app.hpp"

namespace bb::saas::test {

inline const AppManifest& manifest() {
  static const AppManifest m{.name = "saas-test"};
  return m;
}

inline Config config() {
  Config c = bb::testing::TestApp::test_config();
  c.auth.enabled = true;
  c.saas.organizations = true;
  c.persistence.enabled = false;
  return c;
}

class SaasTest : public ::testing::Test {
 protected:
  SaasTest() : app_(manifest(), config()) {}
  explicit SaasTest(Config c) : app_(manifest(), std::move(c)) {}

  db::Database& db() { return app_.db(); }

  std::string add_user(const std::string& email) {
    std::string id = new_id();
    db().exec("INSERT INTO users (id, email, name) VALUES ($1, $2, $3)", {id, email, email.substr(0, email.find('@'))});
    return id;
  }

  // Runs as the user, in the organization when one is given (the caller presets the org, as an
  // internal trigger would; in_org() still verifies the membership).
  RunResult run_as(const std::string& user_id, std::string_view action, boost::json::object input = {},
                   const std::string& org_id = "") {
    Auth a = Auth::user(user_id);
    a.org_id = org_id;
    return run_with(std::move(a), action, std::move(input));
  }

  RunResult run_with(Auth auth, std::string_view action, boost::json::object input = {}) {
    return app_.run(action, std::move(input), {.auth = std::move(auth)});
  }

  // Runs an org-scoped action: the org is both preset and in the input, as over HTTP.
  RunResult run_in(const std::string& user_id, const std::string& org_id, std::string_view action,
                   boost::json::object input = {}) {
    input["orgId"] = org_id;
    return run_as(user_id, action, std::move(input), org_id);
  }

  std::string create_org(const std::string& user_id, const std::string& slug) {
    auto r = run_as(user_id, "createOrganization", {{"name", "Org " + slug}, {"slug", slug}});
    EXPECT_TRUE(r.ok()) << (r.error ? r.error->message() : "");
    return r.ok() ? std::string(r.output.at("id").as_string()) : "";
  }

  void add_member(const std::string& org_id, const std::string& user_id, const std::string& role) {
    db().exec("INSERT INTO org_memberships (id, org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)",
              {new_id(), org_id, user_id, role, iso_now()});
  }

  std::string role_of(const std::string& org_id, const std::string& user_id) {
    auto row = db().query_one("SELECT role FROM org_memberships WHERE org_id = $1 AND user_id = $2", {org_id, user_id});
    return row ? std::string(row->at("role").as_string()) : "";
  }

  std::int64_t count(std::string_view sql, std::initializer_list<db::Value> params = {}) {
    return db().query_one(sql, params)->at("n").as_int64();
  }

  bb::testing::TestApp app_;
};

// The run failed with this kind and code.
inline ::testing::AssertionResult fails_with(const RunResult& r, ErrorCode kind, std::string_view code) {
  if (r.ok()) return ::testing::AssertionFailure() << "the run succeeded: " << boost::json::serialize(r.output);
  if (r.error->kind() != kind || r.error->code() != code)
    return ::testing::AssertionFailure() << "failed with " << to_string(r.error->kind()) << "/" << r.error->code()
                                         << ": " << r.error->message();
  return ::testing::AssertionSuccess();
}

// A JSON string's text ("" for anything else), to compare with std::string.
inline std::string str(const boost::json::value& v) { return v.is_string() ? std::string(v.get_string()) : ""; }

inline ::testing::AssertionResult succeeds(const RunResult& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "failed with " << r.error->code() << ": " << r.error->message();
}

}  // namespace bb::saas::test
