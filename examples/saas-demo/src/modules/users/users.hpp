// The users module's types and actions.
#pragma once

#include <bunbase/bunbase.hpp>

namespace demo {

enum class Role { user, admin };
BOOST_DESCRIBE_ENUM(Role, user, admin)

using Name = bb::String<bb::MinLength<1>, bb::MaxLength<200>>;

struct User {
  std::string id;
  std::string email;
  std::string name;
  Role role;
  std::string created_at;
  std::string updated_at;
};
BOOST_DESCRIBE_STRUCT(User, (), (id, email, name, role, created_at, updated_at))

struct CreateUserInput {
  bb::Email email;
  Name name;
  std::optional<Role> role;
};
BOOST_DESCRIBE_STRUCT(CreateUserInput, (), (email, name, role))

struct CreateUserOutput {
  std::string id;
  std::string email;
};
BOOST_DESCRIBE_STRUCT(CreateUserOutput, (), (id, email))

struct UserId {
  bb::Uuid id;
};
BOOST_DESCRIBE_STRUCT(UserId, (), (id))

struct ListUsersInput {
  std::optional<bb::Int<bb::Minimum<1>, bb::Maximum<100>>> limit;
  std::optional<bb::Int<bb::Minimum<0>>> offset;
};
BOOST_DESCRIBE_STRUCT(ListUsersInput, (), (limit, offset))

struct ListUsersOutput {
  std::vector<User> users;
  std::int64_t total;
};
BOOST_DESCRIBE_STRUCT(ListUsersOutput, (), (users, total))

struct UpdateUserInput {
  bb::Uuid id;
  std::optional<bb::Email> email;
  std::optional<Name> name;
  std::optional<Role> role;
};
BOOST_DESCRIBE_STRUCT(UpdateUserInput, (), (id, email, name, role))

struct DeleteUserOutput {
  bool deleted;
};
BOOST_DESCRIBE_STRUCT(DeleteUserOutput, (), (deleted))

bb::Action create_user();
bb::Action get_user();
bb::Action list_users();
bb::Action update_user();
bb::Action delete_user();

// users.role = 'admin' (or the system principal); admin_only() refuses anyone else with 403.
bool is_admin(bb::Context& ctx);
bb::Guard admin_only();

// Shared by the actions: the user or a 404.
User find_user_or_throw(bb::db::Database& db, std::string_view id);

}  // namespace demo
