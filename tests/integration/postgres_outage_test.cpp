// PostgreSQL going away under a running app, and coming back: requests that need the database
// fail with a clear 503 (not a 500, not a hang), the process stays up, and once the server is
// back the same process serves again, sessions included, without a restart. The app runs on a
// PostgreSQL cluster of this test's own (tests/support/pg_cluster.hpp), which it stops and starts.
#include <gtest/gtest.h>

#include "tests/integration/support/demo_server.hpp"
#include "tests/support/pg_cluster.hpp"

namespace {

using namespace bbit;
using namespace std::chrono_literals;

TEST(PostgresOutage, RequestsGetA503WhileTheServerIsDownAndTheAppRecoversWithoutARestart) {
  auto& pg = bb::testing::PgCluster::shared();
  const std::string schema = pg.create_schema("outage");
  DemoServer server({.env = {{"DATABASE_URL", pg.schema_url(schema)}}, .sign_in = false});
  const unsigned short port = server.port();
  Response up = http(port, "POST", "/auth/sign-up", R"({"email":"ada@example.com","password":"correct horse","name":"Ada"})");
  ASSERT_EQ(up.status, 202) << up;
  Response signed_up = http(port, "POST", "/auth/sign-in", R"({"email":"ada@example.com","password":"correct horse"})");
  ASSERT_EQ(signed_up.status, 200) << signed_up;
  const Headers bearer = {{"Authorization", "Bearer " + std::string(signed_up.json().at("token").as_string())}};
  ASSERT_EQ(http(port, "GET", "/auth/me", "", bearer).status, 200);

  pg.stop();
  Response ping = http(port, "GET", "/ping");
  EXPECT_EQ(ping.status, 503) << ping;
  EXPECT_EQ(ping.json().at("code"), "unavailable") << ping;
  EXPECT_EQ(http(port, "GET", "/auth/me", "", bearer).status, 503) << "not a 401: the session is not known to be bad";
  EXPECT_EQ(http(port, "GET", "/readyz").status, 503);
  EXPECT_EQ(http(port, "GET", "/healthz").status, 200) << "the process is up";
  EXPECT_TRUE(server.process().running());

  pg.start();
  EXPECT_TRUE(eventually([&] { return http(port, "GET", "/readyz").status == 200; }, 15s)) << "ready again";
  EXPECT_EQ(http(port, "GET", "/ping").status, 200);
  Response me = http(port, "GET", "/auth/me", "", bearer);
  EXPECT_EQ(me.status, 200) << "the session from before the outage still works: " << me;
  Response signed_in = http(port, "POST", "/auth/sign-in", R"({"email":"ada@example.com","password":"correct horse"})");
  EXPECT_EQ(signed_in.status, 200) << signed_in;
  pg.drop_schema(schema);
}

}  // namespace
