#include "helpers/runtime/seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "policy/policy_codegen.h"
#include "policy/policy_parser.h"
#include "tests/unit/helpers/confined_child.h"

namespace ccinit::policy {
extern const Policy policy_gpu_configurator;
extern const Policy policy_fabric_launcher;
}  // namespace ccinit::policy

namespace ccinit::helper {
namespace {

using policy::ArgCheck;
using policy::compile_program;
using policy::Op;
using policy::ParsedPolicy;
using policy::ParsedRule;
using Program = std::vector<sock_filter>;

// x32 syscall numbers are the x86_64 ones with this bit set.
constexpr long kX32SyscallBit = 0x40000000;

using Outcome = testing::ConfinedOutcome;
using testing::run_confined;

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

// The test policy, written as a policy file and compiled in-process like policyc does.
constexpr char kTestPolicyText[] =
    "# what the tests call\n"
    "exit_group\n"
    "getpid\n"
    "fcntl: arg1 == F_GETFD\n"
    "# never executable\n"
    "mmap: arg2 & PROT_EXEC == 0\n";

ParsedPolicy test_policy() {
  return policy::parse_policy_text(kTestPolicyText, "test.policy", "/nonexistent");
}

const Program& test_program() {
  static const Program program = compile_program(test_policy());
  return program;
}

TEST(SeccompFilterTest, AllowedCallsSucceed) {
  EXPECT_TRUE(succeeded(run_confined(test_program(), [] { return ok(::syscall(SYS_getpid)); })));
  EXPECT_TRUE(
      succeeded(run_confined(test_program(), [] { return ok(::syscall(SYS_fcntl, 0, F_GETFD)); })));
  EXPECT_TRUE(succeeded(run_confined(test_program(), [] {
    return ok(::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  })));
}

TEST(SeccompFilterTest, AnAlteredArgumentKillsWithSigsys) {
  auto o = run_confined(test_program(), [] { return ok(::syscall(SYS_fcntl, 0, F_GETFL)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
  o = run_confined(test_program(), [] {
    return ok(::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0));
  });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

TEST(SeccompFilterTest, AnUnlistedSyscallKillsWithSigsys) {
  const auto o = run_confined(test_program(), [] { return ok(::syscall(SYS_getppid)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

TEST(SeccompFilterTest, PtraceBpfAndRebootKill) {
  // Arguments the kernel would refuse anyway, should the filter let them through.
  auto o = run_confined(test_program(), [] { return ok(::syscall(SYS_ptrace, -1L, 0, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "ptrace: " << o;
  o = run_confined(test_program(), [] { return ok(::syscall(SYS_bpf, -1L, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "bpf: " << o;
  o = run_confined(test_program(), [] { return ok(::syscall(SYS_reboot, 0, 0, 0, 0)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "reboot: " << o;
}

TEST(SeccompFilterTest, AnX32SyscallNumberKills) {
  // getpid is allowed, but not through the x32 ABI.
  const auto o =
      run_confined(test_program(), [] { return ok(::syscall(kX32SyscallBit | SYS_getpid)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}

// Runs `program` on `data` the way the kernel's classic BPF interpreter would, for the
// instructions libseccomp emits; returns the action. For what no test process can make the
// kernel do on a machine without the other ABI.
std::uint32_t evaluate(const Program& program, const seccomp_data& data) {
  const auto word = [&](std::uint32_t offset) {
    std::uint32_t v = 0;
    if (offset + sizeof v > sizeof data) throw std::runtime_error("load out of seccomp_data");
    std::memcpy(&v, reinterpret_cast<const char*>(&data) + offset, sizeof v);
    return v;
  };
  std::uint32_t acc = 0;
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& insn = program[pc];
    switch (insn.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        acc = word(insn.k);
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        acc &= insn.k;
        break;
      case BPF_JMP | BPF_JA:
        pc += insn.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += acc == insn.k ? insn.jt : insn.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += acc > insn.k ? insn.jt : insn.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += acc >= insn.k ? insn.jt : insn.jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (acc & insn.k) ? insn.jt : insn.jf;
        break;
      case BPF_RET | BPF_K:
        return insn.k;
      default:
        throw std::runtime_error("instruction the test cannot evaluate: " +
                                 std::to_string(insn.code));
    }
  }
  throw std::runtime_error("the program ran off its end");
}

TEST(SeccompFilterTest, TheProgramKillsEveryOtherArchitecture) {
  seccomp_data data{};
  data.nr = SYS_getpid;
  data.arch = AUDIT_ARCH_X86_64;
  EXPECT_EQ(evaluate(test_program(), data), SECCOMP_RET_ALLOW);
  for (std::uint32_t arch :
       {std::uint32_t{AUDIT_ARCH_I386}, std::uint32_t{AUDIT_ARCH_AARCH64}, 0u}) {
    data.arch = arch;
    EXPECT_EQ(evaluate(test_program(), data), SECCOMP_RET_KILL_PROCESS) << std::hex << arch;
  }
}

#if defined(__x86_64__)
// getpid through the i386 ABI (int 0x80, i386 number 20): the seccomp_data arch is then
// AUDIT_ARCH_I386, a foreign architecture for these programs.
int i386_getpid() {
  long rc = 20;
  asm volatile("int $0x80" : "+a"(rc) : : "memory");
  return rc > 0 ? 0 : 1;
}

TEST(SeccompFilterTest, AForeignArchitectureKills) {
  // Without a filter first: a kernel without IA-32 emulation cannot make the call at all.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGSEGV, SIG_DFL);  // no sanitizer report for the kernel refusing int 0x80
    ::syscall(SYS_exit_group, i386_getpid());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    GTEST_SKIP() << "this kernel has no IA-32 emulation (int 0x80 does not work here)";
  const auto o = run_confined(test_program(), i386_getpid);
  EXPECT_TRUE(killed_by_sigsys(o)) << o;
}
#endif

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
    ParsedPolicy policy;
    policy.rules = {{"exit_group", {}, "exit_group"},
                    {"fcntl", {{1, c.op, c.mask, c.value}}, "fcntl"}};
    const Program program = compile_program(policy);
    const auto getfd = run_confined(program, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFD)); });
    const auto getfl = run_confined(program, [] { return ok(::syscall(SYS_fcntl, 0, F_GETFL)); });
    const int op = static_cast<int>(c.op);
    EXPECT_EQ(succeeded(getfd), c.getfd_allowed) << "op " << op << ": " << getfd;
    EXPECT_EQ(killed_by_sigsys(getfd), !c.getfd_allowed) << "op " << op << ": " << getfd;
    EXPECT_EQ(succeeded(getfl), c.getfl_allowed) << "op " << op << ": " << getfl;
    EXPECT_EQ(killed_by_sigsys(getfl), !c.getfl_allowed) << "op " << op << ": " << getfl;
  }
}

TEST(SeccompFilterTest, AnEmptyProgramIsRefusedRatherThanRunningUnconfined) {
  const auto o = run_confined(Program{}, [] { return 0; });
  EXPECT_TRUE(o.exited && o.code == 100) << o;
}

std::string refusal(const ParsedPolicy& policy) {
  try {
    compile_program(policy);
  } catch (const policy::PolicyError& e) {
    return e.what();
  }
  return "";
}

// A rule table made by hand (not through the parser) still gets no program that allows
// what the fixed prologue refuses.
TEST(SeccompFilterTest, NoProgramIsMadeFromATableListingAPrologueSyscall) {
  for (const char* never : {"ptrace", "bpf", "kexec_load", "kexec_file_load", "reboot"}) {
    ParsedPolicy policy;
    policy.rules = {{"exit_group", {}, "x:1: exit_group"}, {never, {}, "x:2: sneaky"}};
    const std::string err = refusal(policy);
    EXPECT_NE(err.find("seccomp rule 'x:2: sneaky': " + std::string(never) + " is never allowed"),
              std::string::npos)
        << err;
  }
}

TEST(SeccompFilterTest, ModuleLoadingNeedsThePolicyFlag) {
  ParsedPolicy policy;
  policy.rules = {{"finit_module", {}, "x:1: finit_module"}};
  EXPECT_NE(refusal(policy).find("@allow module-loading"), std::string::npos);
  policy.loads_modules = true;
  EXPECT_EQ(refusal(policy), "");
}

TEST(SeccompFilterTest, RefusesUnknownSyscallsAndVoidedConditions) {
  ParsedPolicy unknown;
  unknown.rules = {{"no_such_call", {}, "x:1: no_such_call"}};
  EXPECT_NE(refusal(unknown).find("unknown syscall 'no_such_call'"), std::string::npos);
  ParsedPolicy mixed;
  mixed.rules = {{"fcntl", {{1, Op::kEq, 0, F_GETFD}}, "x:1: fcntl: arg1 == F_GETFD"},
                 {"fcntl", {}, "x:2: fcntl"}};
  EXPECT_NE(refusal(mixed).find("both with and without conditions"), std::string::npos);
  ParsedPolicy out_of_range;
  out_of_range.rules = {{"fcntl", {{6, Op::kEq, 0, 1}}, "x:1: fcntl"}};
  EXPECT_NE(refusal(out_of_range).find("argument 6 out of range"), std::string::npos);
}

TEST(SeccompFilterTest, DescriptionListsTheRulesThenTheProgram) {
  const ParsedPolicy parsed = test_policy();
  std::vector<policy::Rule> rules;
  for (const auto& r : parsed.rules) rules.push_back({r.syscall, r.checks, r.text});
  const policy::Policy policy{"test", false, rules, test_program()};
  const std::string text = describe_seccomp_filter(policy);
  const auto rules_at = text.find("  fcntl if arg1 == 0x1");
  const auto source_at = text.find("# test.policy:4: fcntl: arg1 == F_GETFD");
  const auto program_at =
      text.find("BPF program (" + std::to_string(test_program().size()) + " instructions");
  EXPECT_NE(rules_at, std::string::npos) << text;
  EXPECT_NE(source_at, std::string::npos) << text;
  EXPECT_NE(text.find("  mmap if arg2 & 0x4 == 0x0"), std::string::npos) << text;
  EXPECT_NE(text.find("never allowed: ptrace bpf kexec_load kexec_file_load reboot "
                      "init_module finit_module delete_module"),
            std::string::npos)
      << text;
  ASSERT_NE(program_at, std::string::npos) << text;
  EXPECT_LT(rules_at, program_at);
  EXPECT_NE(text.find("; getpid\n", program_at), std::string::npos) << text;
  EXPECT_NE(text.find("ret KILL_PROCESS\n", program_at), std::string::npos) << text;
}

// The shipped baseline, compiled as policyc does, against the kernel.
class RuntimeBaselineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    program_ = compile_program(policy::parse_policy_file(std::filesystem::path(CCINIT_SOURCE_DIR) /
                                                         "policy" / "runtime.policy"));
  }
  Program program_;
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
  EXPECT_TRUE(succeeded(run_confined(program_, open_status(O_RDONLY | O_CLOEXEC))));
  for (int flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT}) {
    const auto o = run_confined(program_, open_status(flags));
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
  EXPECT_TRUE(succeeded(run_confined(program_, map(PROT_READ | PROT_WRITE))));
  EXPECT_TRUE(succeeded(run_confined(program_, map(PROT_NONE))));
  for (int prot : {PROT_EXEC, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC}) {
    const auto o = run_confined(program_, map(prot));
    EXPECT_TRUE(killed_by_sigsys(o)) << "prot " << prot << ": " << o;
  }
  const auto o =
      run_confined(program_, [] { return ok(::syscall(SYS_mprotect, nullptr, 0, PROT_READ)); });
  EXPECT_TRUE(killed_by_sigsys(o)) << "mprotect: " << o;
}

TEST_F(RuntimeBaselineTest, LeavesOutDescriptorTricksAndSignalsToOthers) {
  for (long nr : {long{SYS_fcntl}, long{SYS_dup}, long{SYS_tgkill}, long{SYS_kill},
                  long{SYS_socket}, long{SYS_ioctl}, long{SYS_execve}, long{SYS_clone}}) {
    // Arguments that would fail harmlessly if the call got through.
    const auto o = run_confined(program_, [nr] { return ok(::syscall(nr, -1L, -1L, -1L)); });
    EXPECT_TRUE(killed_by_sigsys(o)) << "syscall " << nr << ": " << o;
  }
}

// clone3's flags are in memory a filter cannot read: the prologue answers it ENOSYS in every
// policy, so a helper's tools (which keep CAP_SYS_ADMIN) cannot ask it for a new namespace,
// and glibc creates their threads with clone, whose flags the policies check.
TEST(SeccompFilterTest, Clone3IsAnsweredEnosysAndCloneCannotMakeANamespace) {
  for (const policy::Policy* policy :
       {&policy::policy_gpu_configurator, &policy::policy_fabric_launcher}) {
    SCOPED_TRACE(std::string(policy->helper));
    const Program program(policy->program.begin(), policy->program.end());
    EXPECT_TRUE(succeeded(run_confined(program, [] {
      std::uint64_t args[11] = {CLONE_NEWUSER | CLONE_NEWNS};  // struct clone_args: flags
      const long rc = ::syscall(SYS_clone3, args, sizeof args);
      return rc == -1 && errno == ENOSYS ? 0 : 1;
    })));
    EXPECT_TRUE(killed_by_sigsys(run_confined(program, [] {
      return ok(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0));
    })));
    // What FM's and nvidia-smi's threads need: pthread_create falls back to clone.
    EXPECT_TRUE(succeeded(run_confined(program, [] {
      pthread_t thread;
      int value = 0;
      if (pthread_create(
              &thread, nullptr,
              [](void* p) -> void* {
                *static_cast<int*>(p) = 42;
                return nullptr;
              },
              &value) != 0)
        return 1;
      return pthread_join(thread, nullptr) == 0 && value == 42 ? 0 : 2;
    })));
  }
}

}  // namespace
}  // namespace ccinit::helper
