// The threads handlers run on, so that a slow handler never stalls a network thread.
// Wakes a sleeping worker only when the queued jobs outnumber the workers already being woken,
// so a burst of posts costs fewer wake-ups than one per job; a worker blocked in a slow job is
// not counted, so the jobs behind it still get a worker of their own.
//
//   bb::WorkerPool pool(8);
//   pool.post([] { ... });
//   pool.stop();   // runs what is queued, then joins
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bb {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> job);
  // Finishes every queued job, then joins the threads. Idempotent.
  void stop();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::size_t sleeping_ = 0;  // workers waiting on wake_
  std::size_t waking_ = 0;    // notified, not yet back at the queue
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bb
