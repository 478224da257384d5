// One SQLite connection with its prepared-statement cache. Not thread-safe: the database
// object hands each connection to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bunbase/db/database.hpp"

namespace bb::db::sqlite {

class Connection {
 public:
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A prepared statement and, for each of its bind slots, the $N it stands for (SQLite
  // numbers named parameters by first appearance, so "$2 ... $1" binds slot 1 to $2).
  struct Statement {
    sqlite3_stmt* stmt;
    std::vector<int> param_numbers;
  };

  // Prepared once per SQL text, then reused (reset and rebound). The reference is valid until
  // the next prepare on this connection (the cache may be cleared then).
  const Statement& prepare(std::string_view sql);
  Rows query(const Statement& st, Params params);
  std::int64_t exec(const Statement& st, Params params);
  std::int64_t exec_batch(const Statement& st, std::size_t columns, std::span<const Cell> cells);
  void exec_script(std::string_view sql);
  sqlite3* handle() const { return db_; }

  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  void bind(const Statement& st, Params params);
  void bind_cell(sqlite3_stmt* stmt, int slot, const Cell& cell);
  // Steps to the end; returns the rows changed. Resets the statement, also on failure.
  std::int64_t run_to_done(sqlite3_stmt* stmt);

  sqlite3* db_ = nullptr;
  // Heterogeneous lookup: finding a cached statement does not copy its SQL.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> statements_;
};

}  // namespace bb::db::sqlite
