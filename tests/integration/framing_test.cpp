// HTTP/1.1 framing to the letter of RFC 9112: the catalogue in data/framing_catalogue.txt, each
// request written byte for byte on a connection of its own against the real demo. Every case
// gets its expected status; every refusal closes the connection, so a request smuggled after a
// bad frame is never answered; the server keeps serving and its memory stays bounded.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

struct Case {
  std::string name;
  int status = 0;
  std::string request;
};

// "\r\n", "\t", "\\" and "{c*N}" (N copies of c) to bytes.
std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out += c == 'r' ? '\r' : c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else if (text[i] == '{' && text.find('*', i) == i + 2 && text.find('}', i) != std::string_view::npos) {
      const auto close = text.find('}', i);
      out.append(std::stoul(std::string(text.substr(i + 3, close - i - 3))), text[i + 1]);
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<Case> catalogue() {
  std::ifstream in(std::filesystem::path(__FILE__).parent_path() / "data" / "framing_catalogue.txt");
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    Case c;
    std::string status, request;
    std::getline(fields, c.name, '\t');
    std::getline(fields, status, '\t');
    std::getline(fields, request);
    c.status = std::stoi(status);
    c.request = unescape(request);
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(Framing, TheCatalogueIsAnsweredToTheLetterAndNothingIsSmuggled) {
  NoDefaultHeaders plain;
  DemoServer server({.sign_in = false});
  const std::vector<Case> cases = catalogue();
  ASSERT_GE(cases.size(), 25u) << "the catalogue file was not found or is short";
  const long rss_before = memory_kib(server.process().pid());
  int correct = 0;
  for (int round = 0; round < 3; ++round)  // three times: memory must not grow with repetition
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      Connection conn(server.port());
      conn.send_raw(c.request);  // the server may close before taking it all
      auto r = conn.read_response();
      ASSERT_TRUE(r) << "no response";
      EXPECT_EQ(r->status, c.status) << *r;
      bool ok = r->status == c.status;
      if (c.status == 400 || c.status == 501) {  // a framing refusal
        EXPECT_TRUE(r->closes()) << "a refusal says Connection: close\n" << *r;
        EXPECT_TRUE(conn.closed_by_peer()) << "and closes: nothing after a bad frame is parsed";
        EXPECT_EQ(r->body.find("smuggled"), std::string::npos);
        ok = ok && r->closes();
      }
      correct += ok && round == 0;
    }
  const bool alive = server.healthy();
  const long rss_after = memory_kib(server.process().pid());
  std::printf("[framing] tried %zu / correct %d / alive %s; RSS %ld KiB before, %ld KiB after 3 rounds\n", cases.size(),
              correct, alive ? "yes" : "no", rss_before, rss_after);
  EXPECT_EQ(correct, static_cast<int>(cases.size()));
  EXPECT_TRUE(alive);
  EXPECT_LT(rss_after - rss_before, 20 * 1024) << "endless lines are refused, not stored";
}

}  // namespace
}  // namespace bbit
