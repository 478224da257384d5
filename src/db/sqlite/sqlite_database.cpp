#include "src/db/sqlite/sqlite_database.hpp"

namespace bb::db::sqlite {

class SqliteDatabase::WriterLock {
 public:
  explicit WriterLock(SqliteDatabase& db) : db_(db), lock_(db.writer_mutex_) {
    if (db_.writer_depth_++ == 0) db_.writer_owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  ~WriterLock() {
    if (--db_.writer_depth_ == 0) db_.writer_owner_.store({}, std::memory_order_relaxed);
  }

 private:
  SqliteDatabase& db_;
  std::unique_lock<std::recursive_mutex> lock_;
};

SqliteDatabase::SqliteDatabase(const std::string& path, const OpenOptions& options) {
  bool memory = path == ":memory:" || path.empty();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  writer_ = std::make_unique<Connection>(memory ? ":memory:" : path, flags, options.busy_timeout_ms);
  if (!memory) {
    // WAL: readers never block the writer. synchronous=NORMAL: a commit survives a crash of
    // the process, and all but the last commits survive a power loss (SQLite's WAL guarantee).
    writer_->exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16000;");
  }
  // secure_delete=FAST: what an UPDATE or DELETE frees inside a page is zeroed when that costs no
  // extra I/O, so a mail's link scrubbed after sending is not left readable in the file.
  writer_->exec_script("PRAGMA foreign_keys=ON; PRAGMA secure_delete=FAST;");
  if (!memory) {
    for (int i = 0; i < std::max(1, options.readers); ++i) {
      auto r = std::make_unique<Connection>(path, SQLITE_OPEN_READONLY, options.busy_timeout_ms);
      r->exec_script("PRAGMA foreign_keys=ON;");
      idle_readers_.push_back(r.get());
      readers_.push_back(std::move(r));
    }
  }
}

SqliteDatabase::~SqliteDatabase() = default;

Connection* SqliteDatabase::acquire_reader() {
  std::unique_lock lock(readers_mutex_);
  reader_free_.wait(lock, [&] { return !idle_readers_.empty(); });
  Connection* c = idle_readers_.back();
  idle_readers_.pop_back();
  return c;
}

void SqliteDatabase::release_reader(Connection* c) {
  {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(c);
  }
  reader_free_.notify_one();
}

Rows SqliteDatabase::query(std::string_view sql, Params params) {
  // Inside this thread's transaction, or without readers, the writer sees everything.
  if (readers_.empty() || writer_held_here()) {
    WriterLock w(*this);
    return writer_->query(writer_->prepare(sql), params);
  }
  Connection* r = acquire_reader();
  struct Release {
    SqliteDatabase* db;
    Connection* c;
    ~Release() { db->release_reader(c); }
  } release{this, r};
  const Connection::Statement& st = r->prepare(sql);
  if (sqlite3_stmt_readonly(st.stmt)) return r->query(st, params);
  WriterLock w(*this);  // INSERT ... RETURNING and friends
  return writer_->query(writer_->prepare(sql), params);
}

std::int64_t SqliteDatabase::exec(std::string_view sql, Params params) {
  WriterLock w(*this);
  return writer_->exec(writer_->prepare(sql), params);
}

std::int64_t SqliteDatabase::exec_batch(std::string_view sql, std::size_t columns, std::span<const Cell> cells) {
  WriterLock w(*this);
  return writer_->exec_batch(writer_->prepare(sql), columns, cells);
}

void SqliteDatabase::exec_script(std::string_view sql) {
  WriterLock w(*this);
  writer_->exec_script(sql);
}

void SqliteDatabase::transaction(const std::function<void(Database&)>& fn) {
  WriterLock w(*this);
  const bool nested = savepoint_depth_ > 0;
  const std::string sp = "bb_sp" + std::to_string(savepoint_depth_);
  writer_->exec_script(nested ? "SAVEPOINT " + sp : "BEGIN IMMEDIATE");
  ++savepoint_depth_;
  try {
    fn(*this);
  } catch (...) {
    --savepoint_depth_;
    try {
      writer_->exec_script(nested ? "ROLLBACK TO " + sp + "; RELEASE " + sp : "ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  --savepoint_depth_;
  try {
    writer_->exec_script(nested ? "RELEASE " + sp : "COMMIT");
  } catch (...) {
    if (!nested) {
      try { writer_->exec_script("ROLLBACK"); } catch (...) {}
    }
    throw;
  }
}

bool SqliteDatabase::ping() {
  try {
    return !query("SELECT 1", Params{}).empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace bb::db::sqlite
