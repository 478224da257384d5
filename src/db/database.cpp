#include "bunbase/db/database.hpp"

#include <cctype>

namespace bb::db {

std::string quote_identifier(std::string_view name) {
  bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_');
  if (!ok) throw DbError(DbError::Kind::other, "invalid identifier \"" + std::string(name) + "\"");
  return "\"" + std::string(name) + "\"";
}

std::optional<Row> Database::query_one(std::string_view sql, std::initializer_list<Value> params) {
  Rows rows = query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front().as_object());
}

Row Database::insert_returning(std::string_view table, const boost::json::object& values) {
  std::string sql = "INSERT INTO " + quote_identifier(table);
  std::vector<Value> params;
  params.reserve(values.size());
  if (values.empty()) {
    sql += " DEFAULT VALUES";
  } else {
    std::string cols, marks;
    for (const auto& kv : values) {
      if (!cols.empty()) cols += ", ", marks += ", ";
      cols += quote_identifier(kv.key());
      params.push_back(kv.value());
      marks += "$" + std::to_string(params.size());
    }
    sql += " (" + cols + ") VALUES (" + marks + ")";
  }
  sql += " RETURNING *";
  Rows rows = query(sql, Params(params));
  if (rows.empty()) throw DbError(DbError::Kind::other, "INSERT returned no row");
  return std::move(rows.front().as_object());
}

std::int64_t Database::insert_rows(std::string_view table, std::span<const std::string_view> columns,
                                   std::span<const Cell> cells) {
  std::string sql = "INSERT INTO " + std::string(table) + " (", values;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    sql += (c ? ", " : "") + std::string(columns[c]);
    values += (c ? ", $" : "$") + std::to_string(c + 1);
  }
  sql += ") VALUES (" + values + ")";
  std::int64_t written = 0;
  transaction([&](Database& tx) { written = tx.exec_batch(sql, columns.size(), cells); });
  return written;
}

std::string Database::insert(std::string_view table, const boost::json::object& values) {
  Row row = insert_returning(table, values);
  const boost::json::value* id = row.if_contains("id");
  if (!id) throw DbError(DbError::Kind::other, "table " + std::string(table) + " has no id column");
  if (id->is_string()) return std::string(id->get_string());
  if (id->is_int64()) return std::to_string(id->get_int64());
  throw DbError(DbError::Kind::other, "id of the inserted row is neither text nor integer");
}

std::int64_t Database::update(std::string_view table, const boost::json::object& values,
                              std::string_view where, std::initializer_list<Value> where_params) {
  if (values.empty()) throw DbError(DbError::Kind::other, "update without values");
  std::vector<Value> params(where_params.begin(), where_params.end());
  std::string sql = "UPDATE " + quote_identifier(table) + " SET ";
  bool first = true;
  for (const auto& kv : values) {
    if (!first) sql += ", ";
    first = false;
    params.push_back(kv.value());
    sql += quote_identifier(kv.key()) + " = $" + std::to_string(params.size());
  }
  sql += " WHERE ";
  sql += where;
  return exec(sql, Params(params));
}

std::int64_t Database::remove(std::string_view table, std::string_view where,
                              std::initializer_list<Value> where_params) {
  std::string sql = "DELETE FROM " + quote_identifier(table) + " WHERE " + std::string(where);
  return exec(sql, Params(where_params.begin(), where_params.size()));
}

}  // namespace bb::db
