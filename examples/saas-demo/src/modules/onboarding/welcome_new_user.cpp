#include "onboarding.hpp"

namespace demo {

bb::Action welcome_new_user() {
  return bb::action<NewUser, Queued>(
      {.name = "welcomeNewUser",
       .description = "Queues the welcome email of a new user (once per user)",
       .triggers = {bb::triggers::event("user.created")}},
      [](const NewUser& in, bb::Context& ctx) {
        auto job = ctx.queue.add("sendWelcomeEmail", NewUser{.userId = in.userId},
                                 {.max_attempts = 5, .unique_key = "welcome:" + std::string(in.userId)});
        return Queued{job.id, job.duplicate};
      });
}

}  // namespace demo
