// The organizations feature: the `orgs` and `rbac` modules (organizations, members, invitations,
// roles, permissions, role sets) and the migrations of their tables, with the default role set
// seeded. Mounted under `saas.path` (default /_cockpit). Turned on by `[saas] organizations = true`
// (needs `[auth] enabled = true`). With `[saas] enabled = true` also the `plans` module (plans
// and features, their tables, and the sync of bunbase.toml's catalog after every migrate).
#pragma once

#include <vector>

#include "bunbase/db/migrations.hpp"
#include "bunbase/runtime/app.hpp"

namespace bb::saas {

std::vector<db::Migration> migrations();
std::vector<db::Migration> plans_migrations();
std::vector<db::Migration> subscriptions_migrations();
Feature feature(const Config& config);

}  // namespace bb::saas
