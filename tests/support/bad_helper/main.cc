// ccinit-test-bad-helper: installed in a test guest root in place of a real helper
// (lockdown) to make it misbehave the way `test.bad_helper=MODE` on the kernel command line
// says. It runs through the real helper runtime with the lockdown policy, so confinement is
// real: the misbehaviour happens where a real helper's bug would.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/file_io.h"
#include "common/unique_fd.h"
#include "helpers/runtime/helper_main.h"
#include "proto/frame.h"

namespace ccinit::policy {
extern const Policy policy_lockdown;
}

namespace {

constexpr std::string_view kModeKey = "test.bad_helper=";

// Read before the runtime confines the process (its policy need not allow opening
// /proc/cmdline) and before it checks the inherited fds (this fd is closed again by then).
std::string mode_from_cmdline() {
  ccinit::UniqueFd fd(::open("/proc/cmdline", O_RDONLY | O_CLOEXEC));
  if (!fd) return "";
  const std::string cmdline = ccinit::read_all(fd.get());
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

void misbehave(const std::string& mode, ccinit::helper::Reporter& reporter) {
  reporter.info("bad helper mode '" + mode + "'");
  if (mode == "exit1") _exit(1);
  if (mode == "seccomp") {
    // Not in the lockdown policy: the filter's default action kills the process here.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("socket(AF_INET) was allowed: the lockdown policy changed");
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
  if (mode.empty() || mode == "ok") return;
  throw std::runtime_error("test.bad_helper=" + mode + ": unknown mode");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = mode_from_cmdline();
  ccinit::helper::HelperSpec spec{
      .name = "lockdown",
      .summary =
          "test stand-in that misbehaves as test.bad_helper= on the kernel command line says",
      .capabilities = {},
      .policy = ccinit::policy::policy_lockdown,
      .run = [&mode](const ccinit::wire::Request&,
                     ccinit::helper::Reporter& reporter) { misbehave(mode, reporter); },
  };
  return ccinit::helper::helper_main(argc, argv, spec);
}
