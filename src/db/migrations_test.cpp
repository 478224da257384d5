// Migrations run by several instances at once (each its own Database on one database, as
// several processes would): every migration is applied once, by one of them, and none fails.
// On SQLite (a file) and on PostgreSQL (a schema of the test process's throwaway cluster,
// tests/support/pg_cluster.hpp).
#include "bunbase/db/migrations.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <latch>
#include <mutex>
#include <thread>

#include "tests/support/pg_cluster.hpp"

namespace {

class MigrateTogether : public ::testing::TestWithParam<std::string> {
 protected:
  bool pg() const { return GetParam() == "postgres"; }
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test) c = c == '/' ? '_' : c;
    if (pg()) {
      schema = bb::testing::PgCluster::shared().create_schema(test);
      url = bb::testing::PgCluster::shared().schema_url(schema);
    } else {
      dir = std::filesystem::temp_directory_path() / ("bb_migrate_" + std::to_string(::getpid()) + "_" + test);
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      url = "sqlite://" + (dir / "app.db").string();
    }
  }
  void TearDown() override {
    if (pg())
      bb::testing::PgCluster::shared().drop_schema(schema);
    else
      std::filesystem::remove_all(dir);
  }

  // 001 makes a table; each later one adds a row to it (applied twice, a row would be there
  // twice) and takes a little while, so that the instances really overlap.
  std::vector<bb::db::Migration> migrations(int n) const {
    std::vector<bb::db::Migration> ms = {{"app/001_hits.sql", "CREATE TABLE hits (name TEXT NOT NULL);"}};
    for (int i = 2; i <= n; ++i) {
      std::string name = "app/" + std::string(i < 10 ? "00" : "0") + std::to_string(i) + "_hit.sql";
      std::string slow = pg() ? "SELECT pg_sleep(0.01);"
                              : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) "
                                "SELECT count(*) FROM c;";
      ms.push_back({name, slow + " INSERT INTO hits (name) VALUES ('" + name + "');"});
    }
    return ms;
  }

  std::string schema, url;
  std::filesystem::path dir;
};

TEST_P(MigrateTogether, EachMigrationIsAppliedOnceByOneInstance) {
  constexpr int kInstances = 4, kMigrations = 12;
  const auto ms = migrations(kMigrations);
  std::vector<std::unique_ptr<bb::db::Database>> dbs;
  for (int i = 0; i < kInstances; ++i) dbs.push_back(bb::db::open(url, {.busy_timeout_ms = 30000}));

  std::mutex mutex;
  std::vector<std::string> applied, errors;
  std::latch start(kInstances);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        auto done = bb::db::migrate(*dbs[i], ms);
        std::lock_guard lock(mutex);
        applied.insert(applied.end(), done.begin(), done.end());
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    });
  for (auto& t : threads) t.join();

  EXPECT_TRUE(errors.empty()) << errors.front();
  std::sort(applied.begin(), applied.end());
  std::vector<std::string> all;
  for (const auto& m : ms) all.push_back(m.name);
  EXPECT_EQ(applied, all) << "every migration applied, none twice";
  EXPECT_EQ(dbs[0]->query_one("SELECT count(*) AS n FROM hits")->at("n").as_int64(), kMigrations - 1);
  EXPECT_EQ(dbs[0]->query_one("SELECT count(DISTINCT name) AS n FROM hits")->at("n").as_int64(), kMigrations - 1);
  EXPECT_EQ(dbs[0]->query_one("SELECT count(*) AS n FROM bunbase_migrations")->at("n").as_int64(), kMigrations);
  for (auto& db : dbs) EXPECT_TRUE(bb::db::migration_status(*db, ms).pending.empty());
}

TEST_P(MigrateTogether, AFailureKeepsTheMigrationsBeforeItAndTheNextRunGoesOn) {
  auto db = bb::db::open(url);
  std::vector<bb::db::Migration> ms = {{"app/001_a.sql", "CREATE TABLE a (x INTEGER);"},
                                       {"app/002_b.sql", "INSERT INTO a (x) VALUES (1); CREATE TABLE broken (;"},
                                       {"app/003_c.sql", "CREATE TABLE c (x INTEGER);"}};
  try {
    bb::db::migrate(*db, ms);
    FAIL() << "002 is broken";
  } catch (const bb::db::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("app/002_b.sql"), std::string::npos) << e.what();
  }
  auto status = bb::db::migration_status(*db, ms);
  EXPECT_EQ(status.applied, std::vector<std::string>{"app/001_a.sql"}) << "the one before stays applied";
  EXPECT_EQ(status.pending, (std::vector<std::string>{"app/002_b.sql", "app/003_c.sql"}));
  EXPECT_EQ(db->query_one("SELECT count(*) AS n FROM a")->at("n").as_int64(), 0) << "002 left nothing";

  ms[1].sql = "INSERT INTO a (x) VALUES (2);";  // fixed before it was ever applied
  EXPECT_EQ(bb::db::migrate(*db, ms), (std::vector<std::string>{"app/002_b.sql", "app/003_c.sql"}));
  EXPECT_EQ(db->query_one("SELECT x FROM a")->at("x").as_int64(), 2);
}

TEST_P(MigrateTogether, StatusOfAFreshDatabaseListsEverythingPending) {
  auto db = bb::db::open(url);
  std::vector<bb::db::Migration> ms = {{"app/001_a.sql", "CREATE TABLE a (x INTEGER);"}};
  EXPECT_EQ(bb::db::migration_status(*db, ms).pending, std::vector<std::string>{"app/001_a.sql"});
  EXPECT_EQ(bb::db::migrate(*db, ms), std::vector<std::string>{"app/001_a.sql"});
}

INSTANTIATE_TEST_SUITE_P(Drivers, MigrateTogether, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
