// --learn (README, "Reviewing the seccomp policies"): the learn form of a shipped program
// changes only its kill returns, the report of what it would have refused, the refusal to run
// in a boot, and a run of the bad helper whose one refused call is recorded, not fatal.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "helpers/runtime/learn_program.h"
#include "helpers/runtime/learn_refusal.h"
#include "helpers/runtime/learn_report.h"
#include "helpers/runtime/manual_options.h"
#include "helpers/runtime/seccomp_filter.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/unit/helpers/confined_child.h"

namespace ccinit::policy {
extern const Policy policy_lockdown;
}

namespace ccinit::helper {
namespace {

using Program = std::vector<sock_filter>;

Program shipped_lockdown() {
  return {policy::policy_lockdown.program.begin(), policy::policy_lockdown.program.end()};
}

bool returns(const sock_filter& insn, std::uint32_t action) {
  return insn.code == (BPF_RET | BPF_K) && (insn.k & SECCOMP_RET_ACTION_FULL) == action;
}

TEST(LearnProgram, OnlyTheKillReturnsOfTheShippedProgramBecomeNotifications) {
  const Program shipped = shipped_lockdown();
  const Program learn = learn_program(shipped);
  const std::size_t guard = learn_guard_size();
  ASSERT_EQ(learn.size(), guard + shipped.size());
  std::size_t kills = 0, other_returns = 0;
  for (std::size_t i = 0; i < shipped.size(); ++i) {
    const sock_filter& before = shipped[i];
    const sock_filter& after = learn[guard + i];
    if (returns(before, SECCOMP_RET_KILL_PROCESS)) {
      ++kills;
      EXPECT_EQ(after.code, BPF_RET | BPF_K) << "instruction " << i;
      EXPECT_EQ(after.k, SECCOMP_RET_USER_NOTIF) << "instruction " << i;
      continue;
    }
    if (BPF_CLASS(before.code) == BPF_RET) ++other_returns;  // allow, clone3's ENOSYS
    EXPECT_EQ(after.code, before.code) << "instruction " << i;
    EXPECT_EQ(after.jt, before.jt) << "instruction " << i;
    EXPECT_EQ(after.jf, before.jf) << "instruction " << i;
    EXPECT_EQ(after.k, before.k) << "instruction " << i;
  }
  EXPECT_GE(kills, 1u);
  EXPECT_GE(other_returns, 2u);
  // The guard keeps kill returns of its own (wrong architecture, x32) and no notification.
  const auto guard_end = learn.begin() + static_cast<std::ptrdiff_t>(guard);
  EXPECT_TRUE(std::any_of(learn.begin(), guard_end, [](const sock_filter& i) {
    return returns(i, SECCOMP_RET_KILL_PROCESS);
  }));
  EXPECT_FALSE(std::any_of(learn.begin(), guard_end, [](const sock_filter& i) {
    return returns(i, SECCOMP_RET_USER_NOTIF);
  }));
}

TEST(LearnProgram, RefusesWhatItCannotJudge) {
  EXPECT_THROW(learn_program({}), std::runtime_error);
  const Program computed = {{BPF_RET | BPF_A, 0, 0, 0}};
  EXPECT_THROW(learn_program(computed), std::runtime_error);
}

// How a child that makes one raw syscall under `program` ended: 0 when the call went
// through, 38 when it failed with ENOSYS, 1 when it failed otherwise, or -signal.
int run_under(const Program& program, long nr, long arg0 = 0) {
  const auto outcome = testing::run_confined(program, [nr, arg0] {
    const long rc = ::syscall(nr, arg0, 0, 0);
    return rc >= 0 ? 0 : errno == ENOSYS ? 38 : 1;
  });
  return outcome.exited ? outcome.code : -outcome.signal;
}

// Against the kernel, with no listener: a notification then fails the call with ENOSYS.
TEST(LearnProgram, ARefusedCallIsNotKilledButForeignNumbersStillAre) {
  const Program shipped = shipped_lockdown();
  const Program learn = learn_program(shipped);
  EXPECT_EQ(run_under(shipped, SYS_getppid), -SIGSYS);
  EXPECT_EQ(run_under(learn, SYS_getppid), ENOSYS);
  EXPECT_EQ(run_under(learn, SYS_socket, AF_INET), ENOSYS);
  EXPECT_EQ(run_under(learn, SYS_getpid), 0);  // allowed stays allowed
#if defined(__x86_64__)
  // getpid through the x32 ABI: killed by the guard, as by the shipped prologue.
  EXPECT_EQ(run_under(shipped, 0x40000000L | SYS_getpid), -SIGSYS);
  EXPECT_EQ(run_under(learn, 0x40000000L | SYS_getpid), -SIGSYS);
#endif
}

TEST(RefusalLog, OneLinePerDistinctCallWithItsCountsAndCallers) {
  RefusalLog log(policy::policy_lockdown);
  const SyscallArgs inet = {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0x7ffd1234, 9, 9};
  const SyscallArgs inet_other_junk = {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0x55, 1, 2};
  const SyscallArgs unix_dgram = {AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0};
  log.record(SYS_socket, inet, "lockdown");
  log.record(SYS_socket, inet_other_junk, "nvidia-smi");
  log.record(SYS_socket, unix_dgram, "lockdown");
  log.record(SYS_getppid, {1, 2, 3, 4, 5, 6}, "lockdown");
  log.record(SYS_ptrace, {}, "lockdown");
  EXPECT_EQ(log.report(),
            "lockdown: learn: the shipped policy would have refused 4 distinct calls (5 calls "
            "in all), as policy lines to review:\n"
            "getppid  # 1 call: lockdown; arguments of the first: 0x1 0x2 0x3 0x4 0x5 0x6\n"
            "# ptrace  # 1 call: lockdown; arguments of the first: 0x0 0x0 0x0 0x0 0x0 0x0; "
            "never allowed by any policy (fixed prologue), so answered EPERM, not run\n"
            "socket: arg0 == AF_UNIX && arg1 == SOCK_DGRAM && arg2 == 0  # 1 call: lockdown\n"
            "socket: arg0 == AF_INET && arg1 == SOCK_STREAM|SOCK_CLOEXEC && arg2 == 0  "
            "# 2 calls: lockdown (1), nvidia-smi (1)\n");
  EXPECT_TRUE(log.never_allowed(SYS_ptrace));
  EXPECT_FALSE(log.never_allowed(SYS_socket));
}

TEST(RefusalLog, ArgumentsThePolicyChecksTellCallsApart) {
  // lockdown's openat rules check arg2 (the flags): a write-and-create open is its own line.
  RefusalLog log(policy::policy_lockdown);
  log.record(SYS_openat, {0xffffff9c, 0x1000, 0x41, 0644, 0, 0}, "lockdown");
  EXPECT_NE(log.report().find("\nopenat: arg2 == O_WRONLY|O_CREAT  # 1 call: lockdown\n"),
            std::string::npos)
      << log.report();
  EXPECT_EQ(RefusalLog(policy::policy_lockdown).report(),
            "lockdown: learn: the shipped policy would have refused nothing in this run\n");
}

TEST(LearnRefusal, NeverAsAChildOfPidOneOrInACcinitGuest) {
  EXPECT_EQ(why_learn_is_refused(1, "/proc/self/exe", "/proc/self/exe").value_or(""),
            "its parent is PID 1 (learn mode is for a helper run by hand, never in a boot)");
  // PID 1 running this very executable: every helper in a guest is a link to ccinit.
  EXPECT_EQ(why_learn_is_refused(4242, "/proc/self/exe", "/proc/self/exe").value_or(""),
            "PID 1 of this PID namespace is ccinit itself (/proc/self/exe is this executable): "
            "this is a ccinit guest");
  EXPECT_EQ(why_learn_is_refused(4242, "/nonexistent/exe", "/proc/self/exe").value_or(""),
            "cannot tell whether PID 1 is ccinit (/nonexistent/exe: No such file or directory)");
  // Another executable as PID 1: a host, where an operator may learn.
  EXPECT_EQ(why_learn_is_refused(4242, "/proc/self/cwd", "/proc/self/exe"), std::nullopt);
}

TEST(LearnOptions, LearnIsAFlagThatRunsTheHelper) {
  const std::vector<std::string_view> args = {"--learn", "--dry-run"};
  const ManualOptions o = parse_manual_options(args);
  EXPECT_TRUE(o.learn);
  EXPECT_TRUE(o.dry_run);
  for (std::string_view print : {"--print-policy", "--print-bpf"}) {
    const std::vector<std::string_view> both = {"--learn", print};
    try {
      parse_manual_options(both);
      ADD_FAILURE() << print;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()),
                "--learn runs the helper; it cannot go with " + std::string(print));
    }
  }
}

// The bad helper under the lockdown policy, by hand: its seccomp mode calls
// socket(AF_INET), which the policy lacks.
testing::ProgramRun bad_helper(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {testing::bin_dir() + "/ccinit-test-bad-helper"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_program(argv);
}

std::size_t count_lines_starting(const testing::ProgramRun& run, const std::string& prefix) {
  std::size_t n = 0;
  for (const std::string& line : run.out_lines()) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

TEST(LearnMode, TheRefusedCallIsRecordedAndReportedInsteadOfKilling) {
  const auto killed = bad_helper({"--cmdline", "test.bad_helper=seccomp"});
  EXPECT_EQ(killed.exit_code, -SIGSYS) << killed.describe();

  const auto learned = bad_helper({"--learn", "--cmdline", "test.bad_helper=seccomp"});
  // Not killed: the call went on, and the helper ended as its mode does when it is not
  // refused (a failed result naming it).
  EXPECT_TRUE(learned.exited_with(1)) << learned.describe();
  EXPECT_NE(learned.out.find("lockdown: failed: socket(AF_INET) was not refused"),
            std::string::npos)
      << learned.describe();
  EXPECT_NE(learned.out.find("lockdown: learn: the shipped policy would have refused 1 distinct "
                             "call (1 call in all), as policy lines to review:\n"),
            std::string::npos)
      << learned.describe();
  EXPECT_EQ(count_lines_starting(learned, "socket:"), 1u) << learned.describe();
  EXPECT_EQ(count_lines_starting(learned,
                                 "socket: arg0 == AF_INET && arg1 == SOCK_STREAM|SOCK_CLOEXEC && "
                                 "arg2 == 0  # 1 call: ccinit-test-bad"),
            1u)
      << learned.describe();
}

TEST(LearnMode, ARunWithNothingRefusedSaysSo) {
  const auto run = bad_helper({"--learn", "--cmdline", "test.bad_helper=ok"});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_NE(run.out.find("lockdown: ok\n"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("lockdown: learn: the shipped policy would have refused nothing in this "
                         "run\n"),
            std::string::npos)
      << run.describe();
}

}  // namespace
}  // namespace ccinit::helper
