#include <bunbase/guards.hpp>

#include "users.hpp"

BUNBASE_MODULE(users) {
  return bb::module({.name = "users",
                     .description = "User accounts",
                     .api_prefix = "/users",
                     .guards = {bb::guards::authenticated()},  // then admin_only() on the actions that manage others
                     .actions = {demo::create_user(), demo::get_user(), demo::list_users(),
                                 demo::update_user(), demo::delete_user()}});
}
