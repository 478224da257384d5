#include "users.hpp"

namespace demo {

bb::Action delete_user() {
  return bb::action<UserId, DeleteUserOutput>(
      {.name = "deleteUser",
       .description = "Deletes a user",
       .triggers = {bb::triggers::api("DELETE", "/:id")},
       .guards = {admin_only()}},
      [](const UserId& in, bb::Context& ctx) {
        if (ctx.db.remove("users", "id = $1", {in.id}) == 0)
          throw bb::Error(bb::ErrorCode::not_found, "user not found");
        ctx.log.info("user deleted", {{"userId", in.id}});
        return DeleteUserOutput{true};
      });
}

}  // namespace demo
