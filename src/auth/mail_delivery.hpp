// Delivers the mail outbox over SMTP in the background, when [auth.smtp] has a url: every poll
// interval, up to 20 unsent messages with fewer than 5 attempts, oldest first. Each one gets its
// sent_at, or one more attempt and the error. Sending never happens inside a request.
#pragma once

#include <functional>

#include "bunbase/core/log.hpp"
#include "bunbase/db/database.hpp"
#include "bunbase/runtime/config.hpp"

namespace bb::auth {

inline constexpr int kMaxMailAttempts = 5;

// Starts the delivery thread; the returned function stops it (and waits for a send under way).
std::function<void()> start_mail_delivery(db::Database& db, LogSink& log, Config::Auth::Smtp smtp);

// One pass: sends what is due and returns how many were sent. Used by the thread and by tests.
int deliver_outbox(db::Database& db, Log& log, const Config::Auth::Smtp& smtp);

}  // namespace bb::auth
