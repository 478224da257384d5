#include "onboarding.hpp"

// No routes: an event starts the first action, the job queue the second.
BUNBASE_MODULE(onboarding) {
  return bb::module({.name = "onboarding",
                     .description = "Welcoming new users: user.created queues a welcome email",
                     .actions = {demo::welcome_new_user(), demo::send_welcome_email()}});
}
