// The demo's createUser types, validated both ways, with no database work: what is measured
// is the framework (HTTP, routing, validation, encoding, run recording).
#pragma once

#include <bunbase/bunbase.hpp>

namespace bench {
enum class Role { user, admin };
BOOST_DESCRIBE_ENUM(Role, user, admin)

struct CreateUserInput {
  bb::Email email;
  bb::String<bb::MinLength<1>, bb::MaxLength<200>> name;
  std::optional<Role> role;
};
BOOST_DESCRIBE_STRUCT(CreateUserInput, (), (email, name, role))

struct CreateUserOutput {
  std::string id;
  std::string email;
};
BOOST_DESCRIBE_STRUCT(CreateUserOutput, (), (id, email))

inline CreateUserOutput create(const CreateUserInput& in, bb::Context&) { return {bb::new_id(), in.email}; }
}  // namespace bench
