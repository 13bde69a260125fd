// ccinit-test-agent: the stand-in for kata-agent in guest roots built by the tests.
// It reports how PID 1 started it (AGENT-REPORT-BEGIN ... AGENT-REPORT-END on stdout), then
// does what `test.agent.action=` on the kernel command line asks, and exits.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "common/unique_fd.h"
#include "tests/support/agent/actions.h"
#include "tests/support/agent/report.h"

namespace {

// Boot timing is taken from this record's kernel timestamp; the file may be a bound regular
// file shared with PID 1 (hence O_APPEND).
void log_started() {
  ccinit::UniqueFd kmsg(::open("/dev/kmsg", O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY));
  if (!kmsg) return;
  static constexpr char kRecord[] = "<6>kata-agent: started\n";
  [[maybe_unused]] ssize_t n = ::write(kmsg.get(), kRecord, sizeof kRecord - 1);
}

std::string kernel_cmdline() {
  ccinit::UniqueFd fd(::open("/proc/cmdline", O_RDONLY | O_CLOEXEC));
  std::string text;
  if (!fd) return text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return text;
}

}  // namespace

int main() {
  log_started();
  using namespace ccinit::test_agent;
  report_begin();
  // First, before the agent opens anything that would show up in the report.
  report_environment();
  return run_action(action_from_cmdline(kernel_cmdline()));
}
