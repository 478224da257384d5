// A guard the organizations feature uses besides the public ones (bunbase/guards.hpp): at least
// one of several permissions, for steps that either of two managers may take.
//
//   .guards = {bb::guards::in_org(), has_any_permission({"invitations:manage", "members:manage"})}
#pragma once

#include <string>
#include <vector>

#include "bunbase/core/guard.hpp"

namespace bb::saas {

// The caller's role (and API key scopes) grant at least one of the permissions. 403.
Guard has_any_permission(std::vector<std::string> permissions);

}  // namespace bb::saas
