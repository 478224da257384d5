#include "users.hpp"

namespace demo {

bb::Action update_user() {
  return bb::action<UpdateUserInput, User>(
      {.name = "updateUser",
       .description = "Changes a user's email, name or role",
       .triggers = {bb::triggers::api("PATCH", "/:id")},
       .guards = {admin_only()}},
      [](const UpdateUserInput& in, bb::Context& ctx) {
        boost::json::object changes;
        if (in.email) {
          changes["email"] = *in.email;
          // A new address is unproven: the auth module's verification starts over (and links
          // mailed to the old address stop working).
          if (find_user_or_throw(ctx.db, in.id).email != std::string_view(*in.email)) changes["email_verified_at"] = nullptr;
        }
        if (in.name) changes["name"] = *in.name;
        if (in.role) changes["role"] = boost::describe::enum_to_string(*in.role, "user");
        if (changes.empty()) return find_user_or_throw(ctx.db, in.id);
        changes["updated_at"] = bb::iso_now();
        try {
          if (ctx.db.update("users", changes, "id = $1", {in.id}) == 0)
            throw bb::Error(bb::ErrorCode::not_found, "user not found");
        } catch (const bb::db::DbError& e) {
          if (e.kind() != bb::db::DbError::Kind::unique_violation) throw;
          throw bb::Error(bb::ErrorCode::conflict, "a user with this email already exists").with_code("email_taken");
        }
        return find_user_or_throw(ctx.db, in.id);
      });
}

}  // namespace demo
