// Who may read /metrics ([metrics]): a request with `Authorization: Bearer <[metrics] token>`
// (BUNBASE_METRICS_TOKEN), compared in constant time; without a bearer token, whoever may use
// the dashboard without signing in (admin_access.hpp: its key, or this machine where [dashboard]
// loopback holds, i.e. development). A bearer token that is not the one is refused, wherever it
// comes from. Nothing configured in production: every request is refused.
//
//   admin::Admission a = admin::admit_metrics(config, request);
//   if (!a.admitted) answer 401 with a.refused;
#pragma once

#include "src/admin/admin_access.hpp"

namespace bb::admin {

Admission admit_metrics(const Config& config, const Request& request);

}  // namespace bb::admin
