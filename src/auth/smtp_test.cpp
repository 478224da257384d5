#include "src/auth/smtp.hpp"

#include <gtest/gtest.h>

namespace {

bb::Config::Auth::Smtp smtp() {
  bb::Config::Auth::Smtp s;
  s.from = "Acme <no-reply@acme.test>";
  return s;
}

TEST(SmtpMessage, HeadersThenACrlfBody) {
  std::string m = bb::auth::smtp_message(smtp(), {.to = "ada@example.com", .subject = "Hello", .text = "line 1\nline 2"}, "m1");
  EXPECT_NE(m.find("From: Acme <no-reply@acme.test>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("To: ada@example.com\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Subject: Hello\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Message-ID: <m1@bunbase>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos) << m;
  EXPECT_TRUE(m.ends_with("\r\n\r\nline 1\r\nline 2\r\n")) << m;
}

TEST(SmtpMessage, HeaderValuesCannotInjectHeaders) {
  std::string m = bb::auth::smtp_message(
      smtp(), {.to = "ada@example.com\r\nBcc: eve@evil.test", .subject = "Hi\r\nBcc: eve@evil.test", .text = "x"}, "m2");
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
  EXPECT_EQ(m.find("\nBcc:"), std::string::npos) << m;
}

TEST(SmtpMessage, NonAsciiSubjectIsEncoded) {
  std::string m = bb::auth::smtp_message(smtp(), {.to = "a@b.co", .subject = "Café", .text = "x"}, "m3");
  EXPECT_NE(m.find("Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n"), std::string::npos) << m;
}

TEST(SmtpSend, AnUnreachableServerIsAnErrorNotACrash) {
  auto s = smtp();
  s.url = "smtp://127.0.0.1:1";
  auto error = bb::auth::send_smtp(s, {.to = "a@b.co", .subject = "x", .text = "x"}, "m4");
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->empty());
}

}  // namespace
