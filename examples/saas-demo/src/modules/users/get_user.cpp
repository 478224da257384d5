#include "users.hpp"

namespace demo {

User find_user_or_throw(bb::db::Database& db, std::string_view id) {
  auto user = db.query_one_as<User>("SELECT * FROM users WHERE id = $1", {id});
  if (!user) throw bb::Error(bb::ErrorCode::not_found, "user not found");
  return *user;
}

bb::Action get_user() {
  return bb::action<UserId, User>(
      {.name = "getUser",
       .description = "Returns one user by id: your own account, or any account for an admin",
       .triggers = {bb::triggers::api("GET", "/:id"),
                     bb::triggers::tool({.name = "get_user",
                                         .title = "Get a user",
                                         .annotations = {.read_only = true, .idempotent = true, .open_world = false}})}},
      [](const UserId& in, bb::Context& ctx) {
        // Someone else's account looks like a missing one: ids do not reveal who exists.
        if (std::string_view(in.id) != ctx.auth.user_id && !is_admin(ctx))
          throw bb::Error(bb::ErrorCode::not_found, "user not found");
        return find_user_or_throw(ctx.db, in.id);
      });
}

}  // namespace demo
