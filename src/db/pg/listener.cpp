#include "src/db/pg/listener.hpp"

#include "bunbase/db/migrations.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <thread>

namespace bb::db::pg {

namespace {

// How long a lost listener waits between attempts to get its connection back.
constexpr std::chrono::milliseconds kRetryPause{500};

std::string quote_channel(const std::string& name) {
  bool ok = !name.empty();
  for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_');
  if (!ok) throw DbError(DbError::Kind::other, "invalid channel name \"" + name + "\"");
  return "\"" + name + "\"";
}

}  // namespace

PgListener::PgListener(Target target, std::vector<std::string> channels)
    : target_(std::move(target)), channels_(std::move(channels)) {
  for (const auto& c : channels_) quote_channel(c);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw DbError(DbError::Kind::other, "eventfd failed");
  connect();
}

PgListener::~PgListener() {
  conn_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void PgListener::connect() {
  auto conn = std::make_unique<Connection>(target_);
  std::string sql;
  for (const auto& c : channels_) sql += "LISTEN " + quote_channel(c) + ";";
  conn->script(sql);
  conn_ = std::move(conn);
}

void PgListener::interrupt() {
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void PgListener::drain(std::vector<Notification>& out) {
  PGconn* c = conn_->native();
  while (PGnotify* n = PQnotifies(c)) {
    out.push_back({n->relname, n->extra});
    PQfreemem(n);
  }
}

std::vector<Notification> PgListener::wait(std::chrono::milliseconds timeout) {
  std::vector<Notification> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!conn_) {
    // Lost earlier: one attempt now if the pause is over, else sleep out the timeout.
    if (std::chrono::steady_clock::now() >= next_attempt_) {
      try {
        connect();
        reconnected_ = true;
      } catch (const DbError&) {
        next_attempt_ = std::chrono::steady_clock::now() + kRetryPause;
      }
    }
    if (!conn_) {
      pollfd p{wake_fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min(timeout, kRetryPause).count()));
      std::uint64_t drained;
      (void)!::read(wake_fd_, &drained, sizeof drained);
      return out;
    }
  }
  PGconn* c = conn_->native();
  drain(out);  // what an earlier read left in libpq's buffer
  while (out.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if (fds[1].revents & POLLIN) {
      std::uint64_t drained;
      (void)!::read(wake_fd_, &drained, sizeof drained);
      break;
    }
    if (fds[0].revents == 0) continue;
    if (PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK) {
      conn_.reset();  // the server went away: reconnect on a later call
      next_attempt_ = std::chrono::steady_clock::now() + kRetryPause;
      break;
    }
    drain(out);
  }
  return out;
}

}  // namespace bb::db::pg

namespace bb::db {

std::string schema_channel(Database& db, std::string_view prefix) {
  auto row = db.query_one("SELECT current_schema() AS s");
  const std::string schema = row && row->at("s").is_string() ? std::string(row->at("s").as_string()) : "";
  return std::string(prefix) + "_" + sha256_hex(schema).substr(0, 16);
}

}  // namespace bb::db
