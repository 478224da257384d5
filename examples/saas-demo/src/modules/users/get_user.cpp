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
       .description = "Returns one user by id",
       .triggers = {bb::triggers::api("GET", "/:id")}},
      [](const UserId& in, bb::Context& ctx) { return find_user_or_throw(ctx.db, in.id); });
}

}  // namespace demo
