// Behind a real reverse proxy: Debian's nginx in front of the demo, clients connecting to
// nginx from distinct loopback addresses. What the app believes of the client (ctx.request's
// ip, recorded with each session; scheme, for Secure cookies), the per-IP sign-in budget, and
// the dashboard's "this machine" rule, which a proxy on this machine must never inherit.
#include <gtest/gtest.h>

#include "tests/integration/support/auth_client.hpp"
#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

const std::string kNginx = "/usr/sbin/nginx";

// nginx as a reverse proxy to `app_port`: `port()` forwards as a plain-HTTP site would
// (X-Forwarded-For, X-Real-IP, X-Forwarded-Proto $scheme), `tls_port()` as a site whose TLS
// ends at nginx (X-Forwarded-Proto: https; TLS itself is off here).
class Nginx {
 public:
  explicit Nginx(unsigned short app_port) : port_(free_port()), tls_port_(free_port()) {
    const auto root = dir_.path();
    std::filesystem::create_directories(root / "tmp");
    const std::string upstream = "127.0.0.1:" + std::to_string(app_port);
    auto site = [&](unsigned short port, const std::string& proto) {
      return "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
             ";\n    location / {\n      proxy_pass http://" + upstream +
             ";\n      proxy_http_version 1.1;\n      proxy_set_header Host $http_host;\n"
             "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
             "      proxy_set_header X-Real-IP $remote_addr;\n      proxy_set_header X-Forwarded-Proto " +
             proto + ";\n    }\n  }\n";
    };
    const std::string tmp = (root / "tmp").string();
    write_file(root / "nginx.conf",
               "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + (root / "nginx.pid").string() +
                   ";\nerror_log " + (root / "error.log").string() +
                   " warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
                   "  client_body_temp_path " + tmp + "/body;\n  proxy_temp_path " + tmp + "/proxy;\n"
                   "  fastcgi_temp_path " + tmp + "/fastcgi;\n  uwsgi_temp_path " + tmp + "/uwsgi;\n"
                   "  scgi_temp_path " + tmp + "/scgi;\n" +
                   site(port_, "$scheme") + site(tls_port_, "https") + "}\n");
    process_ = std::make_unique<Process>(
        kNginx, std::vector<std::string>{"-p", root.string(), "-c", (root / "nginx.conf").string(), "-e",
                                         (root / "error.log").string()},
        ProcessOptions{.cwd = root, .name = "nginx"});
    const bool up = eventually([&] {
      try {
        Connection c(port_, std::chrono::milliseconds(200));
        return true;
      } catch (const std::exception&) {
        return false;
      }
    });
    if (!up) throw std::runtime_error("nginx did not start: " + read_file(root / "error.log") + process_->err());
  }
  ~Nginx() {
    if (::testing::Test::HasFailure()) std::cerr << "[ nginx error.log ]\n" << read_file(dir_.path() / "error.log") << "\n";
  }

  unsigned short port() const { return port_; }
  unsigned short tls_port() const { return tls_port_; }

 private:
  TempDir dir_;
  unsigned short port_, tls_port_;
  std::unique_ptr<Process> process_;
};

std::string up_body(std::string_view email) {
  return json_text({{"email", email}, {"password", kPassword}, {"name", "Proxied"}});
}
std::string body_of(std::string_view email, std::string_view password = kPassword) {
  return json_text({{"email", email}, {"password", password}});
}

// The IP recorded with the newest session of `email` (start_session stores ctx.request->ip()).
std::string session_ip(const DemoServer& server, const std::string& email) {
  Db db(server.db_url());
  auto rows = db.query(
      "SELECT s.ip FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ? ORDER BY s.created_at DESC",
      {email});
  return rows.empty() || !rows[0].at("ip") ? std::string("(none)") : *rows[0].at("ip");
}

ServerOptions behind_proxy(std::map<std::string, std::string> env = {}) {
  env.try_emplace("BUNBASE_TRUSTED_PROXIES", "127.0.0.1/32");
  return {.env = env, .sign_in = false};
}

TEST(ReverseProxy, TheAppSeesTheClientNginxSawWhenNginxIsTrusted) {
  ASSERT_TRUE(std::filesystem::exists(kNginx)) << "install Debian's nginx (scripts/setup does)";
  NoDefaultHeaders plain;
  DemoServer server(behind_proxy());
  Nginx nginx(server.port());

  Response up = http_from("127.0.0.2", nginx.port(), "POST", "/auth/sign-up", up_body("two@example.com"));
  ASSERT_EQ(up.status, 202) << up;
  Response first = http_from("127.0.0.2", nginx.port(), "POST", "/auth/sign-in", body_of("two@example.com"));
  ASSERT_EQ(first.status, 200) << first;
  EXPECT_EQ(session_ip(server, "two@example.com"), "127.0.0.2") << "the client nginx saw, not nginx itself";
  Response in = http_from("127.0.0.3", nginx.port(), "POST", "/auth/sign-in", body_of("two@example.com"));
  ASSERT_EQ(in.status, 200) << in;
  EXPECT_EQ(session_ip(server, "two@example.com"), "127.0.0.3");

  // Straight to the app from an address that is not a trusted proxy: a forged header is ignored.
  Response forged = http_from("127.0.0.9", server.port(), "POST", "/auth/sign-in", body_of("two@example.com"),
                              {{"X-Forwarded-For", "203.0.113.50"}, {"X-Real-IP", "203.0.113.51"},
                               {"Forwarded", "for=203.0.113.52"}});
  ASSERT_EQ(forged.status, 200) << forged;
  EXPECT_EQ(session_ip(server, "two@example.com"), "127.0.0.9");
  // Through nginx, a client's own X-Forwarded-For is kept on the left; the hop nginx adds wins.
  Response spoof = http_from("127.0.0.4", nginx.port(), "POST", "/auth/sign-in", body_of("two@example.com"),
                             {{"X-Forwarded-For", "198.51.100.66"}});
  ASSERT_EQ(spoof.status, 200) << spoof;
  EXPECT_EQ(session_ip(server, "two@example.com"), "127.0.0.4");
}

// The per-client sign-in budget (failures, any email) is per client behind the proxy (trusted),
// and one budget for the whole app without trusted_proxies: the defect this setting exists for.
TEST(ReverseProxy, EachClientHasItsOwnSignInBudget) {
  NoDefaultHeaders plain;
  auto limited = [](std::string& t) {
    t.insert(t.find("[auth]\n") + 7, "sign_in_client_limit = 3\n");
  };
  auto exhaust = [](unsigned short port, const std::string& from, const std::string& tag) {
    std::vector<int> statuses;
    for (int i = 0; i < 4; ++i)  // a new email each time: only the per-IP budget is spent
      statuses.push_back(
          http_from(from, port, "POST", "/auth/sign-in", body_of(tag + std::to_string(i) + "@example.com", "wrong")).status);
    return statuses;
  };
  {
    auto o = behind_proxy();
    o.edit_config = limited;
    DemoServer server(o);
    Nginx nginx(server.port());
    EXPECT_EQ(exhaust(nginx.port(), "127.0.0.2", "a"), (std::vector<int>{401, 401, 401, 429}));
    Response other = http_from("127.0.0.3", nginx.port(), "POST", "/auth/sign-in", body_of("b@example.com", "wrong"));
    EXPECT_EQ(other.status, 401) << "another client through the same proxy has a budget of its own\n" << other;
  }
  {
    DemoServer server({.edit_config = limited, .sign_in = false});  // nginx not trusted
    Nginx nginx(server.port());
    EXPECT_EQ(exhaust(nginx.port(), "127.0.0.2", "a"), (std::vector<int>{401, 401, 401, 429}));
    Response other = http_from("127.0.0.3", nginx.port(), "POST", "/auth/sign-in", body_of("b@example.com", "wrong"));
    EXPECT_EQ(other.status, 429) << "untrusted, nginx is the only client the app knows\n" << other;
  }
}

TEST(ReverseProxy, TheDashboardRefusesProxiedRequestsWithoutAKey) {
  NoDefaultHeaders plain;
  // Development opens the dashboard to this machine; nginx on this machine relays anyone.
  for (bool trusted : {true, false}) {
    DemoServer server(trusted ? behind_proxy() : ServerOptions{.sign_in = false});
    Nginx nginx(server.port());
    EXPECT_EQ(http(server.port(), "GET", "/_admin/api/overview").status, 200) << "this machine, directly";
    for (unsigned short port : {nginx.port(), nginx.tls_port()}) {
      Response r = http_from("127.0.0.2", port, "GET", "/_admin/api/overview");
      EXPECT_EQ(r.status, 401) << "through nginx (trusted: " << trusted << ")\n" << r;
      Response invoke = http_from("127.0.0.2", port, "POST", "/_admin/api/actions/ping/invoke", R"({"input":{}})");
      EXPECT_EQ(invoke.status, 401) << invoke;
    }
    // The issue's reproduction: a loopback request carrying X-Forwarded-For, without any proxy.
    Response direct = http_from("127.0.0.1", server.port(), "POST", "/_admin/api/actions/ping/invoke",
                                R"({"input":{}})", {{"X-Forwarded-For", "203.0.113.9"}});
    EXPECT_EQ(direct.status, 401) << direct;
  }
}

TEST(ReverseProxy, CookiesAreSecureWhenTheClientCameOverHttps) {
  NoDefaultHeaders plain;
  DemoServer server(behind_proxy());  // development: Secure only when the client used https
  Nginx nginx(server.port());
  Response up = http_from("127.0.0.2", nginx.port(), "POST", "/auth/sign-up", up_body("plain@example.com"));
  ASSERT_EQ(up.status, 202) << up;
  EXPECT_FALSE(session_set_cookie(up).has_value()) << "sign-up signs nobody in\n" << up;
  Response http_site = http_from("127.0.0.2", nginx.port(), "POST", "/auth/sign-in", body_of("plain@example.com"));
  ASSERT_EQ(http_site.status, 200) << http_site;
  auto plain_cookie = session_set_cookie(http_site);
  ASSERT_TRUE(plain_cookie);
  EXPECT_EQ(plain_cookie->find("Secure"), std::string::npos) << *plain_cookie;
  Response tls_site = http_from("127.0.0.2", nginx.tls_port(), "POST", "/auth/sign-in", body_of("plain@example.com"));
  ASSERT_EQ(tls_site.status, 200) << tls_site;
  auto tls_cookie = session_set_cookie(tls_site);
  ASSERT_TRUE(tls_cookie);
  EXPECT_NE(tls_cookie->find("; Secure"), std::string::npos) << *tls_cookie;
  // A forged X-Forwarded-Proto from an untrusted peer earns nothing.
  Response forged = http_from("127.0.0.9", server.port(), "POST", "/auth/sign-in", body_of("plain@example.com"),
                              {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(forged.status, 200) << forged;
  EXPECT_EQ(session_set_cookie(forged)->find("Secure"), std::string::npos);

  // The CSRF check compares Origin with the scheme and host the client used.
  const std::string token = str(tls_site.json().at("token"));
  const std::string host = "127.0.0.1";  // the Host the test client sends, which nginx passes on
  Response downgraded = http_from("127.0.0.2", nginx.tls_port(), "POST", "/auth/sign-out", {},
                                  {{"Cookie", "bb_session=" + token}, {"Origin", "http://" + host}});
  EXPECT_EQ(downgraded.status, 403) << "http:// is another origin than https://\n" << downgraded;
  Response same = http_from("127.0.0.2", nginx.tls_port(), "POST", "/auth/sign-out", {},
                            {{"Cookie", "bb_session=" + token}, {"Origin", "https://" + host}});
  EXPECT_EQ(same.status, 204) << same;
}

}  // namespace
}  // namespace bbit
