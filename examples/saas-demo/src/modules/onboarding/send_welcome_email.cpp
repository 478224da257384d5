#include <bunbase/auth/mailer.hpp>

#include "onboarding.hpp"

namespace demo {

bb::Action send_welcome_email() {
  return bb::action<NewUser, Sent>(
      {.name = "sendWelcomeEmail", .description = "Writes the welcome email to the mail outbox"},
      [](const NewUser& in, bb::Context& ctx) {
        auto user = ctx.db.query_one("SELECT email, name FROM users WHERE id = $1", {in.userId});
        if (!user) throw bb::Error(bb::ErrorCode::not_found, "no such user").with_code("user_not_found");
        const std::string email(user->at("email").as_string()), name(user->at("name").as_string());
        bb::auth::send_mail(ctx, ctx.db,
                            {.to = email,
                             .subject = "Welcome to saas-demo",
                             .text = "Hello " + name + ",\n\nyour account is ready.\n",
                             .kind = "welcome"});
        return Sent{email};
      });
}

}  // namespace demo
