// The process_* metrics every Prometheus client library exports, read from /proc at scrape
// time (nothing is sampled in between).
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ops/router_metrics.hpp"

namespace finp2p::ops {

namespace {

struct ProcStat {
  double cpuSeconds = 0;
  double startSeconds = 0;  // since boot
  double virtualBytes = 0;
  double residentBytes = 0;
};

// /proc/self/stat: the command (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
ProcStat readStat() {
  ProcStat out;
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  // f[0] is field 3 (state): field n is f[n - 3].
  if (f.size() < 22) return out;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  out.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / tick;  // utime, stime
  out.startSeconds = std::stod(f[19]) / tick;                     // starttime
  out.virtualBytes = std::stod(f[20]);                            // vsize
  out.residentBytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));  // rss
  return out;
}

double bootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

double openFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (auto* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

void addProcessMetrics(MetricsRegistry& registry) {
  auto& cpu = registry.counter("process_cpu_seconds_total", "User and system CPU time").only();
  auto& rss = registry.gauge("process_resident_memory_bytes", "Resident memory").only();
  auto& vsz = registry.gauge("process_virtual_memory_bytes", "Virtual memory").only();
  auto& fds = registry.gauge("process_open_fds", "Open file descriptors").only();
  auto& maxFds = registry.gauge("process_max_fds", "The open file descriptor limit").only();
  auto& start =
      registry.gauge("process_start_time_seconds", "Start time, seconds since the Unix epoch")
          .only();
  double boot = bootTimeSeconds();
  registry.onCollect([&, boot] {
    auto s = readStat();
    cpu.setTotal(s.cpuSeconds);
    rss.set(s.residentBytes);
    vsz.set(s.virtualBytes);
    start.set(boot + s.startSeconds);
    fds.set(openFds());
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) maxFds.set(static_cast<double>(limit.rlim_cur));
  });
}

}  // namespace finp2p::ops
