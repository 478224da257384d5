// The process's own gauges under the names every Prometheus client library uses, so the usual
// dashboards and alerts work: CPU time, memory, file descriptors, start time (Linux, /proc).
//
//   bb::triggers::PrometheusText out;
//   bb::triggers::write_process_metrics(out);
#pragma once

#include "src/triggers/prometheus_text.hpp"

namespace bb::triggers {

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds and process_start_time_seconds. A value that cannot be
// read is left out.
void write_process_metrics(PrometheusText& out);

}  // namespace bb::triggers
