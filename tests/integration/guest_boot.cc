#include "tests/integration/guest_boot.h"

#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/testlib/agent_report.h"
#include "tests/testlib/observation_dir.h"

namespace ccinit::itest {

namespace fs = std::filesystem;
namespace {

constexpr int kNamespaces =
    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;

// Tries, in a throwaway child, what ns-boot will do.
std::optional<std::string> namespaces_unavailable() {
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) _exit(::unshare(kNamespaces) == 0 ? 0 : errno);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  return std::string("cannot create PID/mount/net/UTS/IPC/cgroup namespaces: ") +
         (WIFEXITED(status) ? std::strerror(WEXITSTATUS(status)) : "probe crashed");
}

// Why this machine cannot give kata-agent what pid1-spec.md asks for, or "".
std::string machine_limits_note() {
  if (machine_has_cap_sys_resource()) return "";
  return "note: CAP_SYS_RESOURCE is not in this machine's capability bounding set, so no "
         "process here can raise RLIMIT_NOFILE above its hard limit or lower oom_score_adj "
         "below 0, as the agent hand-off requires\n";
}

std::string strip_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

bool machine_has_cap_sys_resource() {
  return prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE) == 1;
}

std::optional<std::string> cannot_build_roots() {
  if (::geteuid() != 0) return std::string("needs root (mkrootfs creates /dev/console)");
  return std::nullopt;
}

std::optional<std::string> cannot_boot_guests() {
  if (::geteuid() != 0) return std::string("needs root to boot a guest root in namespaces");
  static const std::optional<std::string> probe = namespaces_unavailable();
  return probe;
}

std::string mkrootfs_path() {
  return testing::source_dir() + "/scripts/mkrootfs";
}

bool Boot::agent_reported() const {
  return testing::AgentReport(split_lines(out)).began();
}

std::map<std::string, std::string> Boot::report() const {
  return testing::AgentReport(split_lines(out)).fields();
}

std::optional<std::string> Boot::agent_file(const std::string& path) const {
  return testing::AgentReport(split_lines(out)).file(path);
}

void Boot::read_kmsg(const std::string& path) {
  kmsg.clear();
  refused_kmsg.clear();
  if (!fs::exists(path)) return;
  for (const std::string& record : split_lines(read_text(path))) {
    if (record.size() + 1 > kKernelMaxRecord) {
      refused_kmsg.push_back(record);
      ADD_FAILURE() << "a " << record.size() + 1 << "-byte kmsg record, which the kernel refuses "
                    << "(at most " << kKernelMaxRecord << "): " << record.substr(0, 200) << "...";
    } else {
      kmsg += record + "\n";
    }
  }
}

std::vector<std::string> Boot::kmsg_lines() const {
  return split_lines(kmsg);
}

std::vector<std::string> Boot::power_off_lines() const {
  std::vector<std::string> found;
  for (const std::string& line : kmsg_lines()) {
    auto at = line.find(">ccinit: power off: ");
    if (line.starts_with("<") && at != std::string::npos && at <= 2) found.push_back(line);
  }
  return found;
}

std::string Boot::describe() const {
  std::ostringstream text;
  text << "ns-boot exit " << exit_code << "\n--- stdout ---\n"
       << out << "--- stderr ---\n"
       << err << "--- kmsg ---\n"
       << kmsg << "--- kmsg records the kernel refuses (lost) ---\n";
  for (const std::string& record : refused_kmsg) text << record << "\n";
  text << "--- stand-ins ---\n";
  for (const auto& [name, value] : sysctl) text << name << " = " << value << "\n";
  text << machine_limits_note();
  return text.str();
}

Guest::Guest(const RootOptions& options) : root_(dir_.path() + "/root") {
  std::vector<std::string> argv = {mkrootfs_path(), root_, "--bin", bin_dir()};
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  ProgramRun run = run_program(argv);
  if (run.exit_code != 0)
    throw std::runtime_error("mkrootfs failed (" + std::to_string(run.exit_code) + "): " + run.err);
}

Boot Guest::boot(const std::string& cmdline, double timeout_s, double sigterm_after_s) const {
  const std::string kmsg = dir_.path() + "/kmsg", stand_ins = dir_.path() + "/stand-ins";
  // A fresh log and fresh stand-ins for every boot.
  std::error_code ignored;
  fs::remove(kmsg, ignored);
  fs::remove_all(stand_ins, ignored);

  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%g", timeout_s);
  std::vector<std::string> argv = {
      bin_dir() + "/ns-boot", "--root",  root_,       "--cmdline", cmdline, "--kmsg", kmsg,
      "--sysctl-dir",         stand_ins, "--timeout", timeout};
  if (sigterm_after_s > 0) {
    std::snprintf(timeout, sizeof timeout, "%g", sigterm_after_s);
    argv.insert(argv.end(), {"--sigterm-after", timeout});
  }
  Boot boot = run_ns_boot(std::move(argv), kmsg, observe_into_);
  if (fs::is_directory(stand_ins)) {
    for (const auto& entry : fs::directory_iterator(stand_ins))
      boot.sysctl[entry.path().filename().string()] = strip_newline(read_text(entry.path()));
  }
  return boot;
}

Boot run_ns_boot(std::vector<std::string> argv, const std::string& kmsg,
                 const std::string& observe_into) {
  Boot boot;
  boot.observation = observe_into.empty() ? testing::new_observation_file("ns") : observe_into;
  if (!boot.observation.empty()) argv.insert(argv.end(), {"--observe", boot.observation});
  ProgramRun run = run_program(argv);
  boot.exit_code = run.exit_code;
  boot.out = std::move(run.out);
  boot.err = std::move(run.err);
  boot.read_kmsg(kmsg);
  return boot;
}

std::string power_off_line(int level, const std::string& reason) {
  return "<" + std::to_string(level) + ">ccinit: power off: " + reason;
}

}  // namespace ccinit::itest
