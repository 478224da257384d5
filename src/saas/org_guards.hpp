// Guards the organizations feature uses besides the public ones (bunbase/guards.hpp): at least
// one of several permissions, for steps that either of two managers may take; the operator only,
// for the catalog every organization shares.
//
//   .guards = {bb::guards::in_org(), has_any_permission({"invitations:manage", "members:manage"})}
//   .guards = {system_only()}
#pragma once

#include <string>
#include <vector>

#include "bunbase/core/guard.hpp"

namespace bb::saas {

// The caller's role (and API key scopes) grant at least one of the permissions. 403.
Guard has_any_permission(std::vector<std::string> permissions);

// The caller is the system principal (the CLI's `run`, internal work), never a user: 403
// operator_only. An HTTP caller is always a user or anonymous, so over HTTP this always refuses.
Guard system_only();

}  // namespace bb::saas
