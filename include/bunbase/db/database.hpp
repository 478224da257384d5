// ctx.db: one interface over the embedded SQLite driver and the PostgreSQL driver.
// Parameters are written $1, $2, ... in every dialect; rows come back as JSON objects or as
// described structs.
//
//   auto rows = ctx.db.query("SELECT id, email FROM users WHERE role = $1", {"admin"});
//   auto users = ctx.db.query_as<User>("SELECT * FROM users LIMIT $1", {10});
//   auto id = ctx.db.insert("users", {{"email", in.email}, {"name", in.name}});
//   ctx.db.transaction([&](bb::db::Database& tx) { tx.exec("..."); });
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bunbase/schema/schema.hpp"

namespace bb::db {

// A parameter or cell: a JSON value that also converts implicitly from std::string, bb::String,
// bb::Int, bb::Number and std::optional (empty -> NULL), so `{in.email, in.limit}` just works.
class Value : public boost::json::value {
 public:
  using boost::json::value::value;
  Value() = default;
  Value(const boost::json::value& v) : boost::json::value(v) {}
  Value(boost::json::value&& v) : boost::json::value(std::move(v)) {}
  Value(const std::string& s) : boost::json::value(boost::json::string_view(s)) {}
  Value(std::string&& s) : boost::json::value(boost::json::string_view(s)) {}
  Value(std::string_view s) : boost::json::value(boost::json::string_view(s)) {}
  template <class... C>
  Value(const Int<C...>& i) : boost::json::value(i.value) {}
  template <class... C>
  Value(const Number<C...>& n) : boost::json::value(n.value) {}
  template <class T>
  Value(const std::optional<T>& o) : Value(o ? Value(*o) : Value(nullptr)) {}
};
using Row = boost::json::object;
using Rows = boost::json::array;  // of Row
using Params = std::span<const Value>;

// Every database failure. `kind` lets callers react to constraint violations.
class DbError : public std::runtime_error {
 public:
  enum class Kind { unique_violation, foreign_key_violation, constraint, busy, connection, other };
  DbError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// A cell of a batch of rows: borrowed text (not copied), an integer, a real or NULL.
struct Cell {
  enum class Kind { null, integer, real, text };
  Kind kind = Kind::null;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view text;

  static Cell null_value() { return {}; }
  static Cell of(std::int64_t v) { return {.kind = Kind::integer, .integer = v}; }
  static Cell of(double v) { return {.kind = Kind::real, .real = v}; }
  static Cell of(std::string_view v) { return {.kind = Kind::text, .text = v}; }
  static Cell text_or_null(std::string_view v) { return v.empty() ? Cell{} : of(v); }
};

class Database {
 public:
  virtual ~Database() = default;

  virtual Rows query(std::string_view sql, Params params) = 0;
  // Runs a statement; returns the number of rows it changed.
  virtual std::int64_t exec(std::string_view sql, Params params) = 0;
  // Runs fn in a transaction (a savepoint when nested); commits when fn returns, rolls back
  // and rethrows when it throws. Other calls on this object from the same thread join it.
  virtual void transaction(const std::function<void(Database&)>& fn) = 0;
  // Runs `sql` (one statement with $1..$columns) once per row of `cells` (row-major), binding
  // text without copying it. For bulk writes such as the run history; returns rows changed.
  virtual std::int64_t exec_batch(std::string_view sql, std::size_t columns, std::span<const Cell> cells) = 0;
  // Appends plain rows to `table` (row-major cells, one per column; names come from code, never
  // from input), all or none. A multi-row INSERT on SQLite, COPY on PostgreSQL: the cheapest
  // bulk write each has, for the run history. Returns the rows written.
  virtual std::int64_t insert_rows(std::string_view table, std::span<const std::string_view> columns,
                                   std::span<const Cell> cells);
  // Several statements separated by ';', no parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  virtual std::string_view dialect() const = 0;  // "sqlite" | "postgres"
  virtual bool ping() = 0;

  // Convenience over the primitives above.
  Rows query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, Params(params.begin(), params.size()));
  }
  std::int64_t exec(std::string_view sql, std::initializer_list<Value> params = {}) {
    return exec(sql, Params(params.begin(), params.size()));
  }
  std::optional<Row> query_one(std::string_view sql, std::initializer_list<Value> params = {});

  // INSERT ... RETURNING the row's "id" column, as a string.
  std::string insert(std::string_view table, const boost::json::object& values);
  // INSERT ... RETURNING *.
  Row insert_returning(std::string_view table, const boost::json::object& values);
  // UPDATE table SET values WHERE where; `where` uses $1..$n for where_params. Returns changes.
  std::int64_t update(std::string_view table, const boost::json::object& values,
                      std::string_view where, std::initializer_list<Value> where_params = {});
  // DELETE FROM table WHERE where. Returns changes.
  std::int64_t remove(std::string_view table, std::string_view where,
                      std::initializer_list<Value> where_params = {});

  template <class T>
  std::vector<T> query_as(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query_as<T>(sql, Params(params.begin(), params.size()));
  }
  // With parameters built at run time (a filter with optional parts).
  template <class T>
  std::vector<T> query_as(std::string_view sql, Params params) {
    Rows rows = query(sql, params);
    std::vector<T> out(rows.size());
    const Schema& s = schema_of<T>();
    for (std::size_t i = 0; i < rows.size(); ++i) detail::decode(s.root(), rows[i], out[i]);
    return out;
  }
  template <class T>
  std::optional<T> query_one_as(std::string_view sql, std::initializer_list<Value> params = {}) {
    auto rows = query_as<T>(sql, params);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }
};

struct OpenOptions {
  int readers = 4;  // SQLite: reader connections (file databases)
  // SQLite: how long a write waits for a locked database. PostgreSQL: how long a call waits
  // for a free pooled connection. Either way DbError busy after it.
  int busy_timeout_ms = 5000;
  // PostgreSQL: connections at most, opened when first needed; callers beyond it wait.
  int pool_max = 10;
  // PostgreSQL: give up opening a connection after this long (DbError connection).
  int connect_timeout_ms = 5000;
  // PostgreSQL: the server cancels a statement running longer (DbError busy); 0 = no limit.
  int statement_timeout_ms = 0;
};

// Opens a database from a URL: sqlite://relative/path.db, sqlite:///absolute/path.db,
// sqlite://:memory:, or postgres://user:password@host:port/dbname?options (also
// postgresql://; libpq's URI syntax). Throws DbError for a bad URL, an unsupported scheme or
// an open failure (PostgreSQL: the first connection is opened here, so a wrong host fails now).
std::unique_ptr<Database> open(std::string_view url, const OpenOptions& options = {});

// postgres:// or postgresql://: the PostgreSQL driver's URLs.
inline bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

// A PostgreSQL URL whose connections see only `schema` (libpq's options=-c search_path=...):
// how tests and benchmarks give each app a schema of its own in one database.
std::string with_search_path(std::string_view postgres_url, std::string_view schema);

// Quotes an identifier after checking it is a plain name ([A-Za-z_][A-Za-z0-9_]*).
std::string quote_identifier(std::string_view name);

}  // namespace bb::db
