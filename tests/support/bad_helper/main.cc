// ccinit-test-bad-helper: installed in a test guest root in place of a real helper
// (lockdown) to make it misbehave the way `test.bad_helper=MODE` on the kernel command line
// says. It runs through the real helper runtime with the lockdown policy, so confinement is
// real: the misbehaviour happens where a real helper's bug would.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_io.h"
#include "common/unique_fd.h"
#include "helpers/runtime/helper_main.h"
#include "proto/frame.h"

namespace ccinit::policy {
extern const Policy policy_lockdown;
}

namespace {

constexpr std::string_view kModeKey = "test.bad_helper=";

// The kernel command line, or, run by hand, the text of --cmdline TEXT (or --cmdline=TEXT),
// as the helper runtime takes it: `ccinit-test-bad-helper --learn --cmdline
// test.bad_helper=seccomp`. Read before the runtime confines the process (its policy need
// not allow opening /proc/cmdline) and before it checks the inherited fds (this fd is closed
// again by then).
std::string cmdline_text(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--cmdline" && i + 1 < argc) return argv[i + 1];
    if (arg.starts_with("--cmdline=")) return std::string(arg.substr(10));
  }
  ccinit::UniqueFd fd(::open("/proc/cmdline", O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  return ccinit::read_all(fd.get());
}

std::string mode_from_cmdline(const std::string& cmdline) {
  std::string_view rest(cmdline);
  while (!rest.empty()) {
    auto start = rest.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    std::string_view word = rest.substr(0, rest.find_first_of(" \t\n"));
    if (word.starts_with(kModeKey)) return std::string(word.substr(kModeKey.size()));
    rest.remove_prefix(word.size());
  }
  return "";
}

void write_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(ccinit::helper::kEventFd, bytes.data(), bytes.size());
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

[[noreturn]] void spin_forever() {
  // No system call at all: whatever the policy allows, this can only end by being killed.
  volatile bool forever = true;
  while (forever) {
  }
  _exit(0);
}

// --- Modes that need processes: set up before confinement (the lockdown policy allows no
// fork, setsid or ptrace, and a test must not widen a shipped policy). ---

// Closes every fd and sleeps until killed, named `name` in /proc.
[[noreturn]] void sleep_detached(const char* name) {
  ::prctl(PR_SET_NAME, name);
  ::close_range(0, UINT_MAX, 0);
  for (;;) ::pause();
}

// Forks a child that runs `body` (which must not return); returns the child's pid once it
// has closed its copy of a notification pipe, i.e. once it no longer holds fds 3 and 4.
template <typename Body>
pid_t fork_and_wait_until_detached(Body body) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) _exit(120);
  pid_t pid = ::fork();
  if (pid < 0) _exit(121);
  if (pid == 0) {
    ::close(ready[0]);
    body(ready[1]);
  }
  ::close(ready[1]);
  char byte;
  while (::read(ready[0], &byte, 1) > 0) {
  }
  ::close(ready[0]);
  return pid;
}

struct Prepared {
  std::vector<pid_t> sleepers;  // children that sleep, to report as daemons
};

// stray: a grandchild that called setsid, closed its fds and sleeps, left behind.
// unreapable: a ptracer (in its own session, so killing the helper's group spares it) that
// never waits, so once killed the helper's zombie is shown to its tracer only and PID 1
// cannot reap it: what a helper stuck in an uninterruptible call looks like to PID 1.
// sleepers:N: N children that sleep (fds closed), for the daemon-report modes.
Prepared prepare(const std::string& mode) {
  Prepared prepared;
  if (mode == "stray") {
    fork_and_wait_until_detached([](int) {
      if (::fork() != 0) _exit(0);
      ::setsid();
      sleep_detached("stray-sleeper");
    });
  }
  if (mode == "unreapable") {
    const pid_t helper = ::getpid();
    ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);  // where Yama would refuse a child tracer
    fork_and_wait_until_detached([helper](int ready) {
      ::setsid();
      if (::ptrace(PTRACE_SEIZE, helper, nullptr, nullptr) != 0) _exit(122);
      ::close(ready);
      sleep_detached("ptrace-holder");
    });
  }
  int sleepers = mode == "many-daemons" ? 9 : mode.starts_with("daemon-name:") ? 1 : 0;
  for (int i = 0; i < sleepers; ++i)
    prepared.sleepers.push_back(
        fork_and_wait_until_detached([](int) { sleep_detached("daemon-sleeper"); }));
  return prepared;
}

// Modes that misbehave after confinement, as a compromised helper's code would.
bool misbehave_hostile(const std::string& mode, const Prepared& prepared,
                       ccinit::helper::Reporter& reporter) {
  if (mode == "flood-events") {
    // One line a test can wait for (at warn), then valid events, endlessly, at debug: below
    // the usual log level, so the flood tests PID 1's reading, not the console.
    // Many small frames per write: one system call here costs PID 1 hundreds of events.
    reporter.warn("flooding the event pipe");
    ccinit::wire::Event event;
    event.mutable_log()->set_level(ccinit::wire::LOG_DEBUG);
    event.mutable_log()->set_text("flood");
    const std::string frame = ccinit::wire::encode_frame(event.SerializeAsString());
    std::string batch;
    while (batch.size() + frame.size() <= 65536) batch += frame;
    for (;;) write_raw(batch);
  }
  if (mode == "flood-stdout") {
    // Pipe-sized writes of the shortest lines: each costs PID 1 a log line.
    const std::string batch(65536, '\n');
    for (;;) [[maybe_unused]] ssize_t n = ::write(STDOUT_FILENO, batch.data(), batch.size());
  }
  if (mode == "many-daemons") {
    // 20,000 reports (each a distinct name) of the 9 live children, round robin.
    for (int i = 0; i < 20000; ++i)
      reporter.daemon_started("daemon-" + std::to_string(i),
                              prepared.sleepers[static_cast<std::size_t>(i) % 9]);
    return true;
  }
  if (mode.starts_with("daemon-pid:")) {
    const std::string which = mode.substr(11);
    reporter.daemon_started("not-mine", which == "self" ? ::getpid() : std::stoi(which));
    return true;
  }
  if (mode.starts_with("daemon-name:")) {
    // The name is hex-coded on the command line: control bytes cannot be written there.
    std::string name;
    const std::string hex = mode.substr(12);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      name.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    reporter.daemon_started(name, prepared.sleepers.at(0));
    return true;
  }
  if (mode == "stray") return true;  // the stray was left before confinement
  if (mode == "unreapable") spin_forever();
  return false;
}

void misbehave(const std::string& mode, ccinit::helper::Reporter& reporter) {
  reporter.info("bad helper mode '" + mode + "'");
  if (mode == "exit1") _exit(1);
  if (mode == "seccomp") {
    // Not in the lockdown policy: the filter's default action kills the process here (and
    // under --learn the call is recorded and goes on).
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(
        "socket(AF_INET) was not refused: the lockdown policy changed, or this is --learn");
  }
  if (mode == "hang") spin_forever();
  if (mode == "garbage") {
    // A frame of the right shape whose payload is no Event (0x6e: wire type 6 is invalid).
    write_raw(ccinit::wire::encode_frame("not an event"));
    _exit(0);
  }
  if (mode == "truncated") {
    write_raw(std::string_view("\x10\x00", 2));  // half a frame header, then EOF
    _exit(0);
  }
  if (mode == "oversized") {
    constexpr std::uint32_t kOneMiB = 1024 * 1024;
    const char header[4] = {
        static_cast<char>(kOneMiB & 0xff), static_cast<char>((kOneMiB >> 8) & 0xff),
        static_cast<char>((kOneMiB >> 16) & 0xff), static_cast<char>((kOneMiB >> 24) & 0xff)};
    write_raw(std::string_view(header, sizeof header));
    _exit(0);
  }
  if (mode == "noresult") _exit(0);
  if (mode == "fail") throw std::runtime_error("bad helper says no");
  if (mode == "notutf8") {
    // Device data (a VPD keyword, a tool's output) is bytes, not UTF-8: it must reach PID 1
    // as what it is, escaped there, and not turn into a wire error.
    reporter.info("vpd keyword \xff\xfe");
    throw std::runtime_error("device says \xc3\x28 and \xe2\x82");
  }
  if (mode.starts_with("failwith:")) {
    // failwith:N[:LINES]: LINES error lines of 1024 bytes, then a failure whose error is N
    // bytes (a tab every 10, which PID 1 escapes): each longer than a kernel log record.
    std::string_view rest = std::string_view(mode).substr(9);
    const std::size_t colon = rest.find(':');
    const std::string pattern = "long erro\t";
    auto text = [&](std::size_t n) {
      std::string out;
      while (out.size() < n) out += pattern[out.size() % pattern.size()];
      return out;
    };
    const unsigned long lines =
        colon == std::string_view::npos ? 0 : std::stoul(std::string(rest.substr(colon + 1)));
    for (unsigned long i = 0; i < lines; ++i) reporter.error(text(1024));
    throw std::runtime_error(text(std::stoul(std::string(rest.substr(0, colon)))));
  }
  if (mode == "detected") {
    // Only gpu-configurator's detecting run may tell PID 1 a mode for later helpers.
    ccinit::wire::Detected detected;
    detected.set_mode(ccinit::wire::MODE_SERVICEVM_NVL4);
    detected.set_rail_policy(ccinit::wire::RAIL_POLICY_GREEDY);
    reporter.set_detected(detected);
    return;
  }
  if (mode.empty() || mode == "ok") return;
  throw std::runtime_error("test.bad_helper=" + mode + ": unknown mode");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = mode_from_cmdline(cmdline_text(argc, argv));
  const Prepared prepared = prepare(mode);
  ccinit::helper::HelperSpec spec{
      .name = "lockdown",
      .summary =
          "test stand-in that misbehaves as test.bad_helper= on the kernel command line says",
      .capabilities = {},
      .policy = ccinit::policy::policy_lockdown,
      .run =
          [&mode, &prepared](const ccinit::wire::Request&, ccinit::helper::Reporter& reporter) {
            if (!misbehave_hostile(mode, prepared, reporter)) misbehave(mode, reporter);
          },
  };
  return ccinit::helper::helper_main(argc, argv, spec);
}
