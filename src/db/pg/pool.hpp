// A bounded pool of PostgreSQL connections, opened when first needed up to `max`. A caller
// beyond that waits for one to come back, up to a timeout, then gets DbError busy. A
// connection that comes back broken or still inside a transaction is closed, not reused.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "src/db/pg/connection.hpp"

namespace bb::db::pg {

class Pool {
 public:
  Pool(Target target, int max, int wait_ms);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection on loan; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease() = default;
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), conn_(std::move(c)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&& o) noexcept {
      reset();
      pool_ = o.pool_;
      conn_ = std::move(o.conn_);
      return *this;
    }
    ~Lease() { reset(); }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    Connection* get() const { return conn_.get(); }
    void reset() {
      if (conn_) pool_->give_back(std::move(conn_));
    }

   private:
    Pool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
  };

  // fresh: open a new connection rather than reuse an idle one (after one was found dead,
  // its idle siblings may be too), when the bound allows.
  Lease acquire(bool fresh = false);
  const Target& target() const { return target_; }

 private:
  void give_back(std::unique_ptr<Connection> c);

  const Target target_;
  const int max_;
  const int wait_ms_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // most recently returned last
  int open_ = 0;                                   // idle + on loan + being opened
};

}  // namespace bb::db::pg
