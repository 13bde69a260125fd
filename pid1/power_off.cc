#include "pid1/power_off.h"

#include <poll.h>
#include <signal.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "pid1/signals.h"

namespace ccinit::pid1 {

namespace {

constexpr auto kTermGrace = std::chrono::seconds(2);

[[noreturn]] void finish(Log& log) {
  ::kill(-1, SIGKILL);
  sync();
  reboot(RB_POWER_OFF);
  // Only reached when the kernel refused: PID 1 must never exit, so wait to be killed.
  log.logger().critical("reboot(RB_POWER_OFF) failed: {}", std::strerror(errno));
  for (;;) pause();
}

}  // namespace

void power_off_orderly(const std::string& reason, PowerOffKind kind, int signal_fd, Reaper& reaper,
                       Log& log) {
  log.power_off_reason(reason, kind);
  ::kill(-1, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + kTermGrace;
  for (;;) {
    reaper.reap_all();
    if (!reaper.has_children()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{signal_fd, POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(left.count()) + 1);
    while (read_signal(signal_fd) != 0) {
    }
  }
  finish(log);
}

void power_off_now(const std::string& reason, Log& log) {
  log.power_off_reason(reason, PowerOffKind::kFailure);
  finish(log);
}

}  // namespace ccinit::pid1
