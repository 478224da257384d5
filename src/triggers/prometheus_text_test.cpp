// The text /metrics answers: families with HELP and TYPE, escaped labels, cumulative histogram
// buckets per action and trigger, and the process's gauges.
#include "src/triggers/prometheus_text.hpp"

#include <gtest/gtest.h>

#include "bunbase/core/action.hpp"
#include "src/triggers/process_metrics.hpp"

namespace {

using namespace std::chrono_literals;

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  bb::triggers::PrometheusText out;
  out.family("x_total", "counter", "a \\ help\nline");
  out.sample("x_total", {{"a", "q\"uote"}, {"b", "back\\slash\nnew"}}, std::uint64_t{3});
  out.sample("x_total", {}, 0.25);
  EXPECT_EQ(out.text(),
            "# HELP x_total a \\\\ help\\nline\n"
            "# TYPE x_total counter\n"
            "x_total{a=\"q\\\"uote\",b=\"back\\\\slash\\nnew\"} 3\n"
            "x_total 0.25\n");
}

TEST(PrometheusText, NumbersArePlainDecimalsInTheEverydayRange) {
  bb::triggers::PrometheusText out;
  for (double v : {0.0, 0.0005, 30.0024, 1796678464.73, 1e-7, 1e20, -2.5}) out.sample("x", {}, v);
  EXPECT_EQ(out.text(), "x 0\nx 0.0005\nx 30.0024\nx 1796678464.73\nx 1e-07\nx 1e+20\nx -2.5\n");
}

TEST(PrometheusText, RunCountersAndCumulativeHistogramsPerActionAndTrigger) {
  bb::Registry r;
  r.add(bb::action<bb::Empty, bb::Empty>(
      {.name = "createUser"}, [](const bb::Empty&, bb::Context&) { return bb::Empty{}; }));
  r.seal();
  bb::Metrics m(r);
  const auto& a = *r.find("createUser");
  m.record(a, "api", std::nullopt, 300us);
  m.record(a, "api", std::nullopt, 2ms);
  m.record(a, "api", bb::ErrorCode::invalid_argument, 100us);
  m.record(a, "api", std::nullopt, 30s);
  m.record(a, "queue", std::nullopt, 1ms);
  bb::triggers::PrometheusText out;
  bb::triggers::write_run_metrics(out, m.snapshot());
  const std::string& t = out.text();

  EXPECT_NE(t.find("# TYPE bunbase_action_runs_total counter\n"), std::string::npos);
  EXPECT_NE(t.find("bunbase_action_runs_total{action=\"createUser\",trigger=\"api\",status="
                   "\"success\"} 3\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("bunbase_action_runs_total{action=\"createUser\",trigger=\"api\",status="
                   "\"invalid_argument\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("bunbase_action_runs_total{action=\"createUser\",trigger=\"queue\",status="
                   "\"success\"} 1\n"),
            std::string::npos);

  EXPECT_NE(t.find("# TYPE bunbase_action_run_duration_seconds histogram\n"), std::string::npos);
  // Every status of (createUser, api) together, cumulative.
  const std::string api =
      "bunbase_action_run_duration_seconds_bucket{action=\"createUser\",trigger=\"api\",le=";
  EXPECT_NE(t.find(api + "\"0.0005\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find(api + "\"0.001\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find(api + "\"0.0025\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find(api + "\"10\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find(api + "\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(t.find("bunbase_action_run_duration_seconds_sum{action=\"createUser\",trigger=\"api\"} "
                   "30.0024\n"),
            std::string::npos);
  EXPECT_NE(
      t.find(
          "bunbase_action_run_duration_seconds_count{action=\"createUser\",trigger=\"api\"} 4\n"),
      std::string::npos);
  EXPECT_NE(
      t.find(
          "bunbase_action_run_duration_seconds_count{action=\"createUser\",trigger=\"queue\"} 1\n"),
      std::string::npos);
  // One HELP and TYPE per family, whatever the number of series.
  EXPECT_EQ(t.find("# TYPE bunbase_action_run_duration_seconds "),
            t.rfind("# TYPE bunbase_action_run_duration_seconds "));
}

TEST(PrometheusText, NothingRanStillDeclaresTheFamilies) {
  bb::triggers::PrometheusText out;
  bb::triggers::write_run_metrics(out, {});
  EXPECT_EQ(out.text(),
            "# HELP bunbase_action_runs_total Runs of each action by trigger and outcome (success, "
            "or the error's kind), "
            "recorded or not.\n# TYPE bunbase_action_runs_total counter\n"
            "# HELP bunbase_action_run_duration_seconds How long runs of each action took, by "
            "trigger: guards, "
            "validation, the handler and its events.\n# TYPE bunbase_action_run_duration_seconds "
            "histogram\n");
}

TEST(PrometheusText, ProcessGaugesUseTheClientLibrariesNames) {
  bb::triggers::PrometheusText out;
  bb::triggers::write_process_metrics(out);
  const std::string& t = out.text();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_open_fds ", "process_max_fds ",
                           "process_start_time_seconds "})
    EXPECT_NE(t.find(std::string("\n") + name), std::string::npos) << name << "\n" << t;
  const auto at = t.find("\nprocess_resident_memory_bytes ");
  EXPECT_GT(std::stod(t.substr(at + 31)), 1024 * 1024)
      << "a process this size has more than 1 MiB resident";
}

}  // namespace
