#include "src/db/pg/pg_database.hpp"

#include <charconv>
#include <optional>

#include "src/db/pg/multi_row_insert.hpp"

namespace bb::db::pg {

namespace {
std::int64_t affected(const Result& r) {
  const char* tuples = PQcmdTuples(r.get());
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);  // "" for DDL: 0
  return n;
}

// What COMMIT would hide: PostgreSQL refuses every statement after a failed one in a
// transaction and turns COMMIT into ROLLBACK without an error.
DbError caught_failure() {
  return DbError(DbError::Kind::other,
                 "transaction rolled back: a statement in it failed and the error was caught; "
                 "PostgreSQL cannot go on after a failed statement (wrap the statement that may "
                 "fail in a nested transaction)");
}

std::int64_t run_batch(Connection& c, const std::optional<MultiRowInsert>& plan,
                       std::string_view sql, std::size_t columns, std::span<const Cell> cells) {
  const std::size_t rows = cells.size() / columns;
  std::int64_t changed = 0;
  TextParams params;
  if (plan) {
    for (std::size_t r = 0; r < rows; r += plan->max_rows()) {
      std::size_t k = std::min(plan->max_rows(), rows - r);
      params.clear();
      for (const Cell& cell : cells.subspan(r * columns, k * columns)) params.add(cell);
      changed += affected(c.run_once(plan->sql_for(k), params));
    }
    return changed;
  }
  if (int n = c.param_count(sql); static_cast<std::size_t>(n) > columns)
    throw DbError(DbError::Kind::other, "exec_batch: statement uses $" + std::to_string(n) +
                                            " but rows have " + std::to_string(columns) + " cells");
  for (std::size_t r = 0; r < rows; ++r) {
    params.clear();
    for (const Cell& cell : cells.subspan(r * columns, columns)) params.add(cell);
    changed += affected(c.run(sql, params));
  }
  return changed;
}
}  // namespace

PgDatabase::PgDatabase(const std::string& url, const OpenOptions& options)
    : pool_(parse_url(url, options), options.pool_max, options.busy_timeout_ms) {
  pool_.acquire();  // the lease ends at once: the connection waits in the pool
}

PgDatabase::~PgDatabase() = default;

PgDatabase::Pin* PgDatabase::pinned() {
  if (pin_count_.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard lock(pins_mutex_);
  auto it = pins_.find(std::this_thread::get_id());
  return it == pins_.end() ? nullptr : &it->second;
}

template <class F>
auto PgDatabase::with_connection(F&& f) -> decltype(f(std::declval<Connection&>())) {
  if (Pin* pin = pinned()) return f(*pin->conn);
  {
    Pool::Lease lease = pool_.acquire();
    try {
      return f(*lease);
    } catch (const DbError& e) {
      if (e.kind() != DbError::Kind::connection || !lease->broken()) throw;
    }
  }
  // The connection died under the call (a server restart, a dropped TCP connection) and the
  // broken one is gone with its lease: once more on a new connection. A write whose reply
  // was lost after the server committed it would run twice; PostgreSQL cannot tell which
  // happened. The pool's liveness check before each loan keeps this path for rare cases.
  Pool::Lease fresh = pool_.acquire(true);
  return f(*fresh);
}

Rows PgDatabase::query(std::string_view sql, Params params) {
  TextParams text(params);
  return with_connection([&](Connection& c) { return to_rows(c.run(sql, text).get()); });
}

std::int64_t PgDatabase::exec(std::string_view sql, Params params) {
  TextParams text(params);
  return with_connection([&](Connection& c) { return affected(c.run(sql, text)); });
}

void PgDatabase::exec_script(std::string_view sql) {
  // The simple query protocol runs several statements in one round trip, in an implicit
  // transaction of their own when not inside one of ours.
  with_connection([&](Connection& c) { c.script(sql); });
}

std::int64_t PgDatabase::exec_batch(std::string_view sql, std::size_t columns,
                                    std::span<const Cell> cells) {
  if (columns == 0 || cells.size() % columns != 0)
    throw DbError(DbError::Kind::other, "exec_batch: the cells do not fill whole rows");
  if (cells.empty()) return 0;
  const auto plan = MultiRowInsert::parse(sql, columns);
  const std::size_t rows = cells.size() / columns;
  auto run = [&](Connection& c) { return run_batch(c, plan, sql, columns, cells); };
  if (plan ? rows <= plan->max_rows() : rows == 1) return with_connection(run);  // one statement
  std::int64_t changed = 0;  // several statements: all or none
  transaction([&](Database&) { changed = with_connection(run); });
  return changed;
}

// COPY's text format: a tab between columns, a newline after each row, \N for NULL, and a
// backslash before the characters that would otherwise mean one of those.
std::int64_t PgDatabase::insert_rows(std::string_view table, std::span<const std::string_view> columns,
                                     std::span<const Cell> cells) {
  if (columns.empty() || cells.size() % columns.size() != 0)
    throw DbError(DbError::Kind::other, "insert_rows: the cells do not fill whole rows");
  if (cells.empty()) return 0;
  std::string sql = "COPY " + std::string(table) + " (";
  for (std::size_t c = 0; c < columns.size(); ++c) sql += (c ? ", " : "") + std::string(columns[c]);
  sql += ") FROM STDIN";
  std::string data;
  data.reserve(cells.size() * 24);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    switch (cell.kind) {
      case Cell::Kind::null:
        data += "\\N";
        break;
      case Cell::Kind::integer:
        data += std::to_string(cell.integer);
        break;
      case Cell::Kind::real:
        data += real_text(cell.real);
        break;
      case Cell::Kind::text:
        reject_nul(cell.text);
        for (char ch : cell.text) {
          switch (ch) {
            case '\\': data += "\\\\"; break;
            case '\n': data += "\\n"; break;
            case '\r': data += "\\r"; break;
            case '\t': data += "\\t"; break;
            default: data += ch;
          }
        }
        break;
    }
    data += (i + 1) % columns.size() == 0 ? '\n' : '\t';
  }
  return with_connection([&](Connection& c) { return c.copy_in(sql, data); });
}

void PgDatabase::transaction(const std::function<void(Database&)>& fn) {
  if (Pin* pin = pinned()) return nested_transaction(*pin, fn);
  Pool::Lease lease = pool_.acquire();
  try {
    lease->script("BEGIN");
  } catch (const DbError&) {
    if (!lease->broken()) throw;
    lease.reset();  // nothing ran yet: a new connection is safe
    lease = pool_.acquire(true);
    lease->script("BEGIN");
  }
  {
    std::lock_guard lock(pins_mutex_);
    pins_[std::this_thread::get_id()] = Pin{lease.get(), 1};
    pin_count_.fetch_add(1, std::memory_order_release);
  }
  struct Unpin {  // before the lease returns the connection
    PgDatabase& db;
    ~Unpin() {
      std::lock_guard lock(db.pins_mutex_);
      db.pins_.erase(std::this_thread::get_id());
      db.pin_count_.fetch_sub(1, std::memory_order_release);
    }
  } unpin{*this};
  try {
    fn(*this);
  } catch (...) {
    try {
      lease->script("ROLLBACK");
    } catch (...) {  // a dead connection's transaction is rolled back by the server
    }
    throw;
  }
  if (lease->transaction_status() == PQTRANS_INERROR) {
    try {
      lease->script("ROLLBACK");
    } catch (...) {
    }
    throw caught_failure();
  }
  lease->script("COMMIT");
}

void PgDatabase::nested_transaction(Pin& pin, const std::function<void(Database&)>& fn) {
  Connection& c = *pin.conn;
  const std::string sp = "bb_sp" + std::to_string(pin.depth);
  c.script("SAVEPOINT " + sp);
  ++pin.depth;
  struct Restore {
    Pin& pin;
    ~Restore() { --pin.depth; }
  } restore{pin};
  auto roll_back = [&] {
    try {
      c.script("ROLLBACK TO SAVEPOINT " + sp + "; RELEASE SAVEPOINT " + sp);
    } catch (...) {  // the outer transaction fails then too, and says why
    }
  };
  try {
    fn(*this);
  } catch (...) {
    roll_back();
    throw;
  }
  if (c.transaction_status() == PQTRANS_INERROR) {
    roll_back();
    throw caught_failure();
  }
  c.script("RELEASE SAVEPOINT " + sp);
}

bool PgDatabase::ping() {
  try {
    return !query("SELECT 1", Params{}).empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace bb::db::pg
