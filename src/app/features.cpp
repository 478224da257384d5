#include "src/app/features.hpp"

#include <stdexcept>

#include "src/admin/admin_feature.hpp"
#include "src/app/jobs_feature.hpp"
#include "src/auth/auth_feature.hpp"
#include "src/saas/saas_feature.hpp"

namespace bb {

std::vector<Feature> builtin_features(const Config& config) {
  std::vector<Feature> features{jobs_feature()};
  if (config.dashboard.enabled) features.push_back(admin::admin_feature());
  if (config.saas.organizations && !config.auth.enabled)
    throw std::runtime_error("saas.organizations needs auth: set [auth] enabled = true");
  if (config.saas.enabled && !config.saas.organizations)
    throw std::runtime_error("saas.enabled (plans and features) needs organizations: set [saas] organizations = true");
  if (config.auth.enabled) features.push_back(auth::feature(config));
  if (config.saas.organizations) features.push_back(saas::feature(config));
  return features;
}

}  // namespace bb
