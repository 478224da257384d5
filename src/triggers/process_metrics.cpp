#include "src/triggers/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>

namespace bb::triggers {

namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The process's start, in seconds since the epoch: its start in clock ticks after boot
// (/proc/self/stat, field 22) plus the boot time (/proc/stat, btime).
bool start_time(double& out) {
  const std::string stat = read_all("/proc/self/stat");
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) {
      const std::string boot = read_all("/proc/stat");
      const auto at = boot.find("\nbtime ");
      const long ticks = sysconf(_SC_CLK_TCK);
      if (at == std::string::npos || ticks <= 0) return false;
      out = std::stod(boot.substr(at + 7)) + std::stod(field) / static_cast<double>(ticks);
      return true;
    }
  return false;
}

std::uint64_t open_fds() {
  std::uint64_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
    if (n > 0) --n;  // the directory's own descriptor
  }
  return n;
}

}  // namespace

void write_process_metrics(PrometheusText& out) {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    out.family("process_cpu_seconds_total", "counter",
               "Total user and system CPU time spent in seconds.");
    out.sample("process_cpu_seconds_total", {}, cpu);
  }
  unsigned long long size = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    const bool ok = std::fscanf(f, "%llu %llu", &size, &resident) == 2;
    std::fclose(f);
    if (ok) {
      const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
      out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
      out.sample("process_resident_memory_bytes", {}, static_cast<std::uint64_t>(resident) * page);
      out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
      out.sample("process_virtual_memory_bytes", {}, static_cast<std::uint64_t>(size) * page);
    }
  }
  out.family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.sample("process_open_fds", {}, open_fds());
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
    out.sample("process_max_fds", {}, static_cast<std::uint64_t>(limit.rlim_cur));
  }
  double start = 0;
  bool known = false;
  try {
    known = start_time(start);
  } catch (const std::exception&) {  // a field that is not a number
  }
  if (known) {
    out.family("process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds.");
    out.sample("process_start_time_seconds", {}, start);
  }
}

}  // namespace bb::triggers
