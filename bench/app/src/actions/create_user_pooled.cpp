// The same action on the worker pool (the default for handlers), to measure the thread hop.
#include "create_user.hpp"

BUNBASE_ACTION(create_user_pooled) {
  return bb::action<bench::CreateUserInput, bench::CreateUserOutput>(
      {.name = "createUserPooled", .triggers = {bb::triggers::api("POST", "/pooled/users", {.status = 201})}},
      bench::create);
}
