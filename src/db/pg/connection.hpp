// One libpq connection: opened within a deadline, running statements through its own cache
// of prepared statements. Not thread-safe: the pool lends each connection to one thread at a
// time.
#pragma once

#include <libpq-fe.h>

#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/db/pg/target.hpp"
#include "src/db/pg/values.hpp"

namespace bb::db::pg {

class Connection {
 public:
  // Throws DbError connection naming host:port when the server cannot be reached in time.
  explicit Connection(const Target& target);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One statement, prepared once per SQL text on this connection and then reused. Returns a
  // result that holds rows or a command tag; throws DbError for anything else.
  Result run(std::string_view sql, const TextParams& params);
  // One statement sent with its parameters and not kept (the multi-row INSERTs of a batch,
  // whose text varies with the number of rows and would only churn the cache).
  Result run_once(const std::string& sql, const TextParams& params);
  // COPY ... FROM STDIN with `data` in COPY's text format; returns the rows copied.
  std::int64_t copy_in(const std::string& copy_sql, std::string_view data);
  // Several statements in one simple-protocol round trip, no parameters (migrations, BEGIN).
  void script(std::string_view sql);

  // Parameters the prepared form of sql takes ($n with the highest n).
  int param_count(std::string_view sql);

  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // The libpq handle, for what the statement API does not cover (LISTEN's notifications).
  PGconn* native() { return conn_; }
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  // True when the server closed this connection while it sat idle (a restart, an idle
  // timeout, pg_terminate_backend): checked before the pool lends it, so a query does not go
  // out on a dead socket in the common case.
  bool closed_while_idle();

 private:
  struct Prepared {
    std::string sql;
    std::string name;
    int params = 0;
  };
  Prepared& prepare(std::string_view sql);
  void forget(std::string_view sql);  // drops a cached statement (its plan went stale)
  void deallocate_stale();
  Result check(PGresult* r);

  PGconn* conn_ = nullptr;
  const Target& target_;
  // LRU of prepared statements: the list holds them most recent first, the map finds them by
  // SQL text without copying it (its keys view the list's strings, which never move).
  static constexpr std::size_t kMaxPrepared = 256;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::list<Prepared> lru_;
  std::unordered_map<std::string_view, std::list<Prepared>::iterator, Hash, std::equal_to<>>
      by_sql_;
  std::vector<std::string> stale_;  // names to DEALLOCATE once outside a transaction
  unsigned long next_name_ = 0;
};

}  // namespace bb::db::pg
