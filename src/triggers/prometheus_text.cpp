#include "src/triggers/prometheus_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <tuple>

namespace bb::triggers {

namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    // The shortest text that reads back the same; plain decimals in the everyday range
    // ("0.0005", "1796678464.73"), an exponent only beyond it.
    char buf[64];
    const double a = std::fabs(v);
    const auto format =
        a == 0 || (a >= 1e-4 && a < 1e15) ? std::chars_format::fixed : std::chars_format::general;
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Label values escape \, " and newline; HELP text escapes \ and newline.
void append_escaped(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_escaped(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void PrometheusText::labels(std::string_view name, std::span<const Label> labels) {
  text_ += name;
  if (labels.empty()) return;
  text_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) text_ += ',';
    first = false;
    text_ += key;
    text_ += "=\"";
    append_escaped(text_, value, true);
    text_ += '"';
  }
  text_ += '}';
}

void PrometheusText::sample(std::string_view name, std::span<const Label> l, double value) {
  labels(name, l);
  text_ += ' ';
  append_number(text_, value);
  text_ += '\n';
}

void PrometheusText::sample(std::string_view name, std::span<const Label> l, std::uint64_t value) {
  labels(name, l);
  text_ += ' ';
  append_number(text_, value);
  text_ += '\n';
}

void write_run_metrics(PrometheusText& out, std::span<const Metrics::Series> series) {
  // Sorted by action, trigger and status: a stable page, and each histogram's series together.
  using Key = std::tuple<std::string_view, std::string_view, std::string_view>;
  std::map<Key, const Metrics::Series*> sorted;
  for (const auto& s : series) sorted.emplace(Key{s.action, s.trigger, s.status}, &s);

  out.family("bunbase_action_runs_total", "counter",
             "Runs of each action by trigger and outcome (success, or the error's kind), recorded "
             "or not.");
  for (const auto& [key, s] : sorted)
    out.sample("bunbase_action_runs_total",
               {{"action", s->action}, {"trigger", s->trigger}, {"status", s->status}}, s->count());

  // The bounds as Prometheus's le label values ("0.0005", ..., "10", "+Inf").
  std::array<std::string, Metrics::kBuckets> le;
  for (std::size_t b = 0; b < Metrics::kBounds.size(); ++b)
    append_number(le[b], Metrics::kBounds[b]);
  le.back() = "+Inf";

  out.family("bunbase_action_run_duration_seconds", "histogram",
             "How long runs of each action took, by trigger: guards, validation, the handler and "
             "its events.");
  for (auto it = sorted.begin(); it != sorted.end();) {
    const std::string_view action = std::get<0>(it->first), trigger = std::get<1>(it->first);
    std::array<std::uint64_t, Metrics::kBuckets> buckets{};
    std::uint64_t sum_ns = 0;
    for (; it != sorted.end() && std::get<0>(it->first) == action &&
           std::get<1>(it->first) == trigger;
         ++it) {
      for (std::size_t b = 0; b < Metrics::kBuckets; ++b) buckets[b] += it->second->buckets[b];
      sum_ns += it->second->sum_ns;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < Metrics::kBuckets; ++b) {
      cumulative += buckets[b];
      out.sample("bunbase_action_run_duration_seconds_bucket",
                 {{"action", action}, {"trigger", trigger}, {"le", le[b]}}, cumulative);
    }
    out.sample("bunbase_action_run_duration_seconds_sum",
               {{"action", action}, {"trigger", trigger}}, static_cast<double>(sum_ns) / 1e9);
    out.sample("bunbase_action_run_duration_seconds_count",
               {{"action", action}, {"trigger", trigger}}, cumulative);
  }
}

}  // namespace bb::triggers
