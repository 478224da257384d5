// Mail delivery over real SMTP: the demo with [auth.smtp] pointing at a local SMTP server
// (Python's smtpd DebuggingServer, which prints every message it receives), and at a port where
// nothing listens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/smtp_catcher.hpp"

namespace bbit {
namespace {

using ::testing::HasSubstr;

TEST(Mail, TheOutboxIsDeliveredOverSmtp) {
  SmtpCatcher smtp;

  DemoServer server({.env = {{"BUNBASE_SMTP_URL", smtp.url()}}});
  Response r = http(server.port(), "POST", "/auth/verify-email/request");
  ASSERT_EQ(r.status, 202) << r;

  Db db(server.db_url());
  ASSERT_TRUE(eventually([&] {
    // The owner's sign-up's link and the one asked for.
    return db.count("SELECT count(*) FROM mail_outbox WHERE kind = 'verify_email' AND sent_at IS NOT NULL") == 2;
  })) << server.process().output_for_diagnostics();
  auto row = db.query("SELECT attempts, error FROM mail_outbox WHERE kind = 'verify_email'").at(0);
  EXPECT_EQ(row["attempts"], "1");
  EXPECT_FALSE(row["error"].has_value());

  ASSERT_TRUE(eventually([&] { return smtp.out().find("Subject: Verify your email") != std::string::npos; }))
      << smtp.output_for_diagnostics();
  const std::string received = smtp.out();
  EXPECT_THAT(received, HasSubstr("To: owner@example.com"));
  EXPECT_THAT(received, HasSubstr("/verify-email?token=bbt_"));
  EXPECT_THAT(received, HasSubstr("Content-Type: text/plain; charset=utf-8"));
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

// Sign-up with a taken email answers like a fresh one (auth_test.cpp); the one who learns of it is
// the owner, by a message that goes out like any other.
TEST(Mail, ASignUpWithATakenEmailTellsItsOwner) {
  SmtpCatcher smtp;

  DemoServer server({.env = {{"BUNBASE_SMTP_URL", smtp.url()}}});
  Response r = http(server.port(), "POST", "/auth/sign-up",
                    R"({"email":"Owner@Example.com","password":"someone else's","name":"Not The Owner"})", {{"Authorization", ""}});
  ASSERT_EQ(r.status, 202) << r;
  EXPECT_EQ(r.body, R"({"status":"verification_sent"})");
  ASSERT_TRUE(eventually([&] { return smtp.out().find("Subject: Someone tried to sign up with your email") != std::string::npos; }))
      << smtp.output_for_diagnostics() << server.process().output_for_diagnostics();
  const std::string received = smtp.out();
  EXPECT_THAT(received, HasSubstr("To: owner@example.com")) << "the address the account holds";
  EXPECT_THAT(received, HasSubstr("sign in with your password at http://localhost:3000/"));
  EXPECT_THAT(received, HasSubstr("reset your password"));
  EXPECT_EQ(received.find("someone else's"), std::string::npos) << "never the password that was tried";
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(Mail, AnUnreachableSmtpServerIsRecordedAndRetriedAndTheServerKeepsServing) {
  DemoServer server({.env = {{"BUNBASE_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(free_port())}}});
  ASSERT_EQ(http(server.port(), "POST", "/auth/verify-email/request").status, 202);
  Db db(server.db_url());
  ASSERT_TRUE(eventually([&] { return db.count("SELECT count(*) FROM mail_outbox WHERE attempts >= 2") == 2; }))
      << server.process().output_for_diagnostics();
  auto row = db.query("SELECT sent_at, error FROM mail_outbox").at(0);
  EXPECT_FALSE(row["sent_at"].has_value());
  ASSERT_TRUE(row["error"].has_value());
  EXPECT_FALSE(row["error"]->empty());
  EXPECT_THAT(server.process().err(), HasSubstr("mail not sent"));
  EXPECT_TRUE(server.healthy());
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace bbit
