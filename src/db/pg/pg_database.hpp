// The PostgreSQL driver: a bounded pool of libpq connections behind the Database interface.
// A transaction pins one connection to the calling thread until it ends, so the thread's
// other calls join it (nested transactions are savepoints) while other threads use other
// connections and see only committed rows.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bunbase/db/database.hpp"
#include "src/db/pg/pool.hpp"

namespace bb::db::pg {

class PgDatabase final : public Database {
 public:
  // Opens the first connection at once, so a wrong URL, host or password fails here.
  PgDatabase(const std::string& url, const OpenOptions& options);
  ~PgDatabase() override;

  using Database::exec;
  using Database::query;
  Rows query(std::string_view sql, Params params) override;
  std::int64_t exec(std::string_view sql, Params params) override;
  void transaction(const std::function<void(Database&)>& fn) override;
  std::int64_t exec_batch(std::string_view sql, std::size_t columns,
                          std::span<const Cell> cells) override;
  std::int64_t insert_rows(std::string_view table, std::span<const std::string_view> columns,
                           std::span<const Cell> cells) override;
  void exec_script(std::string_view sql) override;
  std::string_view dialect() const override { return "postgres"; }
  bool ping() override;

 private:
  struct Pin {
    Connection* conn;
    int depth;  // 1 in the outer transaction, +1 per savepoint
  };
  Pin* pinned();
  // Runs f(connection) on this thread's pinned connection, or on a pooled one; outside a
  // transaction a call that failed because its connection died runs once more on a new one.
  template <class F>
  auto with_connection(F&& f) -> decltype(f(std::declval<Connection&>()));
  void nested_transaction(Pin& pin, const std::function<void(Database&)>& fn);

  Pool pool_;
  std::mutex pins_mutex_;
  std::unordered_map<std::thread::id, Pin> pins_;  // nodes: a Pin* stays valid across rehashing
  std::atomic<int> pin_count_{0};  // 0: no thread is in a transaction, skip the lock
};

}  // namespace bb::db::pg
