#include "src/auth/mail_delivery.hpp"

#include <pthread.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "bunbase/core/time.hpp"
#include "bunbase/core/token_mask.hpp"
#include "src/auth/smtp.hpp"

namespace bb::auth {

int deliver_outbox(db::Database& db, Log& log, const Config::Auth::Smtp& smtp) {
  auto due = db.query(
      "SELECT id, to_address, subject, body_text, kind FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1 "
      "ORDER BY created_at LIMIT 20",
      {kMaxMailAttempts});
  int sent = 0;
  for (const auto& v : due) {
    const auto& row = v.as_object();
    const std::string id(row.at("id").as_string());
    Mail mail{.to = std::string(row.at("to_address").as_string()),
              .subject = std::string(row.at("subject").as_string()),
              .text = std::string(row.at("body_text").as_string()),
              .kind = std::string(row.at("kind").as_string())};
    if (auto error = send_smtp(smtp, mail, id)) {
      db.exec("UPDATE mail_outbox SET attempts = attempts + 1, error = $1 WHERE id = $2", {*error, id});
      log.warn("mail not sent", {{"mailId", id}, {"kind", mail.kind}, {"error", *error}});
    } else {
      // Sent: the outbox keeps what was sent, not the link's token (the recipient has it now).
      std::string kept = mail.text;
      mask_tokens(kept);
      db.exec("UPDATE mail_outbox SET attempts = attempts + 1, sent_at = $1, error = NULL, body_text = $3 WHERE id = $2",
              {iso_now(), id, kept});
      ++sent;
    }
  }
  return sent;
}

std::function<void()> start_mail_delivery(db::Database& db, LogSink& sink, Config::Auth::Smtp smtp) {
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;
  };
  auto state = std::make_shared<State>();
  state->thread = std::thread([&db, &sink, smtp = std::move(smtp), state] {
    pthread_setname_np(pthread_self(), "bb-mail");
    Log log(&sink, LogScope{.action = "mail delivery"});
    bool failing = false;  // a broken outbox (say, migrations pending) is reported once, not every poll
    std::unique_lock lock(state->mutex);
    while (!state->stopping) {
      lock.unlock();
      try {
        deliver_outbox(db, log, smtp);
        failing = false;
      } catch (const std::exception& e) {
        if (!failing) log.error("mail delivery failed", {{"error", e.what()}});
        failing = true;
      }
      lock.lock();
      state->wake.wait_for(lock, std::chrono::milliseconds(smtp.poll_ms), [&] { return state->stopping; });
    }
  });
  return [state] {
    {
      std::lock_guard lock(state->mutex);
      state->stopping = true;
    }
    state->wake.notify_all();
    if (state->thread.joinable()) state->thread.join();
  };
}

}  // namespace bb::auth
