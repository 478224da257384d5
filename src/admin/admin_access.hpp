// Who may use the developer dashboard and its JSON API (config [dashboard]): the system
// principal (the CLI); a request carrying the admin key in the X-Admin-Key header or in the
// cookie the page's sign-in sets; a signed-in user listed in `admins`; or, where `loopback`
// holds (development by default), a request from this machine. Everything else: 401.
#pragma once

#include <string>
#include <string_view>

#include "bunbase/core/guard.hpp"
#include "bunbase/core/request.hpp"

namespace bb {
struct Config;
}

namespace bb::admin {

inline constexpr std::string_view kKeyHeader = "x-admin-key";
inline constexpr std::string_view kKeyCookie = "bunbase_admin";

Guard admin_access();

// The checks that need neither a session nor the database, for endpoints outside the action
// model (the live stream): the key (header or cookie), then loopback. `refused` with the
// message to answer 401 with; `wrong_key` when a key was presented and is not the one.
struct Admission {
  bool admitted = false, wrong_key = false;
  std::string refused;
};
Admission admit_without_session(const Config& config, const Request& request);

// Constant-time comparison of a presented key with the configured one (any lengths).
bool key_matches(std::string_view configured, std::string_view given);

}  // namespace bb::admin
