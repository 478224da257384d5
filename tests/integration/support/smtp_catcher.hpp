// A real SMTP server for a test: Python's smtpd DebuggingServer on a free loopback port, which
// prints every message it receives. Point the demo at it and read what arrived:
//
//   SmtpCatcher smtp;
//   DemoServer server({.env = {{"BUNBASE_SMTP_URL", smtp.url()}}});
//   ASSERT_TRUE(eventually([&] { return smtp.out().find("Subject: Verify") != std::string::npos; }));
#pragma once

#include <stdexcept>
#include <string>

#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/process.hpp"

namespace bbit {

class SmtpCatcher {
 public:
  SmtpCatcher()
      : port_(free_port()),
        process_("/usr/bin/python3",
                 {"-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", "127.0.0.1:" + std::to_string(port_)},
                 {.cwd = dir_.path(), .name = "smtpd"}) {
    if (!eventually([&] { return !port_closed(port_); }))
      throw std::runtime_error("smtpd did not start\n" + process_.output_for_diagnostics());
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // Every message received so far, headers and text, as smtpd printed them.
  std::string out() const { return process_.out(); }
  std::string output_for_diagnostics() const { return process_.output_for_diagnostics(); }

 private:
  TempDir dir_;
  unsigned short port_;
  Process process_;
};

}  // namespace bbit
