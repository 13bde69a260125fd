#include "helpers/runtime/seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "policy/policy_parser.h"

namespace ccinit::helper {
namespace {

using policy::ArgCheck;
using policy::Op;
using policy::Policy;
using policy::Rule;

// x32 syscall numbers are the x86_64 ones with this bit set.
constexpr long kX32SyscallBit = 0x40000000;

// How a child that loaded a filter ended.
struct Outcome {
  bool exited = false;
  int code = -1;
  int signal = 0;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  if (o.exited) return os << "exited with " << o.code;
  return os << "killed by signal " << o.signal << " (" << strsignal(o.signal) << ")";
}

// Runs `body` in a forked child under the filter of `policy`. After the load the child only
// makes raw syscalls (no allocation, no sanitizer interceptors) and leaves with exit_group,
// so nothing outside the test's allow-list runs there. Exit code 100: the load failed.
Outcome run_confined(const Policy& policy, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    try {
      load_seccomp_filter(policy);
    } catch (...) {
      ::syscall(SYS_exit_group, 100);
    }
    ::syscall(SYS_exit_group, body());
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  Outcome out;
  out.exited = WIFEXITED(status);
  if (out.exited) out.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

bool killed_by_sigsys(const Outcome& o) {
  return !o.exited && o.signal == SIGSYS;
}
bool succeeded(const Outcome& o) {
  return o.exited && o.code == 0;
}

// 0 when the raw syscall returned without an error.
int ok(long rc) {
  return rc < 0 ? 1 : 0;
}

constexpr ArgCheck kFcntlGetfd[] = {{1, Op::kEq, 0, F_GETFD}};
constexpr ArgCheck kMmapNoExec[] = {{2, Op::kMaskedEq, PROT_EXEC, 0}};
constexpr Rule kTestRules[] = {
    {"exit_group", {}, "test:1: exit_group"},
    {"getpid", {}, "test:2: getpid"},
    {"fcntl", kFcntlGetfd, "test:3: fcntl: arg1 == F_GETFD"},
    {"mmap", kMmapNoExec, "test:4: mmap: arg2 & PROT_EXEC == 0"},
};
constexpr Policy kTestPolicy = {"test", false, kTestRules};

TEST(SeccompFilterTest, AllowedCallsSucceed) {
  EXPECT_TRUE(succeeded(run_confined(kTestPolicy, [] { return ok(::syscall(SYS_getpid)); })));
  EXPECT_TRUE(
      succeeded(run_confined(kTestPolicy, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFD)); })));
  EXPECT_TRUE(succeeded(run_confined(kTestPolicy, [] {
    return ok(::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  })));
}

TEST(SeccompFilterTest, AnAlteredArgumentKillsWithSigsys) {
  auto o = run_confined(kTestPolicy, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFL)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
  o = run_confined(kTestPolicy, [] {
    return ok(::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0));
  });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

TEST(SeccompFilterTest, AnUnlistedSyscallKillsWithSigsys) {
  const auto o = run_confined(kTestPolicy, [] { return ok(::syscall(SYS_getppid)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

TEST(SeccompFilterTest, PtraceBpfAndRebootKill) {
  // Arguments the kernel would refuse anyway, should the filter let them through.
  auto o = run_confined(kTestPolicy, [] { return ok(::syscall(SYS_ptrace, -1L, 0, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "ptrace: " << o;
  o = run_confined(kTestPolicy, [] { return ok(::syscall(SYS_bpf, -1L, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "bpf: " << o;
  o = run_confined(kTestPolicy, [] { return ok(::syscall(SYS_reboot, 0, 0, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "reboot: " << o;
}

TEST(SeccompFilterTest, AnX32SyscallNumberKills) {
  // getpid is allowed, but not through the x32 ABI.
  const auto o =
      run_confined(kTestPolicy, [] { return ok(::syscall(kX32SyscallBit | SYS_getpid)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

// Each comparison, against the kernel: fcntl(0, F_GETFD = 1) and fcntl(0, F_GETFL = 3).
TEST(SeccompFilterTest, EachComparisonAllowsExactlyWhatItSays) {
  struct Case {
    Op op;
    std::uint64_t mask, value;
    bool getfd_allowed, getfl_allowed;
  };
  const Case cases[] = {
      {Op::kEq, 0, 1, true, false},       {Op::kNe, 0, 1, false, true},
      {Op::kLt, 0, 3, true, false},       {Op::kLe, 0, 1, true, false},
      {Op::kGt, 0, 1, false, true},       {Op::kGe, 0, 3, false, true},
      {Op::kMaskedEq, 2, 0, true, false},
  };
  for (const Case& c : cases) {
    const ArgCheck checks[] = {{1, c.op, c.mask, c.value}};
    const Rule rules[] = {{"exit_group", {}, "exit_group"}, {"fcntl", checks, "fcntl"}};
    const Policy policy = {"test", false, rules};
    const auto getfd = run_confined(policy, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFD)); });
    const auto getfl = run_confined(policy, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFL)); });
    const int op = static_cast<int>(c.op);
    EXPECT_EQ(succeeded(getfd), c.getfd_allowed) << "op " << op << ": " << getfd;
    EXPECT_EQ(killed_by_sigsys(getfd), !c.getfd_allowed) << "op " << op << ": " << getfd;
    EXPECT_EQ(succeeded(getfl), c.getfl_allowed) << "op " << op << ": " << getfl;
    EXPECT_EQ(killed_by_sigsys(getfl), !c.getfl_allowed) << "op " << op << ": " << getfl;
  }
}

std::string refusal(const Policy& policy) {
  try {
    describe_seccomp_filter(policy);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(SeccompFilterTest, ATableListingAPrologueSyscallIsRefusedNotLoaded) {
  for (const char* never : {"ptrace", "bpf", "kexec_load", "kexec_file_load", "reboot"}) {
    const Rule rules[] = {{"exit_group", {}, "x:1: exit_group"}, {never, {}, "x:2: sneaky"}};
    const Policy policy = {"test", false, rules};
    const std::string err = refusal(policy);
    EXPECT_NE(err.find("seccomp rule 'x:2: sneaky': " + std::string(never) + " is never allowed"),
              std::string::npos)
        << err;
    // load_seccomp_filter refuses it before loading anything: the child reports the error
    // (exit code 100) instead of running under the filter.
    const auto o = run_confined(policy, [] { return 0; });
    EXPECT_TRUE(o.exited && o.code == 100) << never << ": " << o;
  }
}

TEST(SeccompFilterTest, ModuleLoadingNeedsThePolicyFlag) {
  const Rule rules[] = {{"finit_module", {}, "x:1: finit_module"}};
  EXPECT_NE(refusal(Policy{"test", false, rules}).find("@allow module-loading"), std::string::npos);
  EXPECT_EQ(refusal(Policy{"test", true, rules}), "");
}

TEST(SeccompFilterTest, RefusesUnknownSyscallsAndVoidedConditions) {
  const Rule unknown[] = {{"no_such_call", {}, "x:1: no_such_call"}};
  EXPECT_NE(refusal(Policy{"test", false, unknown}).find("unknown syscall 'no_such_call'"),
            std::string::npos);
  const Rule mixed[] = {{"fcntl", kFcntlGetfd, "x:1: fcntl: arg1 == F_GETFD"},
                        {"fcntl", {}, "x:2: fcntl"}};
  EXPECT_NE(refusal(Policy{"test", false, mixed}).find("both with and without conditions"),
            std::string::npos);
  const ArgCheck bad_arg[] = {{6, Op::kEq, 0, 1}};
  const Rule out_of_range[] = {{"fcntl", bad_arg, "x:1: fcntl"}};
  EXPECT_NE(refusal(Policy{"test", false, out_of_range}).find("argument 6 out of range"),
            std::string::npos);
}

TEST(SeccompFilterTest, DescriptionListsTheRulesThenTheExport) {
  const std::string text = describe_seccomp_filter(kTestPolicy);
  const auto rules_at = text.find("  fcntl if arg1 == 0x1");
  const auto source_at = text.find("# test:3: fcntl: arg1 == F_GETFD");
  const auto pfc_at = text.find("# pseudo filter code start");
  EXPECT_NE(rules_at, std::string::npos) << text;
  EXPECT_NE(source_at, std::string::npos) << text;
  EXPECT_NE(text.find("  mmap if arg2 & 0x4 == 0x0"), std::string::npos) << text;
  EXPECT_NE(text.find("never allowed: ptrace bpf kexec_load kexec_file_load reboot "
                      "init_module finit_module delete_module"),
            std::string::npos)
      << text;
  ASSERT_NE(pfc_at, std::string::npos) << text;
  EXPECT_LT(rules_at, pfc_at);
  EXPECT_NE(text.find("if ($syscall == " + std::to_string(SYS_getpid) + ")", pfc_at),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("action KILL_PROCESS;", pfc_at), std::string::npos) << text;
}

// The shipped baseline, compiled as policyc does, against the kernel.
class RuntimeBaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    parsed_ = policy::parse_policy_file(std::filesystem::path(CCINIT_SOURCE_DIR) / "policy" /
                                        "runtime.policy");
    for (const auto& r : parsed_.rules) rules_.push_back({r.syscall, r.checks, r.text});
    policy_ = {"runtime", parsed_.loads_modules, rules_};
  }
  policy::ParsedPolicy parsed_;
  std::vector<Rule> rules_;
  Policy policy_{};
};

TEST_F(RuntimeBaselineTest, ReadsFilesButNeverWritesCreatesOrTruncatesThem) {
  const auto open_status = [](int flags) {
    return [flags] {
      const long fd = ::syscall(SYS_openat, AT_FDCWD, "/proc/self/status", flags);
      if (fd < 0) return 1;
      char buf[64];
      if (::syscall(SYS_read, fd, buf, sizeof buf) <= 0) return 2;
      return ok(::syscall(SYS_close, fd));
    };
  };
  EXPECT_TRUE(succeeded(run_confined(policy_, open_status(O_RDONLY | O_CLOEXEC))));
  for (int flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT}) {
    const auto o = run_confined(policy_, open_status(flags));
    EXPECT_TRUE(killed_by_sigsys(o)) << "flags " << flags << ": " << o;
  }
}

TEST_F(RuntimeBaselineTest, MapsMemoryButNeverExecutableMemory) {
  const auto map = [](int prot) {
    return [prot] {
      const long addr =
          ::syscall(SYS_mmap, nullptr, 8192, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (addr < 0) return 1;
      return ok(::syscall(SYS_munmap, addr, 8192));
    };
  };
  EXPECT_TRUE(succeeded(run_confined(policy_, map(PROT_READ | PROT_WRITE))));
  EXPECT_TRUE(succeeded(run_confined(policy_, map(PROT_NONE))));
  for (int prot : {PROT_EXEC, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC}) {
    const auto o = run_confined(policy_, map(prot));
    EXPECT_TRUE(killed_by_sigsys(o)) << "prot " << prot << ": " << o;
  }
  const auto o =
      run_confined(policy_, [] { return ok(::syscall(SYS_mprotect, nullptr, 0, PROT_READ)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "mprotect: " << o;
}

TEST_F(RuntimeBaselineTest, LeavesOutDescriptorTricksAndSignalsToOthers) {
  for (long nr : {long{SYS_fcntl}, long{SYS_dup}, long{SYS_tgkill}, long{SYS_kill},
                  long{SYS_socket}, long{SYS_ioctl}, long{SYS_execve}, long{SYS_clone}}) {
    // Arguments that would fail harmlessly if the call got through.
    const auto o = run_confined(policy_, [nr] { return ok(::syscall(nr, -1L, -1L, -1L)); });
    EXPECT_TRUE(killed_by_sigsys(o)) << "syscall " << nr << ": " << o;
  }
}

}  // namespace
}  // namespace ccinit::helper
