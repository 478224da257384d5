#include "src/db/pg/pool.hpp"

#include <chrono>

namespace bb::db::pg {

Pool::Pool(Target target, int max, int wait_ms)
    : target_(std::move(target)), max_(max > 0 ? max : 1), wait_ms_(wait_ms > 0 ? wait_ms : 0) {}

Pool::~Pool() = default;

Pool::Lease Pool::acquire(bool fresh) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms_);
  std::unique_lock lock(mutex_);
  for (;;) {
    // The most recently returned connection first: it is the likeliest to be alive and warm.
    while (!fresh && !idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();  // the liveness check is a system call; others may go on meanwhile
      if (!c->closed_while_idle()) return Lease(this, std::move(c));
      c.reset();
      lock.lock();
      --open_;
    }
    if (open_ < max_) {
      ++open_;  // counted before connecting so that concurrent callers respect the bound
      lock.unlock();
      try {
        return Lease(this, std::make_unique<Connection>(target_));
      } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
      }
    }
    if (fresh) {  // no room for a new one: an idle one will do after all
      fresh = false;
      continue;
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= max_)
      throw DbError(DbError::Kind::busy, "no free PostgreSQL connection within " +
                                             std::to_string(wait_ms_) + " ms (all " +
                                             std::to_string(max_) + " of the pool are in use)");
  }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  // A connection left inside a transaction (its ROLLBACK failed) or broken is closed: the
  // next caller must find a clean session.
  if (c->broken() || c->transaction_status() != PQTRANS_IDLE) {
    c.reset();  // PQfinish outside the lock
    std::lock_guard lock(mutex_);
    --open_;
  } else {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }
  returned_.notify_one();
}

}  // namespace bb::db::pg
