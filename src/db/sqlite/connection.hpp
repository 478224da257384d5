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

  // Prepared once per SQL text, then reused (reset and rebound).
  sqlite3_stmt* prepare(std::string_view sql);
  Rows query(sqlite3_stmt* stmt, Params params);
  std::int64_t exec(sqlite3_stmt* stmt, Params params);
  std::int64_t exec_batch(sqlite3_stmt* stmt, std::size_t columns, std::span<const Cell> cells);
  void exec_script(std::string_view sql);
  sqlite3* handle() const { return db_; }

  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  void bind(sqlite3_stmt* stmt, Params params);

  sqlite3* db_ = nullptr;
  // Heterogeneous lookup: finding a cached statement does not copy its SQL.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Statement {
    sqlite3_stmt* stmt;
    std::vector<int> param_numbers;  // bind index i (from 1) takes params[param_numbers[i-1] - 1]
  };
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> statements_;
  std::unordered_map<sqlite3_stmt*, const Statement*> by_handle_;
};

}  // namespace bb::db::sqlite
