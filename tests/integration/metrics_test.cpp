// /metrics as an operator uses it: Debian's Prometheus (its own process, config and storage in
// a temp dir, on a free port) scrapes the demo every second with the bearer token, and a PromQL
// query through its HTTP API returns the number of requests this test made; promtool accepts the
// exposition; who may scrape; and the per-minute rows of action_metrics once the server stops.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/support/demo_server.hpp"

namespace bbit {
namespace {

using namespace std::chrono_literals;

const std::string kPrometheus = "/usr/bin/prometheus";
const std::string kPromtool = "/usr/bin/promtool";
const std::string kToken = "metrics-token-for-the-test-0123456789";

// A Prometheus server of the test's own, scraping 127.0.0.1:<target> every second.
class PrometheusServer {
 public:
  explicit PrometheusServer(unsigned short target) {
    port_ = free_port();
    write_file(dir_.path() / "prometheus.yml",
               "global:\n"
               "  scrape_interval: 1s\n"
               "  evaluation_interval: 1s\n"
               "scrape_configs:\n"
               "  - job_name: bunbase\n"
               "    scrape_interval: 1s\n"
               "    scrape_timeout: 1s\n"
               "    metrics_path: /metrics\n"
               "    authorization:\n"
               "      type: Bearer\n"
               "      credentials: " +
                   kToken +
                   "\n"
                   "    static_configs:\n"
                   "      - targets: ['127.0.0.1:" +
                   std::to_string(target) + "']\n");
    process_ = std::make_unique<Process>(
        kPrometheus,
        std::vector<std::string>{"--config.file=" + (dir_.path() / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        ProcessOptions{.cwd = dir_.path(), .name = "prometheus"});
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (http(port_, "GET", "/-/ready").status == 200) return;
      } catch (const std::exception&) {
      }
      if (!process_->running()) break;
      std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("prometheus did not start\n" + process_->err());
  }
  ~PrometheusServer() {
    if (::testing::Test::HasFailure())
      std::cerr << "[ prometheus ]\n" << DemoServer::tail(process_->err(), 3000) << "\n";
    process_->kill_and_reap();
  }

  // The value of an instant query that returns one sample; nullopt while it returns none.
  std::optional<std::string> query(const std::string& promql) {
    std::string encoded;
    for (unsigned char c : promql) {
      if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
        encoded += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        encoded += buf;
      }
    }
    Response r = http(port_, "GET", "/api/v1/query?query=" + encoded);
    if (r.status != 200)
      throw std::runtime_error("prometheus query failed: " + std::to_string(r.status) + " " +
                               r.body);
    const auto v = r.json();
    const auto& result = v.at("data").at("result").as_array();
    if (result.empty()) return std::nullopt;
    return std::string(result[0].at("value").as_array()[1].as_string());
  }
  // Polls `promql` until it equals `expected` or `timeout` passes; returns the last value.
  std::string wait_for(const std::string& promql, const std::string& expected,
                       std::chrono::seconds timeout = 30s) {
    std::string last = "(no sample)";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto v = query(promql)) last = *v;
      if (last == expected) break;
      std::this_thread::sleep_for(250ms);
    }
    return last;
  }

 private:
  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
};

TEST(Metrics, PrometheusScrapesExactRunCountsAndPromtoolAcceptsThePage) {
  DemoServer server({.env = {{"BUNBASE_METRICS_TOKEN", kToken}}, .sign_in = false});
  constexpr int kPings = 37, kInvalid = 5;
  for (int i = 0; i < kPings; ++i) ASSERT_EQ(http(server.port(), "GET", "/ping").status, 200);
  // An unknown query parameter fails validation: counted under its error kind.
  for (int i = 0; i < kInvalid; ++i)
    ASSERT_EQ(http(server.port(), "GET", "/ping?unknown=1").status, 400);

  PrometheusServer prometheus(server.port());
  EXPECT_EQ(prometheus.wait_for("sum(bunbase_action_runs_total{action=\"ping\"})",
                                std::to_string(kPings + kInvalid)),
            std::to_string(kPings + kInvalid));
  EXPECT_EQ(
      prometheus.wait_for(
          "bunbase_action_runs_total{action=\"ping\",trigger=\"api\",status=\"invalid_argument\"}",
          std::to_string(kInvalid)),
      std::to_string(kInvalid));
  EXPECT_EQ(prometheus.wait_for("sum(bunbase_action_run_duration_seconds_count{action=\"ping\"})",
                                std::to_string(kPings + kInvalid)),
            std::to_string(kPings + kInvalid));
  // The scrape itself is healthy, as Prometheus sees it.
  EXPECT_EQ(prometheus.wait_for("up{job=\"bunbase\"}", "1"), "1");

  // The page as scraped passes promtool's parser and lint.
  Response page =
      http(server.port(), "GET", "/metrics", "", {{"Authorization", "Bearer " + kToken}});
  ASSERT_EQ(page.status, 200) << page;
  EXPECT_EQ(page.header("content-type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* family :
       {"process_resident_memory_bytes ", "process_cpu_seconds_total ",
        "bunbase_write_buffer_accepted_total ", "bunbase_write_buffer_written_total ",
        "bunbase_write_buffer_dropped_total ", "bunbase_http_inflight_body_bytes "})
    EXPECT_NE(page.body.find(std::string("\n") + family), std::string::npos) << family;
  TempDir scratch;
  write_file(scratch.path() / "metrics.txt", page.body);
  Completed lint = run_to_end("/bin/sh", {"-c", kPromtool + " check metrics < metrics.txt"},
                              ProcessOptions{.cwd = scratch.path(), .name = "promtool"});
  EXPECT_EQ(lint.code, 0) << lint.out << lint.err;
  std::cout << "[ promtool check metrics: exit " << lint.code << ", " << page.body.size()
            << " bytes, " << std::count(page.body.begin(), page.body.end(), '\n') << " lines ]\n";

  // Stopping writes the minute in progress to action_metrics: every run, once.
  ASSERT_EQ(server.stop(SIGTERM), 0);
  Db db(server.db_url());
  EXPECT_EQ(db.count("SELECT SUM(count) FROM action_metrics WHERE action_name = 'ping'"),
            kPings + kInvalid);
  EXPECT_EQ(db.count("SELECT SUM(count) FROM action_metrics WHERE action_name = 'ping' AND status "
                     "= 'invalid_argument' "
                     "AND trigger_type = 'api'"),
            kInvalid);
}

TEST(Metrics, OnlyTheTokenOrThisMachineInDevelopmentMayScrape) {
  DemoServer server({.env = {{"BUNBASE_METRICS_TOKEN", kToken}}, .sign_in = false});
  EXPECT_EQ(http(server.port(), "GET", "/metrics").status, 200)
      << "development: this machine, as for the dashboard";
  Response proxied =
      http(server.port(), "GET", "/metrics", "", {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(proxied.status, 401) << "relayed by a proxy: not this machine";
  EXPECT_EQ(proxied.header("www-authenticate").value_or(""), "Bearer realm=\"metrics\"");
  EXPECT_EQ(http(server.port(), "GET", "/metrics", "", {{"Authorization", "Bearer wrong"}}).status,
            401)
      << "a wrong token is refused even from this machine";
  EXPECT_EQ(http(server.port(), "GET", "/metrics", "",
                 {{"X-Forwarded-For", "203.0.113.7"}, {"Authorization", "Bearer " + kToken}})
                .status,
            200);
  EXPECT_EQ(http(server.port(), "POST", "/metrics", "{}").status, 405);
}

TEST(Metrics, ProductionWithoutATokenRefusesEvenThisMachine) {
  DemoServer server({.env = {{"BUNBASE_ENV", "production"}}, .sign_in = false});
  Response r = http(server.port(), "GET", "/metrics");
  EXPECT_EQ(r.status, 401) << r;
}

}  // namespace
}  // namespace bbit
