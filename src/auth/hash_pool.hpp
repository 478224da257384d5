// Password hashing off the request workers. An argon2id hash holds a core for ~0.1 s and 64 MiB,
// so a flood of sign-ins hashed on the request workers would take every worker and every core
// from the app's other routes. Hashes run here instead: on `threads` threads of their own, at a
// lower CPU priority (nice +10: request threads come first on a busy core), and at most
// `capacity` callers wait for one (the running ones included); the next is refused at once with
// 503 `busy` and Retry-After: 1, so callers waiting for hashes never hold more request workers
// than `capacity` (AuthState keeps it at half of them).
//
//   HashPool pool({.threads = 1, .capacity = 2});
//   std::string phc = pool.run([&] { return hash_password(pw, params); });   // or 503 busy
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace bb::auth {

class HashPool {
 public:
  struct Options {
    int threads = 1;
    int capacity = 2;  // callers at once, hashing or waiting
  };
  explicit HashPool(Options options);
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // Runs fn on a hash thread and returns its result (or rethrows its exception). Throws
  // Error(unavailable, code "busy", details {retry_after: 1}) when `capacity` callers already wait.
  template <class F>
  std::invoke_result_t<F&> run(F&& fn) {
    using R = std::invoke_result_t<F&>;
    static_assert(!std::is_void_v<R>, "return the hash or the verdict");
    std::optional<R> result;
    std::exception_ptr error;
    run_job([&] {
      try {
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }

  const Options& options() const { return options_; }
  // Callers admitted now (hashing or waiting).
  int admitted();

 private:
  struct Job {
    const std::function<void()>* fn;
    bool* done;
  };
  void run_job(const std::function<void()>& fn);
  void loop();

  Options options_;
  std::mutex mutex_;
  std::condition_variable work_, finished_;
  std::deque<Job> jobs_;
  int admitted_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // started on first use
};

}  // namespace bb::auth
