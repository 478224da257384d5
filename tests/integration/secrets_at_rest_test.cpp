// Nothing secret at rest: after every auth flow that makes a token (sessions, API keys, email
// links, invitations, a token someone puts in a query string), delivered over real SMTP (Python's
// smtpd), the demo is stopped and its whole directory (the SQLite file, WAL, anything else) and
// its logs are scanned for Bunbase's token prefixes. The run history keeps "[redacted]", the logs
// keep the prefix only, the outbox keeps a mail's text until it is sent, then without its link.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"
#include "tests/integration/support/smtp_catcher.hpp"

namespace bbit {
namespace {

const std::regex kToken(R"(bb[skti]_[A-Za-z0-9_-]{16,})");

// Every token in `text`, by prefix, with where it was found.
void collect(const std::string& text, std::map<std::string, std::set<std::string>>& found, const std::string& where = "") {
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kToken); it != std::sregex_iterator(); ++it)
    found[it->str().substr(0, 4)].insert(it->str() + (where.empty() ? "" : " in " + where));
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string last_link_token(const std::string& mails, std::string_view path) {
  std::smatch m;
  std::string last;
  const std::regex link(std::string(path) + R"(\?token=(bbt_[A-Za-z0-9_-]+))");
  for (auto it = std::sregex_iterator(mails.begin(), mails.end(), link); it != std::sregex_iterator(); ++it)
    last = (*it)[1];
  return last;
}

TEST(SecretsAtRest, NoTokenIsLeftInTheDatabaseFilesOrTheLogs) {
  SmtpCatcher smtp;
  DemoServer server({.env = {{"BUNBASE_SMTP_URL", smtp.url()}}});
  const unsigned short port = server.port();
  std::set<std::string> handed_out;  // every token the server gave or mailed

  // Sessions, and a token in a query string (where no schema says it is a secret).
  Account ada = sign_up(port, "ada@example.com");
  Account bob = sign_up(port, "bob@example.com");
  ASSERT_FALSE(ada.token.empty());
  ASSERT_FALSE(bob.token.empty());
  handed_out.insert({ada.token, bob.token});
  EXPECT_EQ(http(port, "GET", "/auth/me", {}, bearer(ada.token)).status, 200);
  http(port, "GET", "/auth/me?token=" + ada.token + "&access_token=" + bob.token, {}, bearer(ada.token));

  // An API key, used.
  Response key = http(port, "POST", "/auth/api-keys", R"({"name":"ci"})", bearer(ada.token));
  ASSERT_EQ(key.status, 201) << key;
  const std::string api_key = str(key.json().at("key"));
  handed_out.insert(api_key);
  EXPECT_EQ(http(port, "GET", "/auth/me", {}, bearer(api_key)).status, 200);

  // Email verification and password reset, their links read from the SMTP server.
  ASSERT_EQ(http(port, "POST", "/auth/verify-email/request", {}, bearer(ada.token)).status, 202);
  ASSERT_TRUE(eventually([&] { return !last_link_token(smtp.out(), "/verify-email").empty(); }))
      << smtp.output_for_diagnostics();
  const std::string verify = last_link_token(smtp.out(), "/verify-email");
  handed_out.insert(verify);
  Response verified = http(port, "POST", "/auth/verify-email", json_text({{"token", verify}}));
  EXPECT_EQ(verified.status / 100, 2) << verified;

  ASSERT_EQ(http(port, "POST", "/auth/password-reset/request", R"({"email":"bob@example.com"})").status, 202);
  ASSERT_TRUE(eventually([&] { return !last_link_token(smtp.out(), "/reset-password").empty(); }))
      << smtp.output_for_diagnostics();
  const std::string reset = last_link_token(smtp.out(), "/reset-password");
  handed_out.insert(reset);
  Response was_reset =
      http(port, "POST", "/auth/password-reset", json_text({{"token", reset}, {"password", "a new long password"}}));
  EXPECT_EQ(was_reset.status / 100, 2) << was_reset;
  const std::string bob_again = sign_in_token(port, "bob@example.com", "a new long password");
  handed_out.insert(bob_again);

  // A password change (a new session), an organization and an invitation, accepted.
  Response changed = http(port, "POST", "/auth/password",
                          json_text({{"current_password", kPassword}, {"new_password", "another long password"}}),
                          bearer(ada.token));
  ASSERT_EQ(changed.status, 200) << changed;
  const std::string ada_now = str(changed.json().at("token"));
  handed_out.insert(ada_now);
  Response org = http(port, "POST", "/_cockpit/orgs", R"({"name":"Acme","slug":"acme"})", bearer(ada_now));
  ASSERT_EQ(org.status, 201) << org;
  const std::string org_id = str(org.json().at("id"));
  Response invited = http(port, "POST", "/_cockpit/orgs/" + org_id + "/invitations", R"({"email":"bob@example.com"})",
                          bearer(ada_now));
  ASSERT_EQ(invited.status, 201) << invited;
  const std::string invitation = str(invited.json().at("token"));
  handed_out.insert(invitation);
  Response accepted = http(port, "POST", "/_cockpit/invitations/" + invitation + "/accept", {}, bearer(bob_again));
  EXPECT_EQ(accepted.status, 200) << accepted;

  // Every mail delivered, then a clean stop: the run history flushed, and the WAL, which holds
  // the pages as they were before the outbox was scrubbed, checkpointed and removed by the last
  // connection to close (this test's own is closed first).
  int mails = 0, runs = 0;
  {
    Db db(server.db_url());
    ASSERT_TRUE(eventually([&] { return db.count("SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL") == 0; }))
        << server.process().output_for_diagnostics();
    mails = db.count("SELECT count(*) FROM mail_outbox");
    runs = db.count("SELECT count(*) FROM action_runs");
  }
  ASSERT_EQ(server.stop(SIGTERM), 0);

  std::map<std::string, std::set<std::string>> found;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server.dir().path())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    collect(read_all(entry.path()), found, entry.path().filename().string());
  }
  collect(server.process().out(), found, "stdout");
  collect(server.process().err(), found, "stderr");

  std::cerr << "[ secrets at rest: " << handed_out.size() << " tokens handed out, " << mails << " mails, " << runs
            << " runs; scanned " << files << " files and the logs:";
  for (const char* prefix : {"bbs_", "bbk_", "bbt_", "bbi_"}) std::cerr << " " << prefix << " " << found[prefix].size();
  std::cerr << " ]\n";
  EXPECT_GE(files, 2);
  for (const auto& [prefix, tokens] : found)
    for (const auto& t : tokens) ADD_FAILURE() << "a token at rest: " << t;
  // The scan can see them: the mails the SMTP server printed hold the links.
  std::map<std::string, std::set<std::string>> in_mails;
  collect(smtp.out(), in_mails);
  EXPECT_GE(in_mails["bbt_"].size(), 2u) << smtp.output_for_diagnostics();
}

}  // namespace
}  // namespace bbit
