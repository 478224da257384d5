// Prometheus's text exposition format (version 0.0.4): metric families, each with its HELP and
// TYPE lines before its samples, label values escaped, numbers as Prometheus parses them.
//
//   bb::triggers::PrometheusText out;
//   out.family("bunbase_write_buffer_dropped_total", "counter", "Records dropped because the buffer
//   was full."); out.sample("bunbase_write_buffer_dropped_total", {}, 0);
//   out.sample("bunbase_queue_jobs", {{"queue", "emails"}, {"state", "pending"}}, 3);
//   std::string text = out.take();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "src/runtime/metrics.hpp"

namespace bb::triggers {

class PrometheusText {
 public:
  using Label = std::pair<std::string_view, std::string_view>;

  // `type`: counter, gauge, histogram, summary or untyped.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::span<const Label> labels, double value);
  void sample(std::string_view name, std::span<const Label> labels, std::uint64_t value);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    sample(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }
  void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value) {
    sample(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }

  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  void labels(std::string_view name, std::span<const Label> labels);
  std::string text_;
};

// bunbase_action_runs_total{action,trigger,status} and the histogram
// bunbase_action_run_duration_seconds{action,trigger} (its buckets, _sum and _count: every
// status of the pair together).
void write_run_metrics(PrometheusText& out, std::span<const Metrics::Series> series);

}  // namespace bb::triggers
