// The PostgreSQL driver against a real server: types, error kinds, transactions across
// threads, the statement cache, hostile text and batches.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "src/db/pg/pg_test_fixture.hpp"

namespace {

namespace json = boost::json;
using Kind = bb::db::DbError::Kind;

TEST_F(PgTest, ColumnTypesMapToJson) {
  auto& db = open();
  db.exec_script(
      "CREATE TABLE t (i2 smallint, i4 integer, i8 bigint, n numeric(12,4), r real, d double "
      "precision, "
      "b boolean, j json, jb jsonb, ts timestamptz, tx text, u uuid, by bytea, nothing text)");
  json::value array = json::array{1, "two", nullptr};
  json::value object = json::object{{"a", json::object{{"b", json::array{true}}}}};
  db.exec(
      "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      {7, -2147483648LL, 9007199254740993LL, 12.5, 0.25, 1e300, true, array, object,
       "2024-05-01T10:00:00Z", "text", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "\\x0102", nullptr});
  auto row = *db.query_one("SELECT *, ts AT TIME ZONE 'UTC' AS ts_utc FROM t");
  EXPECT_EQ(row.at("i2"), json::value(7));
  EXPECT_EQ(row.at("i4"), json::value(-2147483648LL));
  EXPECT_EQ(row.at("i8"), json::value(9007199254740993LL));  // exact, beyond a double
  EXPECT_EQ(row.at("n"), json::value(12.5));
  EXPECT_EQ(row.at("r"), json::value(0.25));
  EXPECT_EQ(row.at("d"), json::value(1e300));
  EXPECT_EQ(row.at("b"), json::value(true));
  EXPECT_EQ(row.at("j"), array);
  EXPECT_EQ(row.at("jb"), object);
  ASSERT_TRUE(row.at("ts").is_string());
  EXPECT_EQ(row.at("ts_utc"), json::value("2024-05-01 10:00:00"));
  EXPECT_EQ(row.at("tx"), json::value("text"));
  EXPECT_EQ(row.at("u"), json::value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(row.at("by"), json::value("\\x0102"));
  EXPECT_TRUE(row.at("nothing").is_null());

  auto lit = *db.query_one(
      "SELECT $1::int + 1 AS x, 2::bigint AS b, 1.5::numeric AS n, false AS f, NULL AS z", {41});
  EXPECT_EQ(lit.at("x"), json::value(42));
  EXPECT_EQ(lit.at("b"), json::value(2));
  EXPECT_EQ(lit.at("n"), json::value(1.5));
  EXPECT_EQ(lit.at("f"), json::value(false));
  EXPECT_TRUE(lit.at("z").is_null());
}

TEST_F(PgTest, ConstraintViolationsHaveTheirKinds) {
  auto& db = open();
  db.exec_script(
      "CREATE TABLE parent (id int PRIMARY KEY);"
      "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), qty int NOT "
      "NULL CHECK (qty > 0));"
      "INSERT INTO parent VALUES (1);");
  auto dup = error_of([&] { db.exec("INSERT INTO parent VALUES ($1)", {1}); });
  EXPECT_EQ(dup.kind(), Kind::unique_violation);
  EXPECT_NE(std::string(dup.what()).find("duplicate key value violates unique constraint"),
            std::string::npos)
      << dup.what();
  EXPECT_NE(std::string(dup.what()).find("23505"), std::string::npos) << dup.what();
  EXPECT_EQ(error_of([&] { db.exec("INSERT INTO child VALUES (1, $1, 1)", {2}); }).kind(),
            Kind::foreign_key_violation);
  EXPECT_EQ(error_of([&] { db.exec("INSERT INTO child VALUES (1, 1, $1)", {0}); }).kind(),
            Kind::constraint);
  EXPECT_EQ(error_of([&] { db.exec("INSERT INTO child VALUES (1, 1, $1)", {nullptr}); }).kind(),
            Kind::constraint);
  EXPECT_EQ(error_of([&] { db.query("SELECT * FROM missing"); }).kind(), Kind::other);
  EXPECT_EQ(count(db, "child"), 0);
}

TEST_F(PgTest, NestedTransactionsRollBackToTheirSavepoint) {
  auto& db = open();
  make_items(db);
  db.transaction([](bb::db::Database& tx) {
    tx.insert("items", {{"name", "a"}});
    tx.transaction([](bb::db::Database& mid) {
      mid.insert("items", {{"name", "b"}});
      try {
        mid.transaction([](bb::db::Database& inner) {
          inner.insert("items", {{"name", "c"}});
          throw std::runtime_error("inner");
        });
      } catch (const std::runtime_error&) {
      }
      mid.insert("items", {{"name", "d"}});
    });
    // A statement that may fail, in its own savepoint: its failure does not doom the rest.
    try {
      tx.transaction([](bb::db::Database& inner) { inner.insert("items", {{"name", "a"}}); });
    } catch (const bb::db::DbError& e) {
      EXPECT_EQ(e.kind(), Kind::unique_violation);
    }
  });
  auto rows = db.query("SELECT string_agg(name, '' ORDER BY name) AS names FROM items");
  EXPECT_EQ(rows[0].at("names"), json::value("abd"));

  // Without a savepoint, PostgreSQL refuses the rest of the transaction: committing it would
  // silently roll back, so the driver says so instead.
  auto e = error_of([&] {
    db.transaction([](bb::db::Database& tx) {
      tx.insert("items", {{"name", "e"}});
      try {
        tx.insert("items", {{"name", "a"}});
      } catch (const bb::db::DbError&) {
      }
    });
  });
  EXPECT_NE(std::string(e.what()).find("transaction rolled back"), std::string::npos) << e.what();
  EXPECT_EQ(count(db), 3);
}

TEST_F(PgTest, SameThreadCallsJoinTheTransactionOtherThreadsDoNot) {
  auto& db = open();
  make_items(db);
  db.transaction([&](bb::db::Database&) {
    db.insert("items", {{"name", "x"}});  // through the Database itself, not the tx argument
    EXPECT_EQ(count(db), 1);
    std::int64_t seen = -1;
    std::thread([&] {
      seen = count(db);
    }).join();  // another connection: uncommitted rows are invisible
    EXPECT_EQ(seen, 0);
  });
  std::int64_t after = -1;
  std::thread([&] { after = count(db); }).join();
  EXPECT_EQ(after, 1);
  EXPECT_THROW(db.transaction([&](bb::db::Database&) {
    db.insert("items", {{"name", "y"}});
    throw std::runtime_error("undo");
  }),
               std::runtime_error);
  EXPECT_EQ(count(db), 1);
}

TEST_F(PgTest, PreparedStatementsAreCachedAndPreparedAgainAfterDdl) {
  auto& db = open({.pool_max = 1});  // one connection: every call sees the same cache
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(db.query_one("SELECT $1::int + 1 AS x", {i})->at("x"), json::value(i + 1));
  EXPECT_EQ(db.query("SELECT name FROM pg_prepared_statements WHERE statement = $1",
                     {"SELECT $1::int + 1 AS x"})
                .size(),
            1u);

  db.exec_script("CREATE TABLE t (a int); INSERT INTO t VALUES (1);");
  EXPECT_EQ(db.query("SELECT * FROM t")[0].as_object().size(), 1u);
  db.exec_script("ALTER TABLE t ADD COLUMN b int DEFAULT 7");
  // "cached plan must not change result type": prepared again and run once more.
  EXPECT_EQ(db.query("SELECT * FROM t")[0].at("b"), json::value(7));
  // Inside a transaction the failed statement has doomed it, so the error surfaces; the
  // statement is prepared afresh for the next attempt.
  db.exec_script("ALTER TABLE t ADD COLUMN c int DEFAULT 8");
  EXPECT_THROW(db.transaction([](bb::db::Database& tx) { tx.query("SELECT * FROM t"); }),
               bb::db::DbError);
  EXPECT_EQ(db.query("SELECT * FROM t")[0].at("c"), json::value(8));

  // The cache is bounded: old statements are deallocated on the server too.
  for (int i = 0; i < 300; ++i) db.query("SELECT " + std::to_string(i) + " AS n");
  auto n = db.query_one("SELECT count(*) AS n FROM pg_prepared_statements")->at("n").as_int64();
  EXPECT_LE(n, 258);
  EXPECT_GE(n, 200);
}

TEST_F(PgTest, HostileStringsRoundTrip) {
  auto& db = open();
  db.exec_script("CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, doc JSONB)");
  std::string big(1 << 20, 'x');
  big += "…the end ✓";
  const std::vector<std::string> bodies = {"it's",
                                           "\"; DROP TABLE notes; --",
                                           "back\\slash \\x00 \\n",
                                           "$1 $$ $tag$",
                                           "héllo ✓ 🚀 日本語 עברית",
                                           "",
                                           "line\nbreak\ttab\r",
                                           big};
  for (const auto& body : bodies) {
    json::value doc = json::object{{"body", body}, {"list", json::array{body, 1}}};
    std::string id = db.insert("notes", {{"body", body}, {"doc", doc}});
    auto row = db.query_one("SELECT body, doc FROM notes WHERE id = $1", {id});
    ASSERT_TRUE(row);
    EXPECT_EQ(row->at("body").as_string(), body) << body.substr(0, 40);
    EXPECT_EQ(row->at("doc"), doc);
  }
  EXPECT_EQ(count(db, "notes"), static_cast<std::int64_t>(bodies.size()));
  // libpq's text parameters end at a NUL byte: refused rather than cut short.
  EXPECT_THROW(db.insert("notes", {{"body", std::string("a\0b", 3)}}), bb::db::DbError);
  EXPECT_EQ(count(db, "notes"), static_cast<std::int64_t>(bodies.size()));
}

TEST_F(PgTest, ExecBatchWritesAThousandRowsAtomically) {
  using bb::db::Cell;
  auto& db = open();
  make_items(db);
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i)
    names.push_back(i == 500 ? "it's \"quoted\" ✓" : "n" + std::to_string(i));
  std::vector<Cell> cells;
  for (int i = 0; i < 1000; ++i)
    cells.insert(cells.end(), {Cell::of(names[i]), i % 3 ? Cell::of(i * 0.5) : Cell::null_value(),
                               Cell::of(std::int64_t(i % 2))});
  const std::string sql = "INSERT INTO items (name, price, active) VALUES ($1, $2, $3)";
  EXPECT_EQ(db.exec_batch(sql, 3, cells), 1000);  // two multi-row statements in one transaction
  EXPECT_EQ(count(db), 1000);
  auto row = *db.query_one("SELECT count(price) AS priced, sum(active::int) AS active FROM items");
  EXPECT_EQ(row.at("priced"), json::value(666));
  EXPECT_EQ(row.at("active"), json::value(500));
  EXPECT_EQ(db.query_one("SELECT price FROM items WHERE name = $1", {names[500]})->at("price"),
            json::value(250.0));
  EXPECT_EQ(db.exec_batch(sql + " ON CONFLICT (name) DO NOTHING", 3, cells), 0);

  // A duplicate in the second chunk undoes the first one too.
  db.exec_script("DELETE FROM items");
  std::vector<Cell> dup = cells;
  dup[700 * 3] = Cell::of(names[1]);
  EXPECT_EQ(error_of([&] { db.exec_batch(sql, 3, dup); }).kind(), Kind::unique_violation);
  EXPECT_EQ(count(db), 0);

  // Another shape goes row by row, in one transaction as well.
  std::vector<Cell> few = {Cell::of(std::string_view("p")), Cell::of(1.0),
                           Cell::of(std::string_view("q")), Cell::of(2.0)};
  EXPECT_EQ(db.exec_batch("INSERT INTO items (name, price) SELECT $1, $2", 2, few), 2);
  EXPECT_EQ(count(db), 2);
}

}  // namespace
