#include "bunbase/runtime/worker_pool.hpp"

#include <pthread.h>

namespace bb {

WorkerPool::WorkerPool(std::size_t threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i)
    threads_.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), ("bb-worker-" + std::to_string(i)).c_str());
      loop();
    });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::post(std::function<void()> job) {
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    // Workers already awake (just woken, or between jobs) will take queued jobs; wake another
    // only when there are more jobs than those.
    if (sleeping_ > 0 && jobs_.size() > waking_) {
      --sleeping_;
      ++waking_;
      notify = true;
    }
  }
  if (notify) wake_.notify_one();
}

void WorkerPool::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    while (jobs_.empty() && !stopping_) {
      ++sleeping_;
      wake_.wait(lock);
      // Either post() counted us as waking (and took us off sleeping_), or this is a
      // spurious wake-up or stop(): in those cases we are still counted as sleeping.
      if (waking_ > 0) {
        --waking_;
      } else {
        --sleeping_;
      }
    }
    if (jobs_.empty()) return;  // stopping, nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace bb
