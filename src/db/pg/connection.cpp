#include "src/db/pg/connection.hpp"

#include <poll.h>

#include <cerrno>
#include <chrono>

namespace bb::db::pg {

namespace {
// What PostgreSQL says when a cached plan's result columns changed under it (ALTER TABLE on
// a table behind SELECT *). SQLSTATE 0A000 alone is too broad to act on.
constexpr std::string_view kStalePlan = "cached plan must not change result type";

bool stale_plan(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  return state && msg && std::string_view(state) == "0A000" &&
         std::string_view(msg).find(kStalePlan) != std::string_view::npos;
}
}  // namespace

Connection::Connection(const Target& target) : target_(target) {
  // The URL is expanded in place of "dbname"; the keywords after it override it: the driver
  // reads and writes UTF-8 whatever the URL or the environment say.
  const char* keys[] = {"dbname", "client_encoding", "fallback_application_name", nullptr};
  const char* vals[] = {target.url.c_str(), "UTF8", "bunbase", nullptr};
  conn_ = PQconnectStartParams(keys, vals, 1);
  auto fail = [&](const std::string& why) {
    std::string msg = "cannot connect to PostgreSQL at " + target.where + ": " + why;
    PQfinish(conn_);
    conn_ = nullptr;
    throw DbError(DbError::Kind::connection, scrub(std::move(msg), target));
  };
  auto libpq_message = [&] {
    std::string m = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
  };
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) fail(libpq_message());
  // libpq's own connect_timeout counts whole seconds (at least 2) and is ignored by the
  // non-blocking API, so the deadline is kept here, to the millisecond.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(target.connect_timeout_ms);
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) fail(libpq_message());
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{PQsocket(conn_), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT),
             0};
    int rc = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) fail("no answer within " + std::to_string(target.connect_timeout_ms) + " ms");
    if (rc < 0) fail("poll failed");
    state = PQconnectPoll(conn_);
  }
  // Notices ("relation already exists, skipping", a server's goodbye) would go to stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (target.statement_timeout_ms > 0) {
    try {
      script("SET statement_timeout = " + std::to_string(target.statement_timeout_ms));
    } catch (...) {
      PQfinish(conn_);  // no destructor runs for an object that was never constructed
      throw;
    }
  }
}

Connection::~Connection() { PQfinish(conn_); }

Result Connection::check(PGresult* raw) {
  Result r(raw);
  ExecStatusType s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK || s == PGRES_EMPTY_QUERY) return r;
  throw error_of(r.get(), conn_, target_);
}

Connection::Prepared& Connection::prepare(std::string_view sql) {
  if (auto it = by_sql_.find(sql); it != by_sql_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);  // now the most recently used
    return *it->second;
  }
  deallocate_stale();
  Prepared p{std::string(sql), "bb_" + std::to_string(++next_name_), 0};
  // No parameter types: the server infers each $n from its use, as for a literal.
  check(PQprepare(conn_, p.name.c_str(), p.sql.c_str(), 0, nullptr));
  Result described = check(PQdescribePrepared(conn_, p.name.c_str()));
  p.params = PQnparams(described.get());
  lru_.push_front(std::move(p));
  by_sql_.emplace(lru_.front().sql, lru_.begin());
  if (lru_.size() > kMaxPrepared) forget(lru_.back().sql);
  return lru_.front();
}

void Connection::forget(std::string_view sql) {
  auto it = by_sql_.find(sql);
  if (it == by_sql_.end()) return;
  auto entry = it->second;
  by_sql_.erase(it);
  stale_.push_back(std::move(entry->name));
  lru_.erase(entry);
}

// DEALLOCATE is left for a moment outside any transaction: in a failed transaction it would
// fail too, and a mistake in one would abort the caller's transaction.
void Connection::deallocate_stale() {
  if (stale_.empty() || transaction_status() != PQTRANS_IDLE) return;
  std::string sql;
  for (const auto& name : stale_) sql += "DEALLOCATE " + name + ";";
  stale_.clear();
  Result(PQexec(conn_, sql.c_str()));  // a failure leaves a harmless unused statement
}

int Connection::param_count(std::string_view sql) { return prepare(sql).params; }

Result Connection::run(std::string_view sql, const TextParams& params) {
  for (int attempt = 0;; ++attempt) {
    Prepared& p = prepare(sql);
    if (params.size() < p.params)
      throw DbError(DbError::Kind::other, "statement uses $" + std::to_string(p.params) + " but " +
                                              std::to_string(params.size()) +
                                              " parameters were given");
    const bool in_transaction = transaction_status() != PQTRANS_IDLE;
    // Extra parameters are ignored, as SQLite does: the server would refuse them.
    Result r(PQexecPrepared(conn_, p.name.c_str(), p.params, params.values(), nullptr, nullptr, 0));
    ExecStatusType s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) return r;
    if (r && stale_plan(r.get())) {
      // The table changed shape since the statement was prepared: prepare it again. Outside
      // a transaction nothing ran, so it is retried once; inside one the transaction has
      // failed already, so the caller gets the error and the next attempt works.
      forget(sql);
      if (attempt == 0 && !in_transaction) continue;
    }
    throw error_of(r.get(), conn_, target_);
  }
}

Result Connection::run_once(const std::string& sql, const TextParams& params) {
  return check(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, params.values(), nullptr,
                            nullptr, 0));
}

std::int64_t Connection::copy_in(const std::string& copy_sql, std::string_view data) {
  Result started(PQexec(conn_, copy_sql.c_str()));
  if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) check(started.release());
  // Sent in pieces: libpq buffers what it is given, and a piece bounds that buffer.
  constexpr std::size_t kPiece = 256 * 1024;
  const char* failure = nullptr;
  for (std::size_t at = 0; at < data.size() && !failure; at += kPiece) {
    const std::size_t n = std::min(kPiece, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) failure = "the connection failed during COPY";
  }
  PQputCopyEnd(conn_, failure);
  Result ended = check(PQgetResult(conn_));
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // the end of the command
  const char* tuples = PQcmdTuples(ended.get());
  return tuples && *tuples ? std::atoll(tuples) : 0;
}

void Connection::script(std::string_view sql) {
  std::string text(sql);
  check(PQexec(conn_, text.c_str()));
}

bool Connection::closed_while_idle() {
  if (broken()) return true;
  // An idle connection has nothing to read unless the server spoke first: a notice, or the
  // error and end-of-file of a server going away. A few rounds read the end-of-file too.
  for (int round = 0; round < 3; ++round) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (!PQconsumeInput(conn_)) return true;
    while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);  // pooled connections do not LISTEN
    if (broken()) return true;
  }
  return broken();
}

}  // namespace bb::db::pg
