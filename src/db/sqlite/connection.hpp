// One SQLite connection with its prepared-statement cache. Not thread-safe: the database
// object hands each connection to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <unordered_map>

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
  void exec_script(std::string_view sql);
  sqlite3* handle() const { return db_; }

  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  void bind(sqlite3_stmt* stmt, Params params);

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace bb::db::sqlite
