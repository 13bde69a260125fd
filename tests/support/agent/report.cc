#include "tests/support/agent/report.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "common/unique_fd.h"

extern char** environ;

namespace ccinit::test_agent {

namespace {

void write_stdout(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nobody to tell
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::optional<std::string> slurp(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

// "Key:\tvalue" fields of a /proc/<pid>/status file.
std::map<std::string, std::string> status_fields(const char* path) {
  std::map<std::string, std::string> fields;
  std::istringstream in(slurp(path).value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    fields[line.substr(0, colon)] = value;
  }
  return fields;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string environment_entries() {
  std::vector<std::string> entries;
  for (char** e = environ; e && *e; ++e) entries.emplace_back(*e);
  return join(entries, ";");
}

// The open descriptors, without the one used to list them.
std::string open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return "error:" + errno_name(errno);
  std::vector<int> fds;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    if (fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  std::vector<std::string> names;
  for (int fd : fds) names.push_back(std::to_string(fd));
  return join(names, ",");
}

std::string limit_text(rlim_t value) {
  return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

// mountpoint:fstype for the mounts PID 1 is expected to provide; the last mount at a path
// is the visible one.
std::string interesting_mounts() {
  static constexpr std::array<std::string_view, 8> kPaths = {
      "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run", "/tmp", "/sys/fs/cgroup"};
  std::map<std::string, std::string> fstype_at;
  std::istringstream in(slurp("/proc/self/mountinfo").value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source super
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountpoint, word;
    fields >> id >> parent >> devno >> root >> mountpoint;
    while (fields >> word && word != "-") {
    }
    std::string fstype;
    fields >> fstype;
    fstype_at[mountpoint] = fstype;
  }
  std::vector<std::string> found;
  for (std::string_view path : kPaths) {
    auto it = fstype_at.find(std::string(path));
    if (it != fstype_at.end()) found.push_back(it->first + ":" + it->second);
  }
  return join(found, ",");
}

std::string loopback_state() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return "error:" + errno_name(errno);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) return "error:" + errno_name(errno);
  return (request.ifr_flags & IFF_UP) ? "up" : "down";
}

}  // namespace

std::string errno_name(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : "errno" + std::to_string(err);
}

void report(std::string_view key, std::string_view value) {
  std::string line;
  line.reserve(key.size() + value.size() + 2);
  line.append(key).append("=").append(value).append("\n");
  write_stdout(line);
}

void report_begin() {
  write_stdout("AGENT-REPORT-BEGIN\n");
}
void report_end() {
  write_stdout("AGENT-REPORT-END\n");
}

void report_environment() {
  const pid_t pid = ::getpid();
  const pid_t sid = ::getsid(0);
  report("pid", std::to_string(pid));
  report("ppid", std::to_string(::getppid()));
  report("sid", std::to_string(sid));
  report("session_leader", sid == pid ? "yes" : "no");
  report("uid", std::to_string(::getuid()));

  char cwd[PATH_MAX];
  report("cwd", ::getcwd(cwd, sizeof cwd) ? cwd : "error:" + errno_name(errno));
  report("env", environment_entries());
  report("fds", open_fds());

  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  report("rlimit_nofile", limit_text(nofile.rlim_cur) + "/" + limit_text(nofile.rlim_max));
  report("oom_score_adj", trimmed(slurp("/proc/self/oom_score_adj").value_or("unreadable")));

  const auto self = status_fields("/proc/self/status");
  const auto pid1 = status_fields("/proc/1/status");
  auto field = [](const std::map<std::string, std::string>& fields, const std::string& key) {
    auto it = fields.find(key);
    return it == fields.end() ? std::string("missing") : it->second;
  };
  for (const char* key : {"CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb", "NoNewPrivs", "Seccomp",
                          "SigBlk", "SigIgn"})
    report(key, field(self, key));
  // PID 1's own sets, so a test can tell "full capabilities" from "whatever PID 1 kept".
  for (const char* key : {"CapEff", "CapPrm", "CapBnd"})
    report(std::string("pid1_") + key, field(pid1, key));

  report("mounts", interesting_mounts());
  struct stat ptmx {};
  report("dev_ptmx", ::stat("/dev/ptmx", &ptmx) == 0 ? "present" : "absent");
  report("lo", loopback_state());
}

}  // namespace ccinit::test_agent
