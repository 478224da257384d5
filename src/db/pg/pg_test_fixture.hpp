// A fresh schema in the test process's PostgreSQL cluster for each test, dropped after it
// (tests/support/pg_cluster.hpp).
//
//   TEST_F(PgTest, X) { auto& db = open({.pool_max = 2}); db.query("SELECT 1"); }
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "bunbase/db/database.hpp"
#include "tests/support/pg_cluster.hpp"

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema = cluster.create_schema(::testing::UnitTest::GetInstance()->current_test_info()->name());
    url = cluster.schema_url(schema);
  }
  void TearDown() override {
    dbs.clear();
    if (!cluster.running()) cluster.start();  // a test that stopped the server and failed
    cluster.drop_schema(schema);
  }
  bb::db::Database& open(const bb::db::OpenOptions& options = {}) {
    dbs.push_back(bb::db::open(url, options));
    return *dbs.back();
  }
  static void make_items(bb::db::Database& db) {
    db.exec_script(
        "CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "price DOUBLE PRECISION, active BOOLEAN NOT NULL DEFAULT true)");
  }
  static std::int64_t count(bb::db::Database& db, const std::string& table = "items") {
    return db.query_one("SELECT count(*) AS n FROM " + table)->at("n").as_int64();
  }
  // The error fn throws (a failure if it throws none).
  static bb::db::DbError error_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const bb::db::DbError& e) {
      return e;
    }
    ADD_FAILURE() << "expected a DbError";
    return bb::db::DbError(bb::db::DbError::Kind::other, "none");
  }

  bb::testing::PgCluster& cluster = bb::testing::PgCluster::shared();
  std::string schema;
  std::string url;  // sees only `schema`; its connections' application_name is `schema`
  std::vector<std::unique_ptr<bb::db::Database>> dbs;
};
