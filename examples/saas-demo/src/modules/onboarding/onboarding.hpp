// The onboarding module: what happens after an account is created, in the background.
#pragma once

#include <bunbase/bunbase.hpp>

namespace demo {

// user.created's payload, and the welcome job's input.
struct NewUser {
  bb::Uuid userId;
  std::optional<bb::Email> email;
  std::optional<bb::String<bb::MaxLength<200>>> name;
};
BOOST_DESCRIBE_STRUCT(NewUser, (), (userId, email, name))

struct Queued {
  std::string jobId;
  bool duplicate = false;
};
BOOST_DESCRIBE_STRUCT(Queued, (), (jobId, duplicate))

struct Sent {
  std::string to;
};
BOOST_DESCRIBE_STRUCT(Sent, (), (to))

bb::Action welcome_new_user();
bb::Action send_welcome_email();

}  // namespace demo
