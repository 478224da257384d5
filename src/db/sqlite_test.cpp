// What only the SQLite driver does. The Database contract both drivers keep is tested in
// database_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>

#include "bunbase/db/database.hpp"

namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("bb_db_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    url = "sqlite://" + (dir / "sub" / "x.db").string();
    std::filesystem::create_directories(dir / "sub");
    db = bb::db::open(url);
  }
  void TearDown() override {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::string url;
  std::unique_ptr<bb::db::Database> db;
};

TEST_F(SqliteTest, UsesWal) {
  EXPECT_EQ(db->query_one("PRAGMA journal_mode")->at("journal_mode").as_string(), "wal");
  EXPECT_EQ(db->dialect(), "sqlite");
  EXPECT_TRUE(db->ping());
}

TEST_F(SqliteTest, BadUrlsFailClearly) {
  EXPECT_THROW(bb::db::open("sqlite://"), bb::db::DbError);
  EXPECT_THROW(bb::db::open("sqlite:///nonexistent-dir/a/b/c.db"), bb::db::DbError);
  try {
    bb::db::open("mysql://ada:hunter22@db.example/app");
    FAIL();
  } catch (const bb::db::DbError& e) {
    EXPECT_NE(
        std::string(e.what()).find("unsupported DATABASE_URL \"mysql://ada:***@db.example/app\""),
        std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter22"), std::string::npos) << e.what();
  }
}

}  // namespace
