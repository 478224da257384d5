#include "users.hpp"

namespace demo {

bb::Action create_user() {
  return bb::action<CreateUserInput, CreateUserOutput>(
      {.name = "createUser",
       .description = "Creates a new user account",
       .triggers = {bb::triggers::api("POST", "/", {.status = 201})}},
      [](const CreateUserInput& in, bb::Context& ctx) -> CreateUserOutput {
        if (ctx.db.query_one("SELECT 1 FROM users WHERE email = $1", {in.email}))
          throw bb::Error(bb::ErrorCode::conflict, "a user with this email already exists")
              .with_code("email_taken");
        auto id = ctx.db.insert("users", {{"id", bb::new_id()},
                                          {"email", in.email},
                                          {"name", in.name},
                                          {"role", boost::describe::enum_to_string(in.role.value_or(Role::user), "user")}});
        ctx.log.info("user created", {{"userId", id}});
        return {id, in.email};
      });
}

}  // namespace demo
