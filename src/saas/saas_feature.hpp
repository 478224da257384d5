// The organizations feature: the `orgs` and `rbac` modules (organizations, members, invitations,
// roles, permissions, role sets) and the migrations of their tables, with the default role set
// seeded. Mounted under `saas.path` (default /_cockpit). Turned on by `[saas] organizations = true`
// (needs `[auth] enabled = true`).
#pragma once

#include <vector>

#include "bunbase/db/migrations.hpp"
#include "bunbase/runtime/app.hpp"

namespace bb::saas {

std::vector<db::Migration> migrations();
Feature feature(const Config& config);

}  // namespace bb::saas
