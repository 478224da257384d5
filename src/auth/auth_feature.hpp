// The auth feature: the `auth` module (sign-up, sign-in, sessions, API keys, email verification,
// password reset) and the migrations of the tables it owns. Turned on by `[auth] enabled = true`.
#pragma once

#include <vector>

#include "bunbase/db/migrations.hpp"
#include "bunbase/runtime/app.hpp"

namespace bb::auth {

std::vector<db::Migration> migrations();
Feature feature(const Config& config);

}  // namespace bb::auth
