// ns-boot: boots a guest root as PID 1 of new PID, mount, network, UTS, IPC and cgroup
// namespaces, without touching the state of the machine it runs on. Test tool.
//
//   ns-boot --root DIR --cmdline TEXT --kmsg FILE --sysctl-dir DIR [--timeout S]
//           [--pci-devices DIR] [--infiniband DIR] [--cc-guest tdx|sev-snp]
//           [--gpu-extension EROFS-IMAGE] [--sigterm-after S] [--observe FILE]
//
// --pci-devices mounts sysfs on ROOT/sys and binds DIR (a fake PCI tree, see
// tests/support/fake_sysfs) read-only over ROOT/sys/bus/pci/devices; --infiniband likewise
// binds DIR (make-fake-sysfs --infiniband) over ROOT/sys/class/infiniband; --cc-guest creates
// /dev/tdx_guest or /dev/sev-guest (a bind of /dev/null) as a confidential guest has;
// --gpu-extension mounts an EROFS image read-only (a loop device) at
// ROOT/run/kata-extensions/gpu, on a tmpfs ROOT/run;
// --sigterm-after sends SIGTERM to the guest's PID 1 S seconds after it started;
// --observe records, into FILE, every system call the helpers' seccomp policies allowed
// (and the tools they started made) during the boot, per helper, with the arguments their
// rules check and the callers' names: the input of `policy-review coverage` (format in
// observation_log.h). The guest runs under one more seccomp filter, which notifies ns-boot
// of every call and is answered "continue"; calls a helper's policy refuses never reach it,
// so observing widens nothing. Test-only: the shipped ccinit has no part of it.
//
// Exit status: 130 when the guest's PID 1 died of SIGINT (what reboot(RB_POWER_OFF) does to
// the init of a PID namespace: the guest powered off), 124 when it was killed after
// --timeout seconds (default 60), else 1 with a line on stderr saying what happened (also
// when --observe could not record or write its file).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "common/pipe.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
#include "tests/support/ns_boot/guest_setup.h"
#include "tests/support/ns_boot/observer.h"
#include "tests/support/ns_boot/options.h"
#include "tests/support/ns_boot/stand_ins.h"

namespace ccinit::ns_boot {

namespace {

constexpr int kPoweredOff = 130;
constexpr int kTimedOut = 124;
constexpr int kFailed = 1;

void say(const std::string& text) {
  std::string line = "ns-boot: " + text + "\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

// What the middle process tells ns-boot: the guest PID 1's pid (as ns-boot sees it), then
// its wait status.
bool send_int(int fd, int value) {
  return ::write(fd, &value, sizeof value) == sizeof value;
}

// Reads one int, waiting at most until `deadline` (CLOCK_MONOTONIC seconds; <0: forever).
// Returns 0 on success, ETIMEDOUT, or EPIPE when the writer went away without sending it.
int receive_int(int fd, int& value, double deadline) {
  for (;;) {
    int wait_ms = -1;
    if (deadline >= 0) {
      timespec now{};
      ::clock_gettime(CLOCK_MONOTONIC, &now);
      double left = deadline - (static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9);
      if (left <= 0) return ETIMEDOUT;
      wait_ms = static_cast<int>(std::ceil(left * 1000));
    }
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // re-check the deadline
    ssize_t n = ::read(fd, &value, sizeof value);
    if (n < 0 && errno == EINTR) continue;
    return n == sizeof value ? 0 : EPIPE;
  }
}

double monotonic_now() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9;
}

// Dies with its parent, so an interrupted test never leaves a guest running. The check
// catches a parent that died before the prctl; `expected_parent` is the parent as this
// process sees it (0 for the first process of a new PID namespace).
void die_with_parent(pid_t expected_parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != expected_parent) _exit(kFailed);
}

// The middle process: enters the new namespaces (the PID namespace applies to its children)
// and starts the guest's PID 1, then reports on it.
[[noreturn]] void run_middle(const Options& options, int report_fd, int observer_fd,
                             pid_t ns_boot) {
  die_with_parent(ns_boot);
  try {
    if (::unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
                  CLONE_NEWCGROUP) != 0)
      throw SysError("unshare");
    // Nothing mounted from now on propagates back to the machine.
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      throw SysError("make / rprivate");
    if (::sethostname("ccinit-guest", 12) != 0) throw SysError("sethostname");
  } catch (const std::exception& e) {
    say(e.what());
    _exit(kFailed);
  }
  pid_t pid1 = ::fork();
  if (pid1 < 0) {
    say(std::string("fork: ") + std::strerror(errno));
    _exit(kFailed);
  }
  if (pid1 == 0) {
    ::close(report_fd);
    die_with_parent(0);  // its parent is outside its PID namespace
    boot_guest(options, observer_fd);
  }
  // Only the guest's PID 1 may hold it: the recorder learns from EOF that it never will
  // write to it.
  if (observer_fd >= 0) ::close(observer_fd);
  if (!send_int(report_fd, pid1)) ::kill(pid1, SIGKILL);
  int status = 0;
  while (::waitpid(pid1, &status, 0) < 0) {
    if (errno != EINTR) {
      say(std::string("waitpid: ") + std::strerror(errno));
      _exit(kFailed);
    }
  }
  send_int(report_fd, status);
  _exit(0);
}

std::string describe(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    if (code == kSetupFailed) return "ns-boot could not set up the guest (see above)";
    if (code == kExecFailed) return "ns-boot could not exec /sbin/init (see above)";
    return "PID 1 exited with status " + std::to_string(code);
  }
  return "PID 1 " + describe_wait_status(status);
}

int run(const Options& options) {
  prepare_stand_in_dir(options.sysctl_dir, options.cmdline);
  // The kmsg stand-in must be a plain file: a bind of the machine's /dev/kmsg would send
  // the guest's records to the machine's kernel log.
  {
    UniqueFd kmsg(::open(options.kmsg.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!kmsg) throw SysError("--kmsg " + options.kmsg);
    struct stat st {};
    if (::fstat(kmsg.get(), &st) != 0 || !S_ISREG(st.st_mode))
      throw std::runtime_error("--kmsg " + options.kmsg + ": not a regular file");
  }
  if (::access((options.root + "/sbin/init").c_str(), X_OK) != 0)
    throw SysError("--root " + options.root + ": /sbin/init");

  auto [report_r, report_w] = make_pipe();
  Pipe observer_pipe;
  if (!options.observe.empty()) observer_pipe = make_pipe();
  const pid_t self = ::getpid();
  pid_t middle = ::fork();
  if (middle < 0) throw SysError("fork");
  if (middle == 0) {
    report_r.reset();
    observer_pipe.read_end.reset();
    run_middle(options, report_w.get(),
               observer_pipe.write_end ? observer_pipe.write_end.get() : -1, self);
  }
  report_w.reset();
  observer_pipe.write_end.reset();
  // Started once the guest's PID 1 exists, i.e. after the fork: it is a thread.
  std::optional<Observer> observer;
  if (!options.observe.empty())
    observer.emplace(std::move(observer_pipe.read_end), options.observe);

  const double deadline = monotonic_now() + options.timeout_s;
  int pid1 = 0, status = 0;
  bool timed_out = false;
  int err = receive_int(report_r.get(), pid1, deadline);
  if (err == 0) {
    if (observer) observer->start(pid1);
    if (options.sigterm_after_s > 0) {
      const double term_at = monotonic_now() + options.sigterm_after_s;
      err = receive_int(report_r.get(), status, std::min(term_at, deadline));
      if (err == ETIMEDOUT && monotonic_now() < deadline) {
        ::kill(pid1, SIGTERM);
        err = receive_int(report_r.get(), status, deadline);
      }
    } else {
      err = receive_int(report_r.get(), status, deadline);
    }
    if (err == ETIMEDOUT) {
      timed_out = true;
      ::kill(pid1, SIGKILL);  // PID 1 of the namespace: takes every guest process with it
      err = receive_int(report_r.get(), status, -1);
    }
  } else if (err == ETIMEDOUT) {
    timed_out = true;
    ::kill(middle, SIGKILL);
  }
  int middle_status = 0;
  while (::waitpid(middle, &middle_status, 0) < 0 && errno == EINTR) {
  }
  // The middle process has reaped the guest's PID 1, which exits only once every process
  // of its namespace is gone: nothing more can be observed.
  std::string observe_error = observer ? observer->finish() : "";
  if (!observe_error.empty()) say("--observe " + options.observe + ": " + observe_error);
  if (timed_out) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", options.timeout_s);
    say(std::string("timed out after ") + seconds + " s; the guest was killed");
    return kTimedOut;
  }
  if (err != 0) {
    say("the guest could not be started");
    return kFailed;
  }
  if (!observe_error.empty()) return kFailed;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) return kPoweredOff;
  say(describe(status));
  return kFailed;
}

}  // namespace

}  // namespace ccinit::ns_boot

int main(int argc, char** argv) {
  using namespace ccinit::ns_boot;
  Options options;
  try {
    options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "ns-boot: %s\n%s\n", e.what(), kUsage);
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ns-boot: %s\n", e.what());
    return 1;
  }
}
