// db::Listener on a libpq connection of its own (see bunbase/db/notifications.hpp).
#pragma once

#include <atomic>
#include <memory>

#include "bunbase/db/notifications.hpp"
#include "src/db/pg/connection.hpp"

namespace bb::db::pg {

class PgListener final : public Listener {
 public:
  PgListener(Target target, std::vector<std::string> channels);
  ~PgListener() override;

  std::vector<Notification> wait(std::chrono::milliseconds timeout) override;
  bool take_reconnected() override { return reconnected_.exchange(false); }
  void interrupt() override;

 private:
  void connect();  // a new connection, LISTENing on every channel; throws DbError
  void drain(std::vector<Notification>& out);

  Target target_;
  std::vector<std::string> channels_;
  std::unique_ptr<Connection> conn_;
  std::atomic<bool> reconnected_{false};
  std::chrono::steady_clock::time_point next_attempt_{};
  int wake_fd_ = -1;  // an eventfd: interrupt() makes it readable
};

}  // namespace bb::db::pg
