// gen db-types: the structs it writes for a migrated database, and that they read its rows.
#include <gtest/gtest.h>

#include "src/app/db_types.hpp"
#include "bunbase/bunbase.hpp"
#include "bunbase/testing/test_app.hpp"

namespace {

const bb::AppManifest& manifest() {
  static const bb::AppManifest m{
      .name = "db-types-test",
      .migrations = {{"app/001.sql",
                      "CREATE TABLE line_items (id TEXT PRIMARY KEY, qty INTEGER NOT NULL, price REAL, "
                      "note TEXT, paid BOOLEAN NOT NULL DEFAULT FALSE, raw BLOB, \"class\" TEXT);"}}};
  return m;
}

// What the generator writes for line_items, compiled here by hand to check it reads real rows.
struct LineItemsRow {
  std::string id;
  std::int64_t qty;
  std::optional<double> price;
  std::optional<std::string> note;
  bool paid;
  std::optional<std::string> raw;
};
BOOST_DESCRIBE_STRUCT(LineItemsRow, (), (id, qty, price, note, paid, raw))

TEST(DbTypes, OneDescribedStructPerTableWithNullableColumnsOptional) {
  bb::testing::TestApp app(manifest());
  const std::string h = bb::db_types_header(app.db(), {.ns = "shop"});
  EXPECT_NE(h.find("namespace shop {"), std::string::npos) << h;
  EXPECT_NE(h.find("struct LineItemsRow {\n"
                   "  std::string id;  // TEXT\n"
                   "  std::int64_t qty;  // INTEGER\n"
                   "  std::optional<double> price;  // REAL\n"
                   "  std::optional<std::string> note;  // TEXT\n"
                   "  bool paid;  // BOOLEAN\n"
                   "  std::optional<std::string> raw;  // BLOB\n"
                   "  // column \"class\" is not a C++ name: select it AS another one\n"
                   "};\n"
                   "BOOST_DESCRIBE_STRUCT(LineItemsRow, (), (id, qty, price, note, paid, raw))"),
            std::string::npos)
      << h;
  EXPECT_EQ(h.find("ActionRunsRow"), std::string::npos) << "framework tables only when asked";
  EXPECT_NE(bb::db_types_header(app.db(), {.framework_tables = true}).find("struct ActionRunsRow"), std::string::npos);
}

TEST(DbTypes, TheStructsReadRows) {
  bb::testing::TestApp app(manifest());
  app.db().exec("INSERT INTO line_items (id, qty, price, paid) VALUES ('a', 2, 9.5, TRUE)");
  auto rows = app.db().query_as<LineItemsRow>("SELECT id, qty, price, note, paid, raw FROM line_items");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].qty, 2);
  EXPECT_EQ(rows[0].price, 9.5);
  EXPECT_FALSE(rows[0].note);
  EXPECT_TRUE(rows[0].paid);
}

}  // namespace
