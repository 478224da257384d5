#include "src/auth/hash_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "bunbase/core/error.hpp"

namespace bb::auth {

HashPool::HashPool(Options options) : options_(options) {
  options_.capacity = std::max(1, options_.capacity);
  // More threads than callers allowed at once would never all be busy.
  options_.threads = std::clamp(options_.threads, 1, options_.capacity);
}

HashPool::~HashPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_) t.join();
}

int HashPool::admitted() {
  std::lock_guard lock(mutex_);
  return admitted_;
}

void HashPool::run_job(const std::function<void()>& fn) {
  std::unique_lock lock(mutex_);
  if (admitted_ >= options_.capacity)
    throw Error(ErrorCode::unavailable, "busy hashing passwords, retry in 1 s", boost::json::object{{"retry_after", 1}})
        .with_code("busy");
  ++admitted_;
  if (threads_.empty())
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { loop(); });
  bool done = false;
  jobs_.push_back({&fn, &done});
  work_.notify_one();
  finished_.wait(lock, [&] { return done; });
  --admitted_;
}

void HashPool::loop() {
  // Linux keeps a nice value per thread: this one yields to the request threads on a busy core.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    (*job.fn)();  // catches its own exceptions (run())
    lock.lock();
    *job.done = true;
    finished_.notify_all();
  }
}

}  // namespace bb::auth
