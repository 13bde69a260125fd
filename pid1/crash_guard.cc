#include "pid1/crash_guard.h"

#include <signal.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <exception>

namespace ccinit::pid1 {

namespace {

std::atomic<int> g_log_fd{STDERR_FILENO};
alignas(16) char g_alt_stack[64 * 1024];

void write_str(const char* s) {
  [[maybe_unused]] ssize_t n = ::write(g_log_fd.load(), s, std::strlen(s));
}

[[noreturn]] void power_off_now() {
  sync();
  reboot(RB_POWER_OFF);
  // Not allowed to power off (e.g. not really PID 1): never return into broken state.
  for (;;) pause();
}

void on_fault(int sig) {
  // Async-signal-safe only: fixed strings, write, sync, reboot.
  write_str("<2>ccinit: power off: PID 1 crashed with ");
  const char* abbrev = sigabbrev_np(sig);
  write_str(abbrev ? "SIG" : "a fault signal");
  if (abbrev) write_str(abbrev);
  write_str("\n");
  power_off_now();
}

void on_terminate() {
  write_str("<2>ccinit: power off: PID 1 terminated: ");
  if (auto ex = std::current_exception()) {
    try {
      std::rethrow_exception(ex);
    } catch (const std::exception& e) {
      write_str(e.what());
    } catch (...) {
      write_str("unknown exception");
    }
  } else {
    write_str("std::terminate");
  }
  write_str("\n");
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
