#include "src/db/sqlite/connection.hpp"

#include <boost/json/serialize.hpp>

#include <cstdlib>

namespace bb::db::sqlite {

namespace {
constexpr std::size_t kMaxCachedStatements = 512;

DbError::Kind kind_of(int extended) {
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return DbError::Kind::unique_violation;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return DbError::Kind::foreign_key_violation;
    default: break;
  }
  switch (extended & 0xff) {
    case SQLITE_CONSTRAINT: return DbError::Kind::constraint;
    case SQLITE_BUSY: case SQLITE_LOCKED: return DbError::Kind::busy;
    case SQLITE_CANTOPEN: return DbError::Kind::connection;
    default: return DbError::Kind::other;
  }
}
}  // namespace

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms) {
  // Memory statistics put a global mutex around every SQLite allocation; we never read them.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open SQLite database \"" + path + "\": " +
                      (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw DbError(DbError::Kind::connection, msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Connection::~Connection() {
  for (auto& [sql, st] : statements_) sqlite3_finalize(st.stmt);
  sqlite3_close_v2(db_);
}

void Connection::fail(int rc, std::string_view what) const {
  int extended = sqlite3_extended_errcode(db_);
  throw DbError(kind_of(extended ? extended : rc),
                std::string(what) + ": " + sqlite3_errmsg(db_));
}

const Connection::Statement& Connection::prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) fail(rc, "SQL error");
  if (!stmt) throw DbError(DbError::Kind::other, "empty SQL statement");
  if (tail && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt);
    throw DbError(DbError::Kind::other, "one statement per call (use exec_script for several)");
  }
  // Read each slot's $N once here instead of on every execution.
  Statement entry{stmt, {}};
  int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    char* end = nullptr;
    long n = name && (name[0] == '$' || name[0] == '?') ? std::strtol(name + 1, &end, 10) : 0;
    if (n < 1 || *end != '\0') {
      std::string message = std::string("unsupported parameter ") + (name ? name : "?") + ": use $1, $2, ...";
      sqlite3_finalize(stmt);  // owns `name`
      throw DbError(DbError::Kind::other, message);
    }
    entry.param_numbers.push_back(static_cast<int>(n));
  }
  if (statements_.size() >= kMaxCachedStatements) {
    for (auto& [s, st] : statements_) sqlite3_finalize(st.stmt);
    statements_.clear();
  }
  return statements_.emplace(std::string(sql), std::move(entry)).first->second;
}

// Text is bound without a copy: every caller keeps it alive until the statement is reset.
void Connection::bind_cell(sqlite3_stmt* stmt, int slot, const Cell& c) {
  int rc = SQLITE_OK;
  switch (c.kind) {
    case Cell::Kind::null: rc = sqlite3_bind_null(stmt, slot); break;
    case Cell::Kind::integer: rc = sqlite3_bind_int64(stmt, slot, c.integer); break;
    case Cell::Kind::real: rc = sqlite3_bind_double(stmt, slot, c.real); break;
    case Cell::Kind::text:
      rc = sqlite3_bind_text(stmt, slot, c.text.data(), static_cast<int>(c.text.size()), SQLITE_STATIC);
      break;
  }
  if (rc != SQLITE_OK) fail(rc, "bind");
}

void Connection::bind(const Statement& st, Params params) {
  sqlite3_reset(st.stmt);
  sqlite3_clear_bindings(st.stmt);
  for (std::size_t i = 0; i < st.param_numbers.size(); ++i) {
    int n = st.param_numbers[i];
    if (static_cast<std::size_t>(n) > params.size())
      throw DbError(DbError::Kind::other, "statement uses $" + std::to_string(n) + " but " +
                                              std::to_string(params.size()) + " parameters were given");
    const Value& v = params[n - 1];
    const int slot = static_cast<int>(i + 1);
    switch (v.kind()) {
      case boost::json::kind::null: bind_cell(st.stmt, slot, Cell::null_value()); break;
      case boost::json::kind::bool_: bind_cell(st.stmt, slot, Cell::of(std::int64_t{v.get_bool()})); break;
      case boost::json::kind::int64: bind_cell(st.stmt, slot, Cell::of(v.get_int64())); break;
      case boost::json::kind::uint64:
        bind_cell(st.stmt, slot, Cell::of(static_cast<std::int64_t>(v.get_uint64())));
        break;
      case boost::json::kind::double_: bind_cell(st.stmt, slot, Cell::of(v.get_double())); break;
      case boost::json::kind::string:
        bind_cell(st.stmt, slot, Cell::of(std::string_view(v.get_string().data(), v.get_string().size())));
        break;
      case boost::json::kind::array:
      case boost::json::kind::object: {
        // Stored as JSON text; this text dies here, so SQLite copies it.
        std::string text = boost::json::serialize(v);
        if (int rc = sqlite3_bind_text(st.stmt, slot, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
            rc != SQLITE_OK)
          fail(rc, "bind");
        break;
      }
    }
  }
}

std::int64_t Connection::run_to_done(sqlite3_stmt* stmt) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    sqlite3_reset(stmt);
    fail(rc, "statement failed");
  }
  sqlite3_reset(stmt);
  return sqlite3_changes64(db_);
}

Rows Connection::query(const Statement& st, Params params) {
  bind(st, params);
  sqlite3_stmt* stmt = st.stmt;
  Rows rows;
  int cols = sqlite3_column_count(stmt);
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      sqlite3_reset(stmt);
      fail(rc, "query failed");
    }
    Row row;
    row.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      const char* name = sqlite3_column_name(stmt, c);
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER: row[name] = static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)); break;
        case SQLITE_FLOAT: row[name] = sqlite3_column_double(stmt, c); break;
        case SQLITE_NULL: row[name] = nullptr; break;
        default: {
          auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row[name] = boost::json::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
        }
      }
    }
    rows.emplace_back(std::move(row));
  }
  sqlite3_reset(stmt);
  return rows;
}

std::int64_t Connection::exec(const Statement& st, Params params) {
  bind(st, params);
  return run_to_done(st.stmt);
}

std::int64_t Connection::exec_batch(const Statement& st, std::size_t columns, std::span<const Cell> cells) {
  if (columns == 0 || cells.size() % columns != 0)
    throw DbError(DbError::Kind::other, "exec_batch: the cells do not fill whole rows");
  for (int n : st.param_numbers)
    if (static_cast<std::size_t>(n) > columns)
      throw DbError(DbError::Kind::other, "exec_batch: statement uses $" + std::to_string(n) + " but rows have " +
                                              std::to_string(columns) + " cells");
  std::int64_t changed = 0;
  for (std::size_t row = 0; row < cells.size(); row += columns) {  // run_to_done resets after each row
    for (std::size_t i = 0; i < st.param_numbers.size(); ++i)
      bind_cell(st.stmt, static_cast<int>(i + 1), cells[row + st.param_numbers[i] - 1]);
    changed += run_to_done(st.stmt);
  }
  return changed;
}

void Connection::exec_script(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int extended = sqlite3_extended_errcode(db_);
    throw DbError(kind_of(extended ? extended : rc), msg);
  }
}

}  // namespace bb::db::sqlite
