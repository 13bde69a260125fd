#include "policy/bpf_listing.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <string>
#include <vector>

#include "policy/policy_codegen.h"
#include "policy/policy_parser.h"
#include "policy/syscall_names.h"

namespace ccinit::policy {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(BpfListing, NamesFieldsSyscallsActionsAndJumpTargets) {
  // A hand-written filter: x86_64 only; getpid allowed; write allowed to fd 1 only.
  const std::vector<sock_filter> program = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
  };
  const std::string text = bpf_listing(program);
  EXPECT_TRUE(contains(text, "    0  ld [4]")) << text;
  EXPECT_TRUE(contains(text, "; arch\n")) << text;
  EXPECT_TRUE(contains(text, "    1  jeq #0xc000003e  jt 2 jf 9")) << text;
  EXPECT_TRUE(contains(text, "; AUDIT_ARCH_X86_64\n")) << text;
  EXPECT_TRUE(contains(text, "    3  jeq #0x27  jt 8 jf 4")) << text;
  EXPECT_TRUE(contains(text, "; getpid\n")) << text;
  EXPECT_TRUE(contains(text, "; write\n")) << text;
  EXPECT_TRUE(contains(text, "; arg0 (low 32 bits)\n")) << text;
  EXPECT_TRUE(contains(text, "    6  and #0xff\n")) << text;
  EXPECT_TRUE(contains(text, "; arg0 (low 32 bits), masked\n")) << text;
  EXPECT_TRUE(contains(text, "    8  ret ALLOW\n")) << text;
  EXPECT_TRUE(contains(text, "    9  ret ERRNO(1)\n")) << text;
  // One line per instruction.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(program.size()));
}

TEST(BpfListing, ACompiledPolicyReadsAsItsPrologueRulesAndDefault) {
  const auto parsed = parse_policy_text("# why\ngetpid\nclose\n", "t.policy", "/nonexistent");
  const std::string text = bpf_listing(compile_program(parsed));
  const auto arch = text.find("; AUDIT_ARCH_X86_64");
  const auto x32 = text.find("; x32 syscall numbers");
  const auto getpid = text.find("; getpid");
  ASSERT_NE(arch, std::string::npos) << text;
  ASSERT_NE(x32, std::string::npos) << text;
  ASSERT_NE(getpid, std::string::npos) << text;
  EXPECT_LT(arch, x32);
  EXPECT_LT(x32, getpid);
  EXPECT_TRUE(contains(text, "; close")) << text;
  EXPECT_TRUE(contains(text, "ret ALLOW\n")) << text;
  EXPECT_TRUE(text.ends_with("ret KILL_PROCESS\n")) << text;
}

TEST(SyscallNames, TheGeneratedTableNamesThisArchitecturesSyscalls) {
  EXPECT_EQ(kSyscallTableArch, AUDIT_ARCH_X86_64);
  EXPECT_EQ(syscall_name(SYS_read), "read");
  EXPECT_EQ(syscall_name(SYS_socket), "socket");
  EXPECT_EQ(syscall_name(SYS_finit_module), "finit_module");
  EXPECT_EQ(syscall_name(-1), "");
  EXPECT_EQ(syscall_name(100000), "");
}

}  // namespace
}  // namespace ccinit::policy
