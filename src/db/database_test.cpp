// The Database contract, run against every driver: SQLite (a file in a scratch directory)
// and PostgreSQL (a fresh schema per test in the test process's throwaway cluster,
// tests/support/pg_cluster.hpp). Driver-specific behaviour lives in sqlite_test.cpp and
// pg/pg_*_test.cpp.
#include "bunbase/db/database.hpp"

#include <gtest/gtest.h>

#include <regex>

#include <filesystem>
#include <thread>

#include "bunbase/db/migrations.hpp"
#include "tests/support/pg_cluster.hpp"

namespace {

struct Item {
  std::int64_t id;
  std::string name;
  std::optional<double> price;
  bool active;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, price, active))

// SQLite has no boolean type: the same column reads back as 0/1 there, true/false here.
bool truthy(const boost::json::value& v) { return v.is_bool() ? v.as_bool() : v.as_int64() != 0; }

class DbTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool pg() const { return GetParam() == "postgres"; }
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (pg()) {
      schema = bb::testing::PgCluster::shared().create_schema(test);
      url = bb::testing::PgCluster::shared().schema_url(schema);
    } else {
      for (char& c : test) c = c == '/' ? '_' : c;
      dir = std::filesystem::temp_directory_path() /
            ("bb_db_" + std::to_string(::getpid()) + "_" + test);
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir / "sub");
      url = "sqlite://" + (dir / "sub" / "x.db").string();
    }
    db = bb::db::open(url);
    db->exec_script(
        pg() ? "CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
               "price DOUBLE PRECISION, active BOOLEAN NOT NULL DEFAULT true)"
             : "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, "
               "active INTEGER NOT NULL DEFAULT 1)");
  }
  void TearDown() override {
    db.reset();
    if (pg())
      bb::testing::PgCluster::shared().drop_schema(schema);
    else
      std::filesystem::remove_all(dir);
  }
  bool table_exists(const std::string& name) {
    auto row = db->query_one(pg() ? "SELECT to_regclass($1)::text AS t"
                                  : "SELECT name AS t FROM sqlite_master WHERE name = $1",
                             {name});
    return row && !row->at("t").is_null();
  }
  std::filesystem::path dir;
  std::string schema;  // postgres: each test has its own
  std::string url;
  std::unique_ptr<bb::db::Database> db;
};

INSTANTIATE_TEST_SUITE_P(Drivers, DbTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(DbTest, NamesItsDialectAndPings) {
  EXPECT_EQ(db->dialect(), GetParam());
  EXPECT_TRUE(db->ping());
}

TEST_P(DbTest, DollarParametersBindByNumberNotByOrder) {
  db->exec("INSERT INTO items (name, price) VALUES ($2, $1)", {9.5, "pen"});
  auto row = db->query_one("SELECT name, price FROM items WHERE name = $1", {"pen"});
  ASSERT_TRUE(row);
  EXPECT_EQ(row->at("price").as_double(), 9.5);
  EXPECT_THROW(db->query("SELECT $3", {1}), bb::db::DbError);
  EXPECT_THROW(db->query("SELECT :name", {1}), bb::db::DbError);
}

TEST_P(DbTest, RowsAsJsonAndAsDescribedStructs) {
  std::optional<double> none;
  db->exec("INSERT INTO items (name, price, active) VALUES ($1, $2, $3)",
           {std::string("a"), 1.25, true});
  db->exec("INSERT INTO items (name, price, active) VALUES ($1, $2, $3)", {"b", none, false});
  auto rows = db->query("SELECT * FROM items ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[1].at("price").is_null());
  auto items = db->query_as<Item>("SELECT * FROM items ORDER BY id");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "a");
  EXPECT_EQ(*items[0].price, 1.25);
  EXPECT_TRUE(items[0].active);
  EXPECT_FALSE(items[1].price);
  EXPECT_FALSE(items[1].active);
  EXPECT_FALSE(db->query_one_as<Item>("SELECT * FROM items WHERE id = $1", {42}));
}

TEST_P(DbTest, InsertUpdateRemoveHelpers) {
  std::string id = db->insert("items", {{"name", "a"}, {"price", 2}});
  EXPECT_EQ(id, "1");
  EXPECT_TRUE(truthy(db->insert_returning("items", {{"name", "b"}}).at("active")));
  EXPECT_EQ(db->update("items", {{"price", 3.5}}, "name = $1", {"a"}), 1);
  EXPECT_EQ(db->query_one("SELECT price FROM items WHERE id = 1")->at("price").as_double(), 3.5);
  EXPECT_EQ(db->update("items", {{"price", 1}}, "name = $1", {"zzz"}), 0);
  EXPECT_EQ(db->remove("items", "name = $1", {"b"}), 1);
  EXPECT_EQ(db->query("SELECT * FROM items").size(), 1u);
  // Identifiers are checked: keys cannot smuggle SQL.
  EXPECT_THROW(db->insert("items", {{"name\" ) --", "x"}}), bb::db::DbError);
  EXPECT_THROW(db->insert("items; DROP TABLE items", {{"name", "x"}}), bb::db::DbError);
}

TEST_P(DbTest, BatchesBindBorrowedCellsRowByRow) {
  using bb::db::Cell;
  std::vector<std::string> names = {"a", "b", "c"};
  std::vector<Cell> cells;
  for (std::size_t i = 0; i < names.size(); ++i)
    cells.insert(cells.end(), {Cell::of(names[i]), i == 1 ? Cell::null_value() : Cell::of(1.5 * i),
                               Cell::of(std::int64_t(i % 2))});
  // $3 before $1: cells bind by parameter number, not by position in the SQL.
  EXPECT_EQ(db->exec_batch("INSERT INTO items (active, name, price) VALUES ($3, $1, $2)", 3, cells),
            3);
  auto rows = db->query("SELECT name, price, active FROM items ORDER BY name");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].at("price").as_double(), 3.0);
  EXPECT_TRUE(rows[1].at("price").is_null());
  EXPECT_TRUE(truthy(rows[1].at("active")));
  EXPECT_THROW(db->exec_batch("INSERT INTO items (name) VALUES ($1)", 2, std::span(cells).first(3)),
               bb::db::DbError);
  EXPECT_THROW(db->exec_batch("INSERT INTO items (name, price) VALUES ($1, $2)", 1,
                              std::span(cells).first(2)),
               bb::db::DbError);
}

// insert_rows is COPY on PostgreSQL: its text format gives tabs, newlines, carriage returns and
// backslashes a meaning, and "\N" is NULL, so each must come back as it was written.
TEST_P(DbTest, InsertRowsWritesHostileTextNullsAndNumbersAsGiven) {
  using bb::db::Cell;
  const std::vector<std::string> names = {"tab\there", "line\nbreak\r\n", "back\\slash \\N", "\\N",
                                          "quote ' \" ; DROP TABLE items; --", "ünïcødé ✓ 😀", ""};
  std::vector<Cell> cells;
  for (std::size_t i = 0; i < names.size(); ++i)
    cells.insert(cells.end(), {Cell::of(std::int64_t(100 + i)), Cell::of(names[i]),
                               i == 2 ? Cell::null_value() : Cell::of(0.1 * static_cast<double>(i) + 1e-9)});
  static constexpr std::string_view kColumns[] = {"id", "name", "price"};
  EXPECT_EQ(db->insert_rows("items", kColumns, cells), static_cast<std::int64_t>(names.size()));
  auto rows = db->query("SELECT id, name, price FROM items ORDER BY id");
  ASSERT_EQ(rows.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(rows[i].at("id").as_int64(), static_cast<std::int64_t>(100 + i));
    EXPECT_EQ(rows[i].at("name").as_string(), names[i]) << "row " << i;
    if (i == 2) EXPECT_TRUE(rows[i].at("price").is_null());
    else EXPECT_EQ(rows[i].at("price").as_double(), 0.1 * static_cast<double>(i) + 1e-9) << "row " << i;
  }

  // All or none: a duplicate key in the last row leaves the table as it was.
  std::vector<Cell> clash = {Cell::of(std::int64_t(1)), Cell::of("fresh"), Cell::null_value(),
                             Cell::of(std::int64_t(2)), Cell::of(names[0]), Cell::null_value()};
  EXPECT_THROW(db->insert_rows("items", kColumns, clash), bb::db::DbError);
  EXPECT_EQ(db->query("SELECT id FROM items").size(), names.size());
  // Cells that do not fill whole rows, and text PostgreSQL cannot hold, are refused.
  EXPECT_THROW(db->insert_rows("items", kColumns, std::span(cells).first(4)), bb::db::DbError);
  if (pg()) {
    const std::string nul("a\0b", 3);
    std::vector<Cell> bad = {Cell::of(std::int64_t(7)), Cell::of(nul), Cell::null_value()};
    EXPECT_THROW(db->insert_rows("items", kColumns, bad), bb::db::DbError);
  }
}

TEST_P(DbTest, UniqueViolationHasItsKind) {
  db->insert("items", {{"name", "a"}});
  try {
    db->insert("items", {{"name", "a"}});
    FAIL() << "expected a unique violation";
  } catch (const bb::db::DbError& e) {
    EXPECT_EQ(e.kind(), bb::db::DbError::Kind::unique_violation);
  }
}

TEST_P(DbTest, TransactionsCommitOrRollBack) {
  db->transaction([](bb::db::Database& tx) {
    tx.insert("items", {{"name", "a"}});
    tx.insert("items", {{"name", "b"}});
  });
  EXPECT_THROW(db->transaction([](bb::db::Database& tx) {
    tx.insert("items", {{"name", "c"}});
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(db->query("SELECT * FROM items").size(), 2u);

  // A nested transaction is a savepoint: its failure alone is undone.
  db->transaction([](bb::db::Database& tx) {
    tx.insert("items", {{"name", "d"}});
    try {
      tx.transaction([](bb::db::Database& inner) {
        inner.insert("items", {{"name", "e"}});
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
    // Reads inside the transaction see its own writes.
    EXPECT_EQ(tx.query("SELECT * FROM items").size(), 3u);
  });
  auto names = db->query("SELECT name FROM items ORDER BY name");
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[2].at("name").as_string(), "d");
}

TEST_P(DbTest, ReadersSeeCommittedWritesAndConcurrentWritersSerialise) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        db->insert("items", {{"name", "w" + std::to_string(t) + "-" + std::to_string(i)}});
    });
  std::vector<std::thread> readers;
  std::atomic<bool> read_failed{false};
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (!db->query_one("SELECT count(*) AS n FROM items")) read_failed = true;
    });
  for (auto& w : writers) w.join();
  for (auto& r : readers) r.join();
  EXPECT_FALSE(read_failed);
  EXPECT_EQ(db->query_one("SELECT count(*) AS n FROM items")->at("n").as_int64(), 200);
  // Another connection (a second process would be the same) sees the committed rows.
  auto other = bb::db::open(url);
  EXPECT_EQ(other->query_one("SELECT count(*) AS n FROM items")->at("n").as_int64(), 200);
}

TEST_P(DbTest, BadSqlFailsClearly) {
  EXPECT_THROW(db->query("SELEC nonsense"), bb::db::DbError);
  EXPECT_THROW(db->exec("INSERT INTO items (name) VALUES ('a'); DROP TABLE items"),
               bb::db::DbError);
  EXPECT_TRUE(table_exists("items"));
  EXPECT_THROW(bb::db::open("mysql://x"), bb::db::DbError);
}

TEST_P(DbTest, MigrationsApplyOnceInOrderWithChecksums) {
  std::vector<bb::db::Migration> ms = {
      {"app/001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {"app/002_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"}};
  EXPECT_EQ(bb::db::migrate(*db, ms), (std::vector<std::string>{"app/001_a.sql", "app/002_b.sql"}));
  EXPECT_TRUE(bb::db::migrate(*db, ms).empty());
  EXPECT_EQ(db->query("SELECT * FROM a").size(), 1u);
  auto status = bb::db::migration_status(*db, ms);
  EXPECT_EQ(status.applied.size(), 2u);
  EXPECT_TRUE(status.pending.empty());

  ms.push_back({"app/003_c.sql", "CREATE TABLE c (z INTEGER);"});
  EXPECT_EQ(bb::db::migration_status(*db, ms).pending, (std::vector<std::string>{"app/003_c.sql"}));

  ms[0].sql = "CREATE TABLE a (x INTEGER, extra TEXT);";  // edited after it was applied
  try {
    bb::db::migrate(*db, ms);
    FAIL() << "an edited migration must be refused";
  } catch (const bb::db::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("app/001_a.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed after it was applied"), std::string::npos)
        << e.what();
  }
}

TEST_P(DbTest, AMigrationPerDialectAppliesOnlyItsOwn) {
  const bool on_pg = pg();
  std::vector<bb::db::Migration> ms = {
      {"app/001_t.sql", "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT);", "postgres"},
      {"app/001_t.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);", "sqlite"},
      {"app/002_u.sql", "INSERT INTO t (v) VALUES ('portable');"}};
  EXPECT_EQ(bb::db::migrate(*db, ms), (std::vector<std::string>{"app/001_t.sql", "app/002_u.sql"}));
  EXPECT_EQ(db->query_one("SELECT id, v FROM t")->at("id").as_int64(), 1);
  // The other dialect's text is neither applied nor checksummed: editing it changes nothing here.
  ms[on_pg ? 1 : 0].sql = "CREATE TABLE t (something else);";
  EXPECT_TRUE(bb::db::migration_status(*db, ms).pending.empty());
  const auto& own = ms[on_pg ? 0 : 1];
  EXPECT_THROW(bb::db::migrate(*db, std::vector<bb::db::Migration>{own, own}), bb::db::MigrationError)
      << "one name twice for one dialect";
}

TEST_P(DbTest, FrameworkSqlTranslatesForPostgres) {
  const std::string sqlite_sql =
      "CREATE TABLE r (id TEXT PRIMARY KEY, d REAL NOT NULL, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) WITHOUT ROWID;\n"
      "CREATE TABLE l (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE);";
  std::string sql = pg() ? bb::db::framework_sql_for_postgres(sqlite_sql) : sqlite_sql;
  if (pg()) db->exec_script("CREATE COLLATION IF NOT EXISTS bunbase_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
  db->exec_script(sql);
  db->exec("INSERT INTO r (id, d) VALUES ('a', 1.000000000001)");
  auto r = db->query_one("SELECT d, at FROM r");
  EXPECT_EQ(r->at("d").as_double(), 1.000000000001) << "a double, not a 4-byte float";
  EXPECT_TRUE(std::regex_match(std::string(r->at("at").as_string()), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << r->at("at");
  db->exec("INSERT INTO l (email) VALUES ('Ada@Example.com')");
  EXPECT_EQ(db->query_one("SELECT id FROM l WHERE email = 'ada@example.COM'")->at("id").as_int64(), 1);
  try {
    db->exec("INSERT INTO l (email) VALUES ('ADA@EXAMPLE.COM')");
    FAIL() << "emails are unique regardless of case";
  } catch (const bb::db::DbError& e) {
    EXPECT_EQ(e.kind(), bb::db::DbError::Kind::unique_violation) << e.what();
  }
  EXPECT_THROW(bb::db::framework_sql_for_postgres("CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL) WITHOUT ROWID"),
               bb::db::MigrationError)
      << "an untranslated SQLite form is refused, not passed on";
}

TEST_P(DbTest, AFailingMigrationLeavesNoTrace) {
  std::vector<bb::db::Migration> ms = {
      {"app/001_bad.sql", "CREATE TABLE ok (x INTEGER); CREATE TABLE broken (;"}};
  EXPECT_THROW(bb::db::migrate(*db, ms), bb::db::MigrationError);
  EXPECT_FALSE(table_exists("ok"));
  EXPECT_EQ(bb::db::migration_status(*db, ms).pending.size(), 1u);
}

}  // namespace
