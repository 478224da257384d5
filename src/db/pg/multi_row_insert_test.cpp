// exec_batch's rewrite of a one-row INSERT into a multi-row one (no server needed).
#include "src/db/pg/multi_row_insert.hpp"

#include <gtest/gtest.h>

#include "bunbase/db/database.hpp"

namespace {

using bb::db::pg::MultiRowInsert;

TEST(MultiRowInsert, RepeatsTheRowWithRenumberedParameters) {
  auto m = MultiRowInsert::parse(
      "INSERT INTO t (a, b, c) VALUES ($3, lower($1), $2) ON CONFLICT DO NOTHING", 3);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->sql_for(1),
            "INSERT INTO t (a, b, c) VALUES ($3, lower($1), $2) ON CONFLICT DO NOTHING");
  EXPECT_EQ(m->sql_for(3),
            "INSERT INTO t (a, b, c) VALUES ($3, lower($1), $2), ($6, lower($4), $5), "
            "($9, lower($7), $8) ON CONFLICT DO NOTHING");
  EXPECT_EQ(m->max_rows(), 500u);
  EXPECT_EQ(MultiRowInsert::parse("insert into t values ($1)", 200)->max_rows(), 65535u / 200);
}

TEST(MultiRowInsert, IgnoresLookalikesInLiteralsAndComments) {
  auto m = MultiRowInsert::parse(
      "INSERT INTO \"VALUES\" (a, \"b$1\") /* VALUES ($9) */ VALUES ($1, 'it''s $2 VALUES (') -- "
      "$7\n",
      1);
  ASSERT_TRUE(m);
  EXPECT_EQ(
      m->sql_for(2),
      "INSERT INTO \"VALUES\" (a, \"b$1\") /* VALUES ($9) */ VALUES ($1, 'it''s $2 VALUES ('), "
      "($2, 'it''s $2 VALUES (') -- $7\n");
}

TEST(MultiRowInsert, LeavesOtherShapesToTheRowByRowPath) {
  for (const char* sql : {
           "UPDATE t SET a = $1",
           "INSERT INTO t (a) SELECT $1",
           "INSERT INTO t DEFAULT VALUES",
           "INSERT INTO t (a) VALUES ($1), ($2)",
           "INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = $1",
           "WITH x AS (SELECT 1) INSERT INTO t (a) VALUES ($1)",
           "INSERT INTO t (a) VALUES ($$x$$ || $1)",
           "INSERT INTO t (a) VALUES (E'\\'' || $1)",
           "INSERT INTO t (a) VALUES ('unterminated $1)",
           "INSERT INTO t (a) VALUES (/* /* nested */ */ $1)",
       })
    EXPECT_FALSE(MultiRowInsert::parse(sql, 2)) << sql;
}

TEST(MultiRowInsert, RefusesParametersBeyondTheRow) {
  EXPECT_THROW(MultiRowInsert::parse("INSERT INTO t (a, b) VALUES ($1, $2)", 1), bb::db::DbError);
}

}  // namespace
