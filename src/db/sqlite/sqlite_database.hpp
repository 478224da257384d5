// The SQLite driver: WAL, a busy timeout, one writer connection and a small pool of readers.
// Writes and transactions take the writer; plain reads take a reader, so reads never wait
// behind a write. An in-memory database uses one connection for both.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bunbase/db/database.hpp"
#include "src/db/sqlite/connection.hpp"

namespace bb::db::sqlite {

class SqliteDatabase final : public Database {
 public:
  // path: a file path or ":memory:".
  SqliteDatabase(const std::string& path, const OpenOptions& options);
  ~SqliteDatabase() override;

  using Database::exec;
  using Database::query;
  Rows query(std::string_view sql, Params params) override;
  std::int64_t exec(std::string_view sql, Params params) override;
  void transaction(const std::function<void(Database&)>& fn) override;
  std::int64_t exec_batch(std::string_view sql, std::size_t columns, std::span<const Cell> cells) override;
  void exec_script(std::string_view sql) override;
  std::string_view dialect() const override { return "sqlite"; }
  bool ping() override;

 private:
  // Holds the writer for the calling thread; re-entrant so that calls inside a transaction
  // on the same thread join it.
  class WriterLock;
  Connection* acquire_reader();
  void release_reader(Connection* c);
  bool writer_held_here() const { return writer_owner_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

  std::unique_ptr<Connection> writer_;
  std::recursive_mutex writer_mutex_;
  std::atomic<std::thread::id> writer_owner_{};  // read without the lock by other threads
  int writer_depth_ = 0;
  int savepoint_depth_ = 0;

  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> idle_readers_;
  std::mutex readers_mutex_;
  std::condition_variable reader_free_;
};

}  // namespace bb::db::sqlite
