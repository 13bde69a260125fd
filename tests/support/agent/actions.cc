#include "tests/support/agent/actions.h"

#include <fcntl.h>
#include <linux/kexec.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <optional>
#include <vector>

#include "common/decimal.h"
#include "common/unique_fd.h"
#include "tests/support/agent/flood_steps.h"
#include "tests/support/agent/report.h"

extern char** environ;

namespace ccinit::test_agent {

namespace {

constexpr std::string_view kActionKey = "test.agent.action=";

std::optional<unsigned long> parse_count(std::string_view text) {
  return parse_decimal<unsigned long>(text);
}

// SEGV, SIGSEGV or 11.
int parse_signal(std::string_view text) {
  if (auto number = parse_count(text)) return *number < NSIG ? static_cast<int>(*number) : 0;
  if (text.starts_with("SIG")) text.remove_prefix(3);
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev && text == abbrev) return sig;
  }
  return 0;
}

void sleep_seconds(double seconds) {
  timespec left{static_cast<time_t>(seconds),
                static_cast<long>((seconds - static_cast<time_t>(seconds)) * 1e9)};
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal:SIG") + ::sigabbrev_np(WTERMSIG(status));
  return "status:" + std::to_string(status);
}

int finish(int status) {
  report_end();
  return status;
}

int fail(std::string_view what) {
  report("action_error", what);
  return finish(2);
}

int die_of_signal(int sig) {
  report_end();
  // No core file: it would land in the guest root, or with a piped core_pattern in a
  // program of the machine running the test.
  ::prctl(PR_SET_DUMPABLE, 0);
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  // Signals whose default action is to ignore or stop land here.
  return 125;
}

// Orphans, made in batches: the agent's child makes up to kOrphanBatch grandchildren, which
// exit at once, and exits itself, so their parent is gone and only PID 1 can reap them.
// clone(CLONE_VM | CLONE_VFORK) instead of fork(), and batches rather than one child per
// orphan: no page tables are copied and half the processes are made, which keeps 10,000
// orphans to seconds in an emulated (TCG) VM. CLONE_VFORK keeps each stack used by one
// process at a time: the agent waits until the child is gone, the child until each
// grandchild is (a zombie, which the child's exit hands to PID 1).
constexpr std::size_t kOrphanBatch = 100;

struct OrphanBatch {
  pid_t* pids;  // where the child records the grandchildren's pids (memory it shares)
  std::size_t wanted;
  std::size_t made;
};

int orphan_grandchild(void*) {
  _exit(0);
}

alignas(16) char orphan_grandchild_stack[16384];

int orphan_child(void* arg) {
  auto* batch = static_cast<OrphanBatch*>(arg);
  for (; batch->made < batch->wanted; ++batch->made) {
    pid_t grandchild =
        ::clone(orphan_grandchild, orphan_grandchild_stack + sizeof orphan_grandchild_stack,
                CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr);
    if (grandchild < 0) _exit(1);
    batch->pids[batch->made] = grandchild;
  }
  _exit(0);
}

alignas(16) char orphan_child_stack[16384];

// Appends up to kOrphanBatch orphans' pids to `orphans`; false when one could not be made.
bool make_orphan_batch(std::vector<pid_t>& orphans, std::size_t wanted) {
  wanted = std::min(wanted, kOrphanBatch);
  const std::size_t first = orphans.size();
  orphans.resize(first + wanted);
  OrphanBatch batch{orphans.data() + first, wanted, 0};
  pid_t child = ::clone(orphan_child, orphan_child_stack + sizeof orphan_child_stack,
                        CLONE_VM | CLONE_VFORK | SIGCHLD, &batch);
  if (child < 0) {
    orphans.resize(first);
    return false;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  orphans.resize(first + batch.made);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// 'Z' for a zombie, 0 when the process no longer exists.
char process_state(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  char buf[512];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  std::string_view stat(buf, static_cast<std::size_t>(n));
  auto paren = stat.rfind(')');
  return paren != std::string_view::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

// orphans:N[:PATIENCE_MS[:HOLD_S]]; HOLD_S: how long the agent stays after its report, so
// a benchmark can read PID 1's figures before the agent's exit powers it off.
int make_orphans(std::string_view arg) {
  auto colon = arg.find(':');
  auto count = parse_count(arg.substr(0, colon));
  if (!count || *count == 0 || *count > 100000) return fail("orphans: expected a count 1..100000");
  std::optional<unsigned long> hold_s = 0;
  if (colon != std::string_view::npos) {
    if (auto second = arg.find(':', colon + 1); second != std::string_view::npos) {
      hold_s = parse_count(arg.substr(second + 1));
      arg = arg.substr(0, second);
    }
  }
  std::optional<unsigned long> patience_ms =
      colon == std::string_view::npos ? 20000 : parse_count(arg.substr(colon + 1));
  if (!patience_ms || !hold_s)
    return fail("orphans: expected N, N:PATIENCE_MS or N:PATIENCE_MS:HOLD_S");
  std::vector<pid_t> orphans;
  orphans.reserve(*count);
  while (orphans.size() < *count) {
    if (!make_orphan_batch(orphans, *count - orphans.size()))
      return fail("clone: " + errno_name(errno));
  }
  report("orphans_started", std::to_string(orphans.size()));

  // Waits until PID 1 has reaped every one of them (zombies stay until it does).
  constexpr unsigned long kPollMs = 10;
  std::size_t zombies = 0, alive = 0;
  for (unsigned long waited = 0;; waited += kPollMs) {
    zombies = alive = 0;
    for (pid_t pid : orphans) {
      char state = process_state(pid);
      if (state == 'Z')
        ++zombies;
      else if (state != 0)
        ++alive;
    }
    if (zombies + alive == 0 || waited >= *patience_ms) break;
    sleep_seconds(static_cast<double>(kPollMs) / 1000.0);
  }
  report("orphans_zombies", std::to_string(zombies));
  report("orphans_alive", std::to_string(alive));
  report("orphans_reaped", zombies + alive == 0 ? "yes" : "no");
  if (*hold_s > 0) {
    report("holding", std::to_string(*hold_s));
    sleep_seconds(static_cast<double>(*hold_s));
  }
  return finish(0);
}

int run_modprobe(std::string_view module) {
  std::string name(module);
  char* argv[] = {const_cast<char*>("/sbin/modprobe"), name.data(), nullptr};
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, "/sbin/modprobe", nullptr, nullptr, argv, environ);
  if (err != 0) {
    report("modprobe_error", errno_name(err));
    return finish(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  report("modprobe_exit", describe_wait_status(status));
  return finish(0);
}

// Both calls get arguments the kernel rejects with EINVAL right after its permission checks
// (an unknown flag bit, a foreign architecture): EPERM means kexec is locked, EINVAL that it
// was allowed. Never valid arguments: nr_segments 0 would unload the machine's crash kernel.
int try_kexec() {
  constexpr unsigned long kUnknownFlag = 0x8000;
  auto outcome = [](long rc) { return rc == 0 ? std::string("ok") : errno_name(errno); };
  long rc = ::syscall(SYS_kexec_file_load, -1, -1, 0UL, "", kUnknownFlag);
  report("kexec_file_load", outcome(rc));
  rc = ::syscall(SYS_kexec_load, 0UL, 0UL, nullptr, kUnknownFlag | KEXEC_ARCH_68K);
  report("kexec_load", outcome(rc));
  return finish(0);
}

void write_stdout(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// cat:PATH prints the file between `FILE-BEGIN PATH` and `FILE-END PATH` lines, inside the
// report (a missing file: `cat_missing=PATH: ENOENT`). The tests read what the fake NVIDIA
// tools recorded in the guest's /run this way, since /run vanishes with the guest, and what
// an extension image holds. A failed read prints none of the file, only
// `cat_error=PATH: EIO (Input/output error)`: a dm-verity device refuses a corrupt block with
// EIO, and the test must see that the agent got the error and no data.
void print_file(std::string_view path) {
  const std::string name(path);
  UniqueFd fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    report("cat_missing", name + ": " + errno_name(errno));
    return;
  }
  std::string text = "FILE-BEGIN " + name + "\n";
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      report("cat_error", name + ": " + errno_name(err) + " (" + ::strerror(err) + ")");
      return;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (text.back() != '\n') text += '\n';
  text += "FILE-END " + name + "\n";
  write_stdout(text);
}

}  // namespace

std::string action_from_cmdline(std::string_view cmdline) {
  std::string action = "exit:0";
  while (!cmdline.empty()) {
    auto start = cmdline.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) break;
    cmdline.remove_prefix(start);
    auto end = cmdline.find_first_of(" \t\n");
    std::string_view word = cmdline.substr(0, end);
    if (word.starts_with(kActionKey)) action = word.substr(kActionKey.size());
    cmdline.remove_prefix(word.size());
  }
  return action;
}

int run_action(std::string_view action) {
  report("action", action);
  // cat:A+cat:B+sleep:2 — any number of cat steps may come before the action proper; and
  // pause:N steps (N seconds), so a benchmark can read PID 1's figures before the action;
  // and the pressure steps tmpfs-limit:, fill:, fill-inodes:, syslog:, size: (flood_steps.h).
  for (;;) {
    const auto plus = action.find('+');
    const std::string_view step = action.substr(0, plus);
    // The step's argument after its name and colon ("cat:/x" -> "/x").
    auto arg_of = [step](std::string_view name) { return step.substr(name.size() + 1); };
    if (step.starts_with("cat:")) {
      print_file(arg_of("cat"));
    } else if (step.starts_with("tmpfs-limit:")) {
      const std::string_view arg = arg_of("tmpfs-limit");
      const auto first = arg.find(':'), second = arg.rfind(':');
      if (first == std::string_view::npos || first == second)
        return fail("tmpfs-limit: expected DIR:SIZE:INODES");
      limit_tmpfs(arg.substr(0, first), arg.substr(first + 1, second - first - 1),
                  arg.substr(second + 1));
    } else if (step.starts_with("fill-inodes:")) {
      fill_inodes(arg_of("fill-inodes"));
    } else if (step.starts_with("fill:")) {
      fill_filesystem(arg_of("fill"));
    } else if (step.starts_with("syslog:")) {
      const std::string_view arg = arg_of("syslog");
      const auto colon = arg.find(':');
      const auto count = parse_count(arg.substr(0, colon));
      const auto bytes =
          colon == std::string_view::npos ? std::nullopt : parse_count(arg.substr(colon + 1));
      if (!count || !bytes) return fail("syslog: expected COUNT:BYTES");
      flood_syslog(*count, *bytes);
    } else if (step.starts_with("size:")) {
      report_size(arg_of("size"));
    } else if (step.starts_with("pause:") && plus != std::string_view::npos) {
      const auto seconds = parse_count(arg_of("pause"));
      if (!seconds) return fail("pause: expected whole seconds");
      report("paused", std::to_string(*seconds));
      sleep_seconds(static_cast<double>(*seconds));
    } else {
      break;
    }
    if (plus == std::string_view::npos) return finish(0);
    action.remove_prefix(plus + 1);
  }
  auto colon = action.find(':');
  std::string_view verb = action.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? "" : action.substr(colon + 1);

  if (verb == "exit") {
    auto status = parse_count(arg);
    if (!status || *status > 255) return fail("exit: expected a status 0..255");
    return finish(static_cast<int>(*status));
  }
  if (verb == "signal") {
    int sig = parse_signal(arg);
    if (sig == 0) return fail("signal: unknown signal '" + std::string(arg) + "'");
    return die_of_signal(sig);
  }
  if (verb == "signal-pid1") {
    // Stands in for PID 1 crashing (SEGV) or being told to shut down (TERM, PWR).
    int sig = parse_signal(arg);
    if (sig == 0) return fail("signal-pid1: unknown signal '" + std::string(arg) + "'");
    report("signalled_pid1", ::kill(1, sig) == 0 ? "yes" : std::strerror(errno));
    report_end();
    for (;;) ::pause();  // PID 1 ends the VM; it must not wait for this agent to exit
  }
  if (verb == "orphans") return make_orphans(arg);
  if (verb == "sleep") {
    auto seconds = parse_count(arg);
    if (!seconds) return fail("sleep: expected whole seconds");
    sleep_seconds(static_cast<double>(*seconds));
    report("slept", std::to_string(*seconds));
    return finish(0);
  }
  if (verb == "modprobe") {
    if (arg.empty()) return fail("modprobe: expected a module name");
    return run_modprobe(arg);
  }
  if (verb == "kexec") return try_kexec();
  return fail("unknown action '" + std::string(action) + "'");
}

}  // namespace ccinit::test_agent
