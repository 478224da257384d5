#include "users.hpp"

namespace demo {

bb::Action create_user() {
  return bb::action<CreateUserInput, CreateUserOutput>(
      {.name = "createUser",
       .description = "Creates a new user account",
       .triggers = {bb::triggers::api("POST", "/", {.status = 201}),
                     bb::triggers::tool({.name = "create_user",
                                         .title = "Create a user",
                                         .annotations = {.read_only = false, .destructive = false,
                                                         .idempotent = false, .open_world = false}})},
       .guards = {admin_only()}},
      [](const CreateUserInput& in, bb::Context& ctx) -> CreateUserOutput {
        auto taken = [] {
          return bb::Error(bb::ErrorCode::conflict, "a user with this email already exists").with_code("email_taken");
        };
        if (ctx.db.query_one("SELECT 1 FROM users WHERE email = $1", {in.email})) throw taken();
        std::string id;
        try {
          id = ctx.db.insert("users", {{"id", bb::new_id()},
                                       {"email", in.email},
                                       {"name", in.name},
                                       {"role", boost::describe::enum_to_string(in.role.value_or(Role::user), "user")}});
        } catch (const bb::db::DbError& e) {
          // Two requests for one email can both pass the check above; the index decides.
          if (e.kind() == bb::db::DbError::Kind::unique_violation) throw taken();
          throw;
        }
        ctx.log.info("user created", {{"userId", id}});
        // Delivered once this run has succeeded: the onboarding module welcomes the user.
        ctx.events.emit("user.created", {{"userId", id}, {"email", in.email}, {"name", in.name}});
        return {id, in.email};
      });
}

}  // namespace demo
