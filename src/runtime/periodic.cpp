// run_every(): a sleeping thread that invokes one action at a fixed interval (see periodic.hpp).
#include "bunbase/runtime/periodic.hpp"

#include <pthread.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "bunbase/runtime/app.hpp"

namespace bb {

std::function<void()> run_every(App& app, std::string action, std::chrono::milliseconds interval) {
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;
  };
  auto state = std::make_shared<State>();
  state->thread = std::thread([&app, action = std::move(action), interval, state] {
    pthread_setname_np(pthread_self(), "bb-every");
    const std::string detail = "every " + std::to_string(interval.count()) + "ms";
    std::unique_lock lock(state->mutex);
    while (!state->wake.wait_for(lock, interval, [&] { return state->stopping; })) {
      lock.unlock();
      // A failure is a failed run in the history (the executor records it); the next tick retries.
      app.invoke(action, boost::json::object{}, {.trigger_type = "cron", .trigger_detail = detail});
      lock.lock();
    }
  });
  return [state] {
    {
      std::lock_guard lock(state->mutex);
      state->stopping = true;
    }
    state->wake.notify_all();
    if (state->thread.joinable()) state->thread.join();
  };
}

}  // namespace bb
