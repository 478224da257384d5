// The dashboard's JSON API (/_admin/api) on the real demo server: who may call it (loopback in
// development, the admin key in production, its cookie, nobody else), what it reports (the
// action catalog, the run history in keyset pages, a run with its logs and whole trace), what
// it refuses (bad filters), and that its own calls stay out of the history they show.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "tests/integration/support/demo_server.hpp"

namespace {

using namespace bbit;
using ::testing::HasSubstr;
using Ms = std::chrono::milliseconds;

constexpr std::string_view kKey = "an-admin-key-of-thirty-two-chars";

std::string str(const boost::json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

const boost::json::object* find_by(const boost::json::array& items, std::string_view field, std::string_view value) {
  for (const auto& i : items)
    if (i.is_object() && str(i.as_object().at(field)) == value) return &i.as_object();
  return nullptr;
}

// Runs become visible when the write buffer flushes: every 100 ms here.
void fast_flush(std::string& config) {
  const std::string from = "flush_interval_ms = 2000";
  auto at = config.find(from);
  if (at == std::string::npos) throw std::runtime_error("the demo's config has no " + from);
  config.replace(at, from.size(), "flush_interval_ms = 100");
}

boost::json::value runs(unsigned short port, const std::string& query) {
  Response r = http(port, "GET", "/_admin/api/runs?" + query);
  EXPECT_EQ(r.status, 200) << r;
  return r.json();
}

TEST(AdminApi, OnLoopbackInDevelopmentItDescribesInvokesAndTracesActions) {
  DemoServer server({.edit_config = fast_flush, .sign_in = false});
  const auto port = server.port();

  Response overview = http(port, "GET", "/_admin/api/overview");
  ASSERT_EQ(overview.status, 200) << overview;
  EXPECT_EQ(overview.json().at("environment"), "development");
  EXPECT_GT(overview.json().at("actions").as_int64(), 20);

  Response list = http(port, "GET", "/_admin/api/actions");
  ASSERT_EQ(list.status, 200) << list;
  const auto listed = list.json();
  const auto& actions = listed.at("items").as_array();
  const auto* create_user = find_by(actions, "name", "createUser");
  ASSERT_TRUE(create_user) << list.body.substr(0, 500);
  EXPECT_EQ(str(create_user->at("inputSchema").at("type")), "object");
  EXPECT_TRUE(create_user->at("inputSchema").at("properties").as_object().contains("email"));
  EXPECT_FALSE(create_user->at("triggers").as_array().empty());
  EXPECT_TRUE(find_by(actions, "name", "listRuns")) << "the dashboard's own actions are listed like any other";
  EXPECT_TRUE(find_by(actions, "name", "listJobs"));

  // Invoked from the dashboard: trigger "admin", through guards and validation.
  Response invoked = http(port, "POST", "/_admin/api/actions/createUser/invoke",
                          R"({"input":{"email":"grace@example.com","name":"Grace Hopper"}})");
  ASSERT_EQ(invoked.status, 200) << invoked;
  const auto result = invoked.json();
  ASSERT_EQ(result.at("status"), "success") << result;
  const std::string run_id = str(result.at("runId")), trace_id = str(result.at("traceId"));
  Response refused = http(port, "POST", "/_admin/api/actions/createUser/invoke", R"({"input":{"email":"nope"}})");
  ASSERT_EQ(refused.status, 200) << "a refused run is reported, not thrown: " << refused;
  EXPECT_EQ(refused.json().at("status"), "error");
  EXPECT_EQ(refused.json().at("error").at("code"), "validation_failed") << refused;
  EXPECT_EQ(http(port, "POST", "/_admin/api/actions/noSuchAction/invoke", R"({"input":{}})").status, 404);

  // The trace: createUser emitted user.created, whose subscriber queued sendWelcomeEmail.
  boost::json::value detail;
  ASSERT_TRUE(eventually(
      [&] {
        Response r = http(port, "GET", "/_admin/api/runs/" + run_id);
        if (r.status != 200) return false;
        detail = r.json();
        return detail.at("trace").at("runs").as_array().size() >= 3;
      },
      Ms(10000)))
      << detail;
  EXPECT_EQ(detail.at("run").at("trigger"), "admin");
  EXPECT_EQ(detail.at("run").at("action"), "createUser");
  EXPECT_EQ(detail.at("input").at("email"), "grace@example.com");
  EXPECT_EQ(detail.at("output").at("email"), "grace@example.com");
  const auto& trace = detail.at("trace").as_object();
  EXPECT_EQ(str(trace.at("traceId")), trace_id);
  const auto& trace_runs = trace.at("runs").as_array();
  EXPECT_TRUE(find_by(trace_runs, "action", "welcomeNewUser"));
  const auto* email_run = find_by(trace_runs, "action", "sendWelcomeEmail");
  ASSERT_TRUE(email_run) << trace;
  EXPECT_EQ(str(email_run->at("trigger")), "queue");
  const auto* event = find_by(trace.at("events").as_array(), "name", "user.created");
  ASSERT_TRUE(event) << trace;
  EXPECT_EQ(str(event->at("runId")), run_id) << "the event names the run that emitted it";
  const auto* job = find_by(trace.at("jobs").as_array(), "action", "sendWelcomeEmail");
  ASSERT_TRUE(job) << trace;
  EXPECT_EQ(str(job->at("lastRunId")), str(email_run->at("id")));
  EXPECT_EQ(http(port, "GET", "/_admin/api/runs/no-such-run").status, 404);

  // History: newest first, filtered, in keyset pages that neither repeat nor skip.
  auto admin_runs = runs(port, "trigger=admin");
  ASSERT_EQ(admin_runs.at("items").as_array().size(), 2u) << admin_runs;
  EXPECT_EQ(admin_runs.at("items").at(0).at("status"), "error");
  EXPECT_EQ(admin_runs.at("items").at(0).at("errorCode"), "validation_failed");
  EXPECT_EQ(str(admin_runs.at("items").at(1).at("id")), run_id);
  auto errors = runs(port, "status=error");
  ASSERT_EQ(errors.at("items").as_array().size(), 1u) << errors;
  EXPECT_EQ(runs(port, "traceId=" + trace_id).at("items").as_array().size(), trace_runs.size());
  const auto all = runs(port, "limit=200").at("items").as_array();
  std::vector<std::string> paged;
  std::string before;
  for (int page = 0; page < 50; ++page) {
    auto p = runs(port, "limit=2" + (before.empty() ? "" : "&before=" + before));
    for (const auto& i : p.at("items").as_array()) paged.push_back(str(i.at("id")));
    if (!p.as_object().contains("next") || p.at("next").is_null()) break;
    before = str(p.at("next"));
  }
  ASSERT_EQ(paged.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i], str(all[i].at("id")));
  EXPECT_TRUE(std::is_sorted(paged.rbegin(), paged.rend())) << "newest first";
  auto future = runs(port, "since=2199-01-01T00:00:00Z");
  EXPECT_TRUE(future.at("items").as_array().empty());
  EXPECT_EQ(runs(port, "since=2000-01-01T00:00:00Z&limit=200").at("items").as_array().size(), all.size());

  // Its own calls are not history.
  for (const auto& r : all) {
    EXPECT_NE(str(r.at("action")), "listRuns");
    EXPECT_NE(str(r.at("action")), "invokeAction");
  }

  // Logs across runs, and the chart's figures.
  Response logs = http(port, "GET", "/_admin/api/logs?limit=5");
  ASSERT_EQ(logs.status, 200) << logs;
  Response stats = http(port, "GET", "/_admin/api/stats?minutes=5");
  ASSERT_EQ(stats.status, 200) << stats;
  std::int64_t counted = 0;
  const auto figures_per_minute = stats.json();
  for (const auto& m : figures_per_minute.at("perMinute").as_array())
    counted += m.at("success").as_int64() + m.at("error").as_int64();
  EXPECT_EQ(counted, static_cast<std::int64_t>(all.size()));
  const auto catalog = http(port, "GET", "/_admin/api/actions").json();
  const auto* figures = find_by(catalog.at("items").as_array(), "name", "createUser");
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->at("stats").at("runs").as_int64(), 2);
  EXPECT_EQ(figures->at("stats").at("errors").as_int64(), 1);
  EXPECT_DOUBLE_EQ(figures->at("stats").at("successRate").as_double(), 0.5);

  // The jobs module answers under the same prefix.
  Response jobs = http(port, "GET", "/_admin/api/jobs?action=sendWelcomeEmail");
  ASSERT_EQ(jobs.status, 200) << jobs;
  EXPECT_EQ(jobs.json().at("items").as_array().size(), 1u);
  Response schedules = http(port, "GET", "/_admin/api/schedules");
  ASSERT_EQ(schedules.status, 200) << schedules;
  EXPECT_FALSE(schedules.json().at("items").as_array().empty());
}

TEST(AdminApi, TheCockpitPagesReadOrganizationsMembersAndPlans) {
  DemoServer server;  // signed in as owner@example.com (its token in every request)
  const auto port = server.port();
  Response overview = http(port, "GET", "/_admin/api/overview");
  ASSERT_EQ(overview.status, 200) << overview;
  EXPECT_EQ(overview.json().at("saas"), true);

  Response created = http(port, "POST", "/_cockpit/orgs", R"({"name":"Acme","slug":"acme-cockpit"})");
  ASSERT_EQ(created.status, 201) << created;
  const std::string org_id = str(created.json().at("id"));

  Response list = http(port, "GET", "/_admin/api/cockpit/orgs");
  ASSERT_EQ(list.status, 200) << list;
  const auto orgs = list.json();
  const auto* org = find_by(orgs.at("items").as_array(), "id", org_id);
  ASSERT_TRUE(org) << orgs;
  EXPECT_EQ(str(org->at("name")), "Acme");
  EXPECT_EQ(str(org->at("slug")), "acme-cockpit");
  EXPECT_EQ(org->at("members").as_int64(), 1);
  EXPECT_EQ(str(org->at("plan")), "pro") << "the demo's default plan";
  EXPECT_EQ(str(org->at("status")), "trialing");

  // Keyset pages, newest first: a second organization comes before the first.
  ASSERT_EQ(http(port, "POST", "/_cockpit/orgs", R"({"name":"Beta","slug":"beta-cockpit"})").status, 201);
  const auto first = http(port, "GET", "/_admin/api/cockpit/orgs?limit=1").json();
  ASSERT_EQ(first.at("items").as_array().size(), 1u) << first;
  EXPECT_EQ(str(first.at("items").at(0).at("slug")), "beta-cockpit");
  const auto second = http(port, "GET", "/_admin/api/cockpit/orgs?limit=1&before=" + str(first.at("next"))).json();
  ASSERT_EQ(second.at("items").as_array().size(), 1u) << second;
  EXPECT_EQ(str(second.at("items").at(0).at("id")), org_id);

  Response detail = http(port, "GET", "/_admin/api/cockpit/orgs/" + org_id);
  ASSERT_EQ(detail.status, 200) << detail;
  const auto d = detail.json();
  EXPECT_EQ(str(d.at("org").at("id")), org_id);
  const auto& members = d.at("members").as_array();
  ASSERT_EQ(members.size(), 1u) << d;
  EXPECT_EQ(str(members.at(0).at("email")), "owner@example.com");
  EXPECT_EQ(str(members.at(0).at("name")), "Owner");
  EXPECT_EQ(str(members.at(0).at("role")), "owner");
  EXPECT_EQ(str(members.at(0).at("userId")), server.user_id());
  EXPECT_EQ(str(d.at("subscription").at("plan")), "pro");
  EXPECT_EQ(str(d.at("subscription").at("status")), "trialing");
  EXPECT_FALSE(str(d.at("subscription").at("trialEndsAt")).empty()) << d;

  Response plans = http(port, "GET", "/_admin/api/cockpit/plans");
  ASSERT_EQ(plans.status, 200) << plans;
  const auto p = plans.json();
  const auto* free = find_by(p.at("items").as_array(), "key", "free");
  const auto* pro = find_by(p.at("items").as_array(), "key", "pro");
  ASSERT_TRUE(free && pro) << p;
  EXPECT_EQ(free->at("orgs").as_int64(), 0);
  EXPECT_EQ(pro->at("orgs").as_int64(), 2);
  EXPECT_EQ(pro->at("isDefault"), true);
  EXPECT_EQ(pro->at("priceCents").as_int64(), 2900);
  const auto* seats = find_by(pro->at("features").as_array(), "key", "seats");
  ASSERT_TRUE(seats) << *pro;
  EXPECT_EQ(seats->at("limit").as_int64(), 25);

  for (std::string query : {"limit=0", "limit=201", "limit=ten"}) {
    Response r = http(port, "GET", "/_admin/api/cockpit/orgs?" + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r;
  }
  Response unknown = http(port, "GET", "/_admin/api/cockpit/orgs/no-such-org");
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_THAT(unknown.body, HasSubstr("org_not_found"));

  // Its reads are not history.
  Response runs_of = http(port, "GET", "/_admin/api/runs?action=listCockpitOrgs");
  ASSERT_EQ(runs_of.status, 200) << runs_of;
  EXPECT_TRUE(runs_of.json().at("items").as_array().empty());
}

TEST(AdminApi, WithoutOrganizationsTheCockpitIsOff) {
  // An app without [saas] (and without a bunbase.toml: development asked for, for loopback).
  DemoServer server({.env = {{"BUNBASE_ENV", "development"}}, .binary = kSlowApp, .demo_config = false});
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/overview").json().at("saas"), false);
  for (std::string path : {"/cockpit/orgs", "/cockpit/orgs/x", "/cockpit/plans"}) {
    Response r = http(server.port(), "GET", "/_admin/api" + path);
    EXPECT_EQ(r.status, 404) << path << ": " << r;
    EXPECT_THAT(r.body, HasSubstr("cockpit_disabled")) << path;
  }
}

// A raw GET of the live stream: reads what arrives until `until` holds or the time runs out.
class LiveStream {
 public:
  LiveStream(unsigned short port, const std::string& extra_headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
    const std::string req = "GET /_admin/api/live HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n" +
                            extra_headers + "\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) throw std::runtime_error("send");
  }
  ~LiveStream() { ::close(fd_); }
  bool read_until(const std::function<bool(const std::string&)>& until, Ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!until(text_)) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return until(text_);
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& text() const { return text_; }

 private:
  int fd_ = -1;
  std::string text_;
};

TEST(AdminApi, TheLiveStreamSendsRunsAndLogsAsTheyHappen) {
  DemoServer server({.sign_in = false});
  LiveStream live(server.port());
  ASSERT_TRUE(live.read_until([](const std::string& t) { return t.find("retry: 2000") != std::string::npos; }, Ms(5000)))
      << live.text();
  EXPECT_THAT(live.text(), HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(live.text(), HasSubstr("text/event-stream"));
  // Long before the write buffer flushes (2 s in the demo), the runs arrive: the request's,
  // its event subscriber's, the job's; and the log lines they wrote.
  Response invoked = http(server.port(), "POST", "/_admin/api/actions/createUser/invoke",
                          R"({"input":{"email":"live@example.com","name":"Live"}})");
  ASSERT_EQ(invoked.status, 200) << invoked;
  const std::string run_id = str(invoked.json().at("runId"));
  ASSERT_TRUE(live.read_until(
      [](const std::string& t) {
        return t.find("\"action\":\"sendWelcomeEmail\"") != std::string::npos &&
               t.find("\"action\":\"welcomeNewUser\"") != std::string::npos;
      },
      Ms(5000)))
      << live.text();
  EXPECT_THAT(live.text(), HasSubstr("event: run\ndata: {\"id\":\"" + run_id + "\",\"action\":\"createUser\""));
  EXPECT_THAT(live.text(), HasSubstr("event: log\ndata: {\"runId\":\"" + run_id + "\""));
  EXPECT_EQ(live.text().find("listRuns"), std::string::npos);
  // The server stops promptly with a stream open, and ends it.
  EXPECT_EQ(server.stop(SIGTERM, Ms(5000)), 0);
  EXPECT_TRUE(live.read_until([](const std::string& t) { return t.ends_with("0\r\n\r\n"); }, Ms(3000)))
      << "the stream ends with the last chunk";
}

TEST(AdminApi, RefusesBadFiltersWithClearErrors) {
  DemoServer server({.sign_in = false});
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/runs?since=2999-01-01T00:00:00Z").status, 400)
      << "past what the clock can count";
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/runs?until=99999-01-01T00:00:00Z").status, 400);
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/runs?since=2026-11-25T10:00:00.123456Z").status, 200)
      << "any number of fraction digits is a time";
  for (std::string query : {"limit=0", "limit=201", "limit=ten", "status=maybe", "since=yesterday",
                            "traceId=not-a-trace", "trigger=%27%3B%20DROP%20TABLE%20action_runs"}) {
    Response r = http(server.port(), "GET", "/_admin/api/runs?" + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r;
    EXPECT_THAT(r.body, HasSubstr("validation_failed")) << query;
  }
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/logs?level=loud").status, 400);
  EXPECT_EQ(http(server.port(), "GET", "/_admin/api/logs?q=%25%27%22").status, 200) << "text is a parameter";
  EXPECT_EQ(http(server.port(), "POST", "/_admin/api/actions/createUser/invoke", "{not json").status, 400);
  EXPECT_TRUE(server.healthy());
}

TEST(AdminApi, InProductionOnlyTheAdminKeyOpensIt) {
  DemoServer server({.env = {{"BUNBASE_ENV", "production"}, {"BUNBASE_ADMIN_KEY", std::string(kKey)}}, .sign_in = false});
  const auto port = server.port();
  Response none = http(port, "GET", "/_admin/api/overview");
  EXPECT_EQ(none.status, 401) << "loopback is not enough in production: " << none;
  EXPECT_EQ(http(port, "GET", "/_admin/api/overview", {}, {{"X-Admin-Key", "an-admin-key-of-thirty-two-charz"}}).status,
            401);
  EXPECT_EQ(http(port, "GET", "/_admin/api/jobs").status, 401) << "the jobs module is behind the same guard";
  {
    LiveStream refused(port);
    ASSERT_TRUE(refused.read_until([](const std::string& t) { return t.find("\r\n\r\n") != std::string::npos; }, Ms(5000)));
    EXPECT_THAT(refused.text(), HasSubstr("HTTP/1.1 401")) << "the live stream too";
    LiveStream keyed(port, "X-Admin-Key: " + std::string(kKey) + "\r\n");
    ASSERT_TRUE(keyed.read_until([](const std::string& t) { return t.find("retry: 2000") != std::string::npos; }, Ms(5000)))
        << keyed.text();
  }
  Response keyed = http(port, "GET", "/_admin/api/overview", {}, {{"X-Admin-Key", std::string(kKey)}});
  ASSERT_EQ(keyed.status, 200) << keyed;
  EXPECT_EQ(keyed.json().at("environment"), "production");

  // The page's sign-in: a wrong key is refused, the right one comes back as an HttpOnly cookie.
  EXPECT_EQ(http(port, "POST", "/_admin/api/session", R"({"key":"wrong"})").status, 401);
  Response signed_in = http(port, "POST", "/_admin/api/session", R"({"key":")" + std::string(kKey) + R"("})");
  ASSERT_EQ(signed_in.status, 200) << signed_in;
  const std::string cookie = signed_in.header("set-cookie").value_or("");
  EXPECT_THAT(cookie, HasSubstr("bunbase_admin="));
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(cookie, HasSubstr("Path=/_admin"));
  EXPECT_THAT(cookie, HasSubstr("Secure"));
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(http(port, "GET", "/_admin/api/runs", {}, {{"Cookie", pair}}).status, 200);
  // Brute force meets the rate limit.
  int limited = 0;
  for (int i = 0; i < 12; ++i) limited += http(port, "POST", "/_admin/api/session", R"({"key":"guess"})").status == 429;
  EXPECT_GT(limited, 0);
}

TEST(AdminApi, InProductionWithoutAKeyItIsClosed) {
  DemoServer server({.env = {{"BUNBASE_ENV", "production"}}, .sign_in = false});
  Response r = http(server.port(), "GET", "/_admin/api/overview");
  EXPECT_EQ(r.status, 401) << r;
  EXPECT_THAT(r.body, HasSubstr("the dashboard is closed"));
  EXPECT_EQ(http(server.port(), "POST", "/_admin/api/session", R"({"key":"anything-at-all-really-long"})").status, 401);
}

}  // namespace
