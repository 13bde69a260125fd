#include "pid1/crash_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <string_view>

#include "pid1/kmsg_record.h"

namespace ccinit::pid1 {

namespace {

constexpr int kCrashPriority = 2;  // critical
constexpr std::string_view kReasonTag = "ccinit: power off: ";

std::atomic<int> g_log_fd{STDERR_FILENO};
alignas(16) char g_alt_stack[64 * 1024];

// "/proc/self/fd/N": opening it opens the file behind fd N anew. For /dev/kmsg that is a
// file of its own, with its own rate limit, so records that flooded the shared one cannot
// suppress the crash reason.
void fd_path(int fd, char (&out)[32]) {
  constexpr std::string_view kDir = "/proc/self/fd/";
  std::size_t n = 0;
  for (char c : kDir) out[n++] = c;
  char digits[12];
  std::size_t count = 0;
  auto value = static_cast<unsigned>(fd);
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) out[n++] = digits[--count];
  out[n] = '\0';
}

bool write_all_once(int fd, std::string_view record) {
  return ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
}

// Writes "<2>ccinit: power off: " + cause + detail in ONE write: the console shows one line
// or nothing. Async-signal-safe: a fixed record on this stack, open, write, close.
void write_reason(std::string_view cause, std::string_view detail) {
  const int log_fd = g_log_fd.load();
  if (log_fd != STDERR_FILENO) {
    char path[32];
    fd_path(log_fd, path);
    int own = ::open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
    KmsgRecord record(kCrashPriority, kReasonTag);
    std::string_view text = record.append(cause).append(detail).finish();
    bool written = write_all_once(own >= 0 ? own : log_fd, text);
    if (own >= 0) ::close(own);
    if (written) return;
  }
  // The console, where the kernel shows a "<2>" as is: the record without it.
  KmsgRecord record(KmsgRecord::kNoPriority, kReasonTag);
  [[maybe_unused]] bool ignored =
      write_all_once(STDERR_FILENO, record.append(cause).append(detail).finish());
}

[[noreturn]] void power_off_now() {
  sync();
  reboot(RB_POWER_OFF);
  // Not allowed to power off (e.g. not really PID 1): never return into broken state.
  for (;;) pause();
}

void on_fault(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev)
    write_reason("PID 1 crashed with SIG", abbrev);
  else
    write_reason("PID 1 crashed with a fault signal", "");
  power_off_now();
}

void on_terminate() {
  if (auto ex = std::current_exception()) {
    try {
      std::rethrow_exception(ex);
    } catch (const std::exception& e) {
      write_reason("PID 1 terminated: ", e.what());
    } catch (...) {
      write_reason("PID 1 terminated: ", "unknown exception");
    }
  } else {
    write_reason("PID 1 terminated: ", "std::terminate");
  }
  power_off_now();
}

}  // namespace

void set_crash_log_fd(int log_fd) {
  g_log_fd.store(log_fd);
}

void install_crash_guard(int log_fd) {
  set_crash_log_fd(log_fd);
  stack_t ss{};
  ss.ss_sp = g_alt_stack;
  ss.ss_size = sizeof g_alt_stack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fault;
  sa.sa_flags = SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT})
    sigaction(sig, &sa, nullptr);
  std::set_terminate(on_terminate);
}

}  // namespace ccinit::pid1
