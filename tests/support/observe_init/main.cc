// ccinit-test-observe-init: observes the VM boots (tests/vm) the way ns-boot --observe
// observes the namespace boots. The kernel starts it as the initramfs init
// (rdinit=/usr/libexec/ccinit-test/observe-init); it runs in two roles:
//
// PID 1 (the init role): starts the recorder, installs the notify-everything observer filter
// (tests/support/ns_boot/observer_filter.h) and execs /sbin/init (ccinit) under it.
//
// The recorder: why a usermode helper. It cannot be a descendant of PID 1, since ccinit kills
// every process below PID 1 that no tracked daemon is an ancestor of after each helper
// (pid1/stray_processes.h). A process the kernel starts as a usermode helper is a child of a
// kernel thread, outside PID 1's tree, root with every capability in the init namespaces. So
// PID 1 points kernel.modprobe at this program and makes the kernel request a module from a
// thread (socket() of an address family nobody registered: request_module("net-pf-N")); the
// kernel runs `<this program> -q -- net-pf-N`, which becomes the recorder, and the thread
// waits (killably) for it to exit, which it never does: the exec of ccinit kills that thread.
// The recorder takes PID 1's listener with pidfd_getfd and prints each new distinct call on
// the console at once, as `ccinit-observe: <line>`, since the power-off ends it without
// warning; the host (tests/vm/vm_guest.cc) merges those lines into the observation file.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "helpers/runtime/seccomp_filter.h"
#include "tests/support/ns_boot/observation_log.h"
#include "tests/support/ns_boot/observer.h"
#include "tests/support/ns_boot/observer_filter.h"

namespace {

using namespace ccinit;
using namespace std::chrono_literals;

constexpr const char* kModprobeSetting = "/proc/sys/kernel/modprobe";
constexpr const char* kPrefix = "ccinit-observe: ";
// An address family no kernel registers (AF_MAX is far below), so socket() requests
// "net-pf-<n>" from kernel.modprobe. Below NPROTO (AF_MAX): 45 is unassigned on 6.x.
constexpr int kUnregisteredFamily = 45;
constexpr auto kReadyLimit = 5s;
constexpr auto kListenerLimit = 10s;

// Whole lines, one write each: the console interleaves writers line by line at best.
void say(int console, const std::string& line) {
  const std::string text = std::string(kPrefix) + line + "\n";
  [[maybe_unused]] ssize_t n = ::write(console, text.data(), text.size());
}

UniqueFd open_console() {
  return UniqueFd(::open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC));
}

// --- the recorder --------------------------------------------------------------------

std::optional<int> find_listener() {
  const auto deadline = std::chrono::steady_clock::now() + kListenerLimit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/1/fd", ec)) {
      std::error_code link_ec;
      const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
      if (!link_ec && target == "anon_inode:seccomp notify")
        return std::stoi(entry.path().filename().string());
    }
    std::this_thread::sleep_for(1ms);
  }
  return std::nullopt;
}

int record(int console) {
  // ccinit's power-off sends SIGTERM to every process first and waits up to 2 s: the
  // recorder must answer that wait's calls. Its SIGKILL then ends the recorder.
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  // A mount namespace of its own with a private /proc: the guest must see no extra mount.
  if (::unshare(CLONE_NEWNS) != 0) throw SysError("unshare(CLONE_NEWNS)");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throw SysError("mount --make-rprivate /");
  if (::access("/proc/self", F_OK) != 0 && ::mount("proc", "/proc", "proc", 0, nullptr) != 0)
    throw SysError("mount /proc");
  // Ready: PID 1 may put its /proc and kernel.modprobe back and install the filter.
  if (::kill(1, SIGUSR1) != 0) throw SysError("kill(1, SIGUSR1)");
  const std::optional<int> number = find_listener();
  if (!number) throw std::runtime_error("PID 1 never showed a seccomp listener");
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, 1, 0)));
  if (!pidfd) throw SysError("pidfd_open(1)");
  UniqueFd listener(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), *number, 0)));
  if (!listener) throw SysError("pidfd_getfd (PID 1's seccomp listener)");
  const std::optional<int> base = ns_boot::seccomp_filter_count(1);
  if (!base) throw std::runtime_error("PID 1 is gone");
  ns_boot::Attribution attribution(1, *base);
  ns_boot::ObservationLog log;
  std::string error;
  const ns_boot::RecordCall print_new = [&](const ns_boot::Attribution::Caller& caller, long nr,
                                            const std::array<std::uint64_t, 6>& args) {
    if (std::string line = log.record(caller.helper, nr, args, caller.comm); !line.empty())
      say(console, line);
  };
  for (;;) {
    pollfd fd{listener.get(), POLLIN, 0};
    if (::poll(&fd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      throw SysError("poll");
    }
    if (fd.revents & POLLIN) {
      ns_boot::serve_notification(listener.get(), attribution, print_new, error);
      if (!error.empty()) {
        say(console, "# error: " + error);
        error.clear();
      }
    } else if (fd.revents & (POLLHUP | POLLERR)) {
      break;
    }
  }
  // Never return while the guest runs: the kernel's waiting thread is gone by now anyway.
  for (;;) ::pause();
}

// --- PID 1 -----------------------------------------------------------------------------

void start_recorder(const std::string& self) {
  if (::mount("proc", "/proc", "proc", 0, nullptr) != 0) throw SysError("mount /proc");
  const std::string saved = read_file(kModprobeSetting);
  write_existing_file(kModprobeSetting, self + "\n");
  sigset_t ready;
  sigemptyset(&ready);
  sigaddset(&ready, SIGUSR1);
  sigset_t before;
  if (::sigprocmask(SIG_BLOCK, &ready, &before) != 0) throw SysError("sigprocmask");
  // Blocks in the kernel until the recorder exits (never); exec kills it.
  std::thread([] { ::socket(kUnregisteredFamily, SOCK_STREAM, 0); }).detach();
  const timespec limit{std::chrono::seconds(kReadyLimit).count(), 0};
  const int got = ::sigtimedwait(&ready, nullptr, &limit);
  write_existing_file(kModprobeSetting, saved);
  if (::sigprocmask(SIG_SETMASK, &before, nullptr) != 0) throw SysError("sigprocmask");
  if (::umount("/proc") != 0) throw SysError("umount /proc");
  if (got != SIGUSR1)
    throw std::runtime_error("the recorder never started (kernel.modprobe as usermode helper)");
}

[[noreturn]] void observe_and_exec(int argc, char** argv, char** envp) {
  start_recorder(argv[0]);
  // reboot is never notified: ccinit's power-off kills every process (kill(-1, SIGKILL))
  // before it, the recorder too, and a notified call without a listener fails ENOSYS. No
  // helper may reboot (every policy's prologue refuses it), so nothing observable is lost.
  std::vector<sock_filter> program = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_reboot, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  // No write exemption: the recorder finds the listener in /proc/1/fd itself.
  const std::vector<sock_filter> observer = ns_boot::observer_program(-1, nullptr, 0);
  program.insert(program.end(), observer.begin(), observer.end());
  UniqueFd listener = helper::install_seccomp_program_with_listener(program);
  listener.release();  // close-on-exec; the recorder holds its own copy by then
  std::vector<char*> args(argv, argv + argc);
  static char init_name[] = "/sbin/init";
  args[0] = init_name;  // ccinit is multi-call: it reads its role from argv[0]
  args.push_back(nullptr);
  ::execve("/sbin/init", args.data(), envp);
  throw SysError("execve /sbin/init");
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  UniqueFd console = open_console();
  try {
    if (::getpid() != 1) return record(console.get());
    observe_and_exec(argc, argv, envp);
  } catch (const std::exception& e) {
    say(console.get(), std::string("# error: ") + e.what());
    if (::getpid() == 1) {
      // Boot unobserved rather than not at all; the host sees the error line.
      static char init_name[] = "/sbin/init";
      argv[0] = init_name;
      ::execve("/sbin/init", argv, envp);
    }
    return 1;
  }
}
