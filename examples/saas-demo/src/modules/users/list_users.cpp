#include "users.hpp"

namespace demo {

bb::Action list_users() {
  return bb::action<ListUsersInput, ListUsersOutput>(
      {.name = "listUsers",
       .description = "Lists users, oldest first, a page at a time",
       .triggers = {bb::triggers::api("GET", "/"),
                     bb::triggers::tool({.name = "list_users",
                                         .title = "List users",
                                         .annotations = {.read_only = true, .idempotent = true, .open_world = false}})},
       .guards = {admin_only()}},
      [](const ListUsersInput& in, bb::Context& ctx) {
        std::int64_t limit = in.limit ? in.limit->value : 20;
        std::int64_t offset = in.offset ? in.offset->value : 0;
        ListUsersOutput out;
        out.users = ctx.db.query_as<User>(
            "SELECT * FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2", {limit, offset});
        out.total = ctx.db.query_one("SELECT count(*) AS n FROM users")->at("n").as_int64();
        return out;
      });
}

}  // namespace demo
