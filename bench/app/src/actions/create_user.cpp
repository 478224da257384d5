// POST /users, run inline on the network thread (a CPU-only handler).
#include "create_user.hpp"

BUNBASE_ACTION(create_user) {
  return bb::action<bench::CreateUserInput, bench::CreateUserOutput>(
      {.name = "createUser",
       .triggers = {bb::triggers::api("POST", "/users", {.status = 201})},
       .run_inline = true},
      bench::create);
}
