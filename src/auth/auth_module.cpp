// The auth feature: the `auth` module (prefix /auth) and its tables.
#include "src/auth/auth_feature.hpp"
#include "src/auth/auth_types.hpp"
#include "src/auth/mail_delivery.hpp"

namespace bb::auth {

Feature feature(const Config& config) {
  auto state = std::make_shared<AuthState>(config);
  std::vector<Action> actions = session_actions(state);
  for (auto& a : api_key_actions()) actions.push_back(std::move(a));
  for (auto& a : email_actions(state)) actions.push_back(std::move(a));
  return {.name = "auth",
          .modules = {module({.name = "auth",
                              .description = "Accounts, sessions, API keys, email verification and password reset",
                              .api_prefix = "/auth",
                              .actions = std::move(actions)})},
          .migrations = migrations(),
          .start = config.auth.smtp.url.empty()
                       ? std::function<std::function<void()>(App&)>()
                       : [smtp = config.auth.smtp](App& app) {
                           return start_mail_delivery(app.db(), app.log(), smtp);
                         }};
}

}  // namespace bb::auth
