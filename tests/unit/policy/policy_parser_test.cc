#include "policy/policy_parser.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/named_constants.h"
#include "policy/policy_codegen.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::policy {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

class PolicyParserTest : public ::testing::Test {
 protected:
  ParsedPolicy parse(const std::string& text) {
    return parse_policy_text(text, "t.policy", dir_.path());
  }
  // The one-line error the text is refused with ("" when it is accepted).
  std::string error(const std::string& text) {
    try {
      parse(text);
    } catch (const PolicyError& e) {
      return e.what();
    }
    return "";
  }
  TempDir dir_{"policy_test"};
};

// The error names the file and line and says what is wrong, on one line.
#define EXPECT_POLICY_ERROR(text, where, words)                                    \
  do {                                                                             \
    const std::string err_ = error(text);                                          \
    EXPECT_TRUE(err_.starts_with(std::string(where) + ": ")) << "error: " << err_; \
    EXPECT_NE(err_.find(words), std::string::npos) << "error: " << err_;           \
    EXPECT_EQ(err_.find('\n'), std::string::npos) << "error: " << err_;            \
  } while (0)

TEST_F(PolicyParserTest, AcceptsTheDocumentedSyntax) {
  dir_.write("base.policy", "# basics\nread\nwrite\n");
  const auto p = parse(
      "# Comments start with '#'.\n"
      "@include base.policy           # one level deep only\n"
      "close\n"
      "# mmap: never writable and executable together\n"
      "mmap: arg2 & PROT_WRITE|PROT_EXEC != PROT_WRITE|PROT_EXEC\n"
      "# socket: local only\n"
      "socket: arg0 == AF_UNIX\n"
      "ioctl: arg1 == SIOCGIFFLAGS || arg1 == SIOCSIFFLAGS    # trailing comment also counts\n"
      "openat: arg2 & O_ACCMODE == O_RDONLY && arg2 & O_CREAT == 0\n");
  EXPECT_FALSE(p.loads_modules);
  std::vector<std::string> names;
  for (const auto& r : p.rules) names.push_back(r.syscall);
  EXPECT_EQ(names, (std::vector<std::string>{"read", "write", "close", "mmap", "mmap", "mmap",
                                             "socket", "ioctl", "ioctl", "openat"}));
  EXPECT_EQ(p.rules[0].text, "base.policy:2: read");
  EXPECT_EQ(p.rules[2].text, "t.policy:3: close");
  EXPECT_EQ(p.rules[6].checks, (std::vector<ArgCheck>{{0, Op::kEq, 0, AF_UNIX}}));
  EXPECT_EQ(p.rules[7].checks, (std::vector<ArgCheck>{{1, Op::kEq, 0, SIOCGIFFLAGS}}));
  EXPECT_EQ(p.rules[8].checks, (std::vector<ArgCheck>{{1, Op::kEq, 0, SIOCSIFFLAGS}}));
  EXPECT_EQ(p.rules[8].text, "t.policy:8: ioctl: arg1 == SIOCGIFFLAGS || arg1 == SIOCSIFFLAGS");
  // Two masked conditions on one argument become one comparison (libseccomp's limit).
  EXPECT_EQ(p.rules[9].checks,
            (std::vector<ArgCheck>{{2, Op::kMaskedEq, O_ACCMODE | O_CREAT, O_RDONLY}}));
}

TEST_F(PolicyParserTest, NamedConstantsHaveTheSystemHeadersValues) {
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"AF_UNIX", AF_UNIX},
      {"AF_NETLINK", AF_NETLINK},
      {"SOCK_DGRAM", SOCK_DGRAM},
      {"SOCK_CLOEXEC", SOCK_CLOEXEC},
      {"PROT_EXEC", PROT_EXEC},
      {"PROT_WRITE", PROT_WRITE},
      {"MAP_ANONYMOUS", MAP_ANONYMOUS},
      {"MAP_PRIVATE", MAP_PRIVATE},
      {"O_RDONLY", O_RDONLY},
      {"O_ACCMODE", O_ACCMODE},
      {"O_CREAT", O_CREAT},
      {"O_CLOEXEC", O_CLOEXEC},
      {"O_DIRECTORY", O_DIRECTORY},
      {"SIOCGIFFLAGS", SIOCGIFFLAGS},
      {"SIOCSIFFLAGS", SIOCSIFFLAGS},
      {"F_GETFD", F_GETFD},
      {"F_SETFL", F_SETFL},
      {"F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC},
      {"CLONE_NEWNS", CLONE_NEWNS},
      {"CLONE_VM", CLONE_VM},
      {"PR_SET_NO_NEW_PRIVS", PR_SET_NO_NEW_PRIVS},
      {"PR_SET_PDEATHSIG", PR_SET_PDEATHSIG},
      {"MS_BIND", MS_BIND},
      {"MS_REMOUNT", MS_REMOUNT},
      {"MS_NOSUID", MS_NOSUID},
      {"MNT_DETACH", MNT_DETACH},
      {"SIGCHLD", SIGCHLD},
      {"SIGTERM", SIGTERM},
      {"WNOHANG", WNOHANG},
  };
  for (const auto& [name, value] : expected) {
    EXPECT_EQ(find_named_constant(name), value) << name;
  }
  EXPECT_EQ(find_named_constant("PROT_WRTE"), std::nullopt);
  const auto all = named_constants();
  EXPECT_GT(all.size(), 250u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
}

TEST_F(PolicyParserTest, ValuesAreNumbersInAnyBaseOrConstantsOrTheirUnion) {
  const auto p = parse(
      "# values\n"
      "getpriority: arg0 == 0x10 || arg0 == 010 || arg0 == 9 || arg0 == AF_INET|AF_UNIX\n");
  ASSERT_EQ(p.rules.size(), 4u);
  EXPECT_EQ(p.rules[0].checks[0].value, 16u);
  EXPECT_EQ(p.rules[1].checks[0].value, 8u);
  EXPECT_EQ(p.rules[2].checks[0].value, 9u);
  EXPECT_EQ(p.rules[3].checks[0].value, static_cast<std::uint64_t>(AF_INET | AF_UNIX));
  EXPECT_EQ(parse("# max\ngetpriority: arg1 == 0xffffffffffffffff\n").rules[0].checks[0].value,
            ~std::uint64_t{0});
}

TEST_F(PolicyParserTest, EachComparisonMapsToItsOperator) {
  const auto p = parse(
      "# ops\n"
      "getpriority: arg0 == 1 || arg0 != 2 || arg0 < 3 || arg0 <= 4 || arg0 > 5 || arg0 >= 6\n");
  ASSERT_EQ(p.rules.size(), 6u);
  const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(p.rules[i].checks, (std::vector<ArgCheck>{{0, ops[i], 0, i + 1}})) << i;
  }
}

TEST_F(PolicyParserTest, ConjunctionsOnSeveralArgumentsAreSortedByArgument) {
  const auto p = parse("# two args\nsocket: arg1 == SOCK_DGRAM && arg0 == AF_UNIX  # local\n");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].checks,
            (std::vector<ArgCheck>{{0, Op::kEq, 0, AF_UNIX}, {1, Op::kEq, 0, SOCK_DGRAM}}));
}

TEST_F(PolicyParserTest, EqualityAndMaskOnOneArgumentMerge) {
  const auto p = parse("# merge\nfcntl: arg1 == 3 && arg1 & 1 == 1\n");
  EXPECT_EQ(p.rules[0].checks, (std::vector<ArgCheck>{{1, Op::kEq, 0, 3}}));
}

TEST_F(PolicyParserTest, MaskedNotEqualBecomesTheOtherValuesOfTheMaskedBits) {
  const auto p =
      parse("# w^x\nmmap: arg2 & PROT_WRITE|PROT_EXEC != PROT_WRITE|PROT_EXEC # no wx\n");
  const std::uint64_t mask = PROT_WRITE | PROT_EXEC;
  ASSERT_EQ(p.rules.size(), 3u);
  EXPECT_EQ(p.rules[0].checks, (std::vector<ArgCheck>{{2, Op::kMaskedEq, mask, 0}}));
  EXPECT_EQ(p.rules[1].checks, (std::vector<ArgCheck>{{2, Op::kMaskedEq, mask, PROT_WRITE}}));
  EXPECT_EQ(p.rules[2].checks, (std::vector<ArgCheck>{{2, Op::kMaskedEq, mask, PROT_EXEC}}));
  for (const auto& r : p.rules) EXPECT_EQ(r.text, p.rules[0].text);
}

// For every argument value, the expansion allows it exactly when the written condition
// holds.
TEST_F(PolicyParserTest, MaskedNotEqualExpansionIsEquivalentToTheCondition) {
  struct Case {
    std::uint64_t mask, value;
  };
  for (const Case c : {Case{0x5, 0x4}, Case{0xf0, 0x30}, Case{0x1, 0x0}, Case{0x8001, 0x8001}}) {
    const std::string text = "# case\ngetpriority: arg0 & " + std::to_string(c.mask) +
                             " != " + std::to_string(c.value) + "\n";
    const auto p = parse(text);
    EXPECT_EQ(p.rules.size(), (1u << std::popcount(c.mask)) - 1) << text;
    for (std::uint64_t x = 0; x < 0x10000; x += (x < 0x200 ? 1 : 0x7f)) {
      bool allowed = false;
      for (const auto& r : p.rules) {
        const ArgCheck& k = r.checks.at(0);
        allowed = allowed || (x & k.mask) == k.value;
      }
      EXPECT_EQ(allowed, (x & c.mask) != c.value) << text << " x=" << x;
    }
  }
}

TEST_F(PolicyParserTest, MaskedNotEqualWithAFourBitMaskGivesFifteenRulesAndFiveBitsAreRefused) {
  EXPECT_EQ(parse("# 4 bits\ngetpriority: arg0 & 0xf != 3\n").rules.size(), 15u);
  EXPECT_POLICY_ERROR("# 5 bits\ngetpriority: arg0 & 0x1f != 3\n", "t.policy:2",
                      "the mask has 5 bits");
}

TEST_F(PolicyParserTest, RefusesConditionsThatCannotMeanWhatTheySay) {
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 & 0 == 0\n", "t.policy:2", "the mask is 0");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 & 3 == 4\n", "t.policy:2", "never holds");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 & 3 != 4\n", "t.policy:2", "always holds");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 == 1 && arg0 == 2\n", "t.policy:2",
                      "can never hold together");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 > 1 && arg0 < 5\n", "t.policy:2",
                      "arg0 is compared twice");
}

TEST_F(PolicyParserTest, RefusesUnknownSyscalls) {
  EXPECT_POLICY_ERROR("# x\nread\nreed\n", "t.policy:3", "unknown syscall 'reed'");
  // A name libseccomp knows, but not a syscall of this architecture.
  EXPECT_POLICY_ERROR("# x\nsocketcall\n", "t.policy:2", "'socketcall'");
}

TEST_F(PolicyParserTest, RefusesDuplicateRules) {
  EXPECT_POLICY_ERROR("# x\nread\nwrite\nread\n", "t.policy:4",
                      "duplicate rule: read is already allowed by t.policy:2");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 == 1\n\n# y\ngetpriority: arg0 == 0x1\n",
                      "t.policy:5", "already allowed by t.policy:2");
  EXPECT_POLICY_ERROR("# x\ngetpriority: arg0 == 1 || arg0 == 1\n", "t.policy:2", "duplicate rule");
  dir_.write("base.policy", "# base\nread\n");
  EXPECT_POLICY_ERROR("# x\n@include base.policy\nread\n", "t.policy:3",
                      "read is already allowed by base.policy:2");
  // Different conditions for the same syscall are separate rules, not duplicates.
  EXPECT_EQ(parse("# x\ngetpriority: arg0 == 1\ngetpriority: arg0 == 2\n").rules.size(), 2u);
}

TEST_F(PolicyParserTest, RefusesMixingUnconditionalAndConditionalRulesOfOneSyscall) {
  dir_.write("base.policy", "# base\nfcntl: arg1 == F_GETFD\n");
  EXPECT_POLICY_ERROR("# x\n@include base.policy\nfcntl\n", "t.policy:3",
                      "would void the conditions of base.policy:2");
  EXPECT_POLICY_ERROR("# x\nfcntl\nfcntl: arg1 == F_GETFD\n", "t.policy:3",
                      "already allowed without conditions by t.policy:2");
}

TEST_F(PolicyParserTest, RefusesSyntaxErrors) {
  EXPECT_POLICY_ERROR("# x\nread arg0 == 1\n", "t.policy:2", "syntax error: expected ':'");
  EXPECT_POLICY_ERROR("# x\nread:\n", "t.policy:2", "syntax error: expected a condition");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 = 1 # s\n", "t.policy:2", "unexpected character '='");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 == # s\n", "t.policy:2",
                      "expected a number or a constant, found the end of the line");
  EXPECT_POLICY_ERROR("# x\nsocket: arg6 == 1 # s\n", "t.policy:2", "unknown argument 'arg6'");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 & 1 < 1 # s\n", "t.policy:2",
                      "expected '==' or '!=' after a mask");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 == 1 arg1 == 2 # s\n", "t.policy:2",
                      "expected '&&', '||' or the end of the rule, found 'arg1'");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 == 0x1g # s\n", "t.policy:2", "bad number '0x1g'");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 == 09 # s\n", "t.policy:2", "bad number '09'");
  EXPECT_POLICY_ERROR("# x\nsocket: arg0 == 18446744073709551616 # s\n", "t.policy:2",
                      "does not fit in 64 bits");
  EXPECT_POLICY_ERROR("# x\nRead\n", "t.policy:2", "'Read' is not a syscall name");
  EXPECT_POLICY_ERROR("# x\n@import base.policy\n", "t.policy:2", "unknown directive '@import'");
  EXPECT_POLICY_ERROR("# x\n@include\n", "t.policy:2", "@include takes exactly one argument");
}

TEST_F(PolicyParserTest, RefusesUnknownConstants) {
  EXPECT_POLICY_ERROR("# x\nmmap: arg2 & PROT_WRTE == 0  # m\n", "t.policy:2",
                      "unknown constant 'PROT_WRTE'");
}

TEST_F(PolicyParserTest, IncludesAreOneLevelDeepAndMustExist) {
  dir_.write("inner.policy", "# inner\nread\n");
  dir_.write("outer.policy", "# outer\n@include inner.policy\nwrite\n");
  EXPECT_POLICY_ERROR("# x\n@include outer.policy\n", (dir_ / "outer.policy").string() + ":2",
                      "one level deep only");
  EXPECT_POLICY_ERROR(
      "# x\n@include missing.policy\n", "t.policy:2",
      "cannot read " + (dir_ / "missing.policy").string() + ": No such file or directory");
  EXPECT_POLICY_ERROR("# x\n@include ../inner.policy\n", "t.policy:2", "no '..'");
  EXPECT_POLICY_ERROR("# x\n@include /etc/passwd\n", "t.policy:2", "relative");
  EXPECT_POLICY_ERROR("# x\n@include inner.policy\n@include inner.policy\n", "t.policy:3",
                      "already included");
  // An error inside an included file names that file and its line.
  dir_.write("bad.policy", "# bad\nread\nnot_a_syscall\n");
  EXPECT_POLICY_ERROR("# x\n@include bad.policy\n", (dir_ / "bad.policy").string() + ":3",
                      "unknown syscall 'not_a_syscall'");
}

TEST_F(PolicyParserTest, EveryGroupNeedsAComment) {
  EXPECT_POLICY_ERROR("read\n", "t.policy:1", "rules without a comment");
  EXPECT_POLICY_ERROR("# why\nread\n\nwrite\nclose\n", "t.policy:4", "rules without a comment");
  // An empty comment says nothing.
  EXPECT_POLICY_ERROR("#\nread\n", "t.policy:2", "rules without a comment");
  EXPECT_EQ(parse("# why\nread\n\n# and why\nwrite\nclose\n").rules.size(), 3u);
  dir_.write("base.policy", "read\n");
  EXPECT_POLICY_ERROR("# x\n@include base.policy\n", (dir_ / "base.policy").string() + ":1",
                      "rules without a comment");
}

TEST_F(PolicyParserTest, RiskySyscallsNeedACommentOfTheirOwn) {
  EXPECT_POLICY_ERROR("# memory\nbrk\nmmap: arg2 & PROT_EXEC == 0\n", "t.policy:3",
                      "mmap is a risky syscall and needs a comment of its own");
  EXPECT_POLICY_ERROR("# x\nread\n\n# y\nwrite\nioctl: arg1 == SIOCGIFFLAGS\n", "t.policy:6",
                      "ioctl is a risky syscall");
  for (const char* risky : {"clone", "execve", "mount", "setns", "unshare", "prctl", "mprotect",
                            "kill", "setuid", "capset", "keyctl", "io_uring_setup"}) {
    EXPECT_POLICY_ERROR(std::string("# x\nread\n") + risky + "\n", "t.policy:3",
                        std::string(risky) + " is a risky syscall");
  }
  // The comment directly above, or a trailing one, is its own.
  EXPECT_EQ(parse("# x\nread\n# clone: spawn daemons\nclone\n").rules.size(), 2u);
  EXPECT_EQ(parse("# x\nread\nclone  # spawn daemons\n").rules.size(), 2u);
  EXPECT_EQ(parse("# clone: spawn daemons\nclone\n").rules.size(), 1u);
  EXPECT_FALSE(is_risky_syscall("read"));
  EXPECT_TRUE(is_risky_syscall("init_module"));
}

TEST_F(PolicyParserTest, TheFixedPrologueIsRefusedInAnyPolicy) {
  for (const char* never : {"ptrace", "bpf", "kexec_load", "kexec_file_load", "reboot"}) {
    EXPECT_POLICY_ERROR(std::string("# x\n") + never + "\n", "t.policy:2",
                        std::string(never) + " is never allowed");
    EXPECT_POLICY_ERROR(
        std::string("# x\n@allow module-loading\n") + never + "\n# m\ninit_module\n", "t.policy:3",
        "never allowed");
  }
}

TEST_F(PolicyParserTest, Clone3CannotBeListedItIsAnsweredEnosys) {
  EXPECT_POLICY_ERROR("# threads\nclone3\n", "t.policy:2",
                      "clone3 is answered ENOSYS in every policy (its flags are out of a "
                      "filter's reach; glibc then uses clone): allow clone with its flag "
                      "conditions instead");
}

TEST_F(PolicyParserTest, ModuleLoadingNeedsTheAllowDirective) {
  for (const char* mod : {"init_module", "finit_module", "delete_module"}) {
    EXPECT_POLICY_ERROR(std::string("# x\nread\n# modules\n") + mod + "\n", "t.policy:4",
                        std::string(mod) + " needs '@allow module-loading'");
  }
  const auto p = parse("# modules\n@allow module-loading\n# load nvidia\nfinit_module\n");
  EXPECT_TRUE(p.loads_modules);
  EXPECT_POLICY_ERROR("# x\n@allow module-loading\nread\n", "t.policy:2",
                      "no init_module, finit_module or delete_module rule");
  EXPECT_POLICY_ERROR("# x\n@allow everything\n", "t.policy:2", "unknown @allow 'everything'");
  dir_.write("base.policy", "# base\n@allow module-loading\n");
  EXPECT_POLICY_ERROR("# x\n@include base.policy\n# m\nfinit_module\n",
                      (dir_ / "base.policy").string() + ":2",
                      "belongs in the helper's own policy file");
}

TEST_F(PolicyParserTest, ReadsFilesAndReportsMissingOnes) {
  EXPECT_THROW(parse_policy_file(dir_ / "nope.policy"), PolicyError);
  try {
    parse_policy_file(dir_ / "nope.policy");
  } catch (const PolicyError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.policy: cannot read the policy"), std::string::npos);
  }
}

// The same policy in two build trees gives byte-identical generated code, with only base
// names of policy files in it.
TEST_F(PolicyParserTest, GeneratedSourceIsDeterministic) {
  const std::string inc = "# base\nread\nwrite\n";
  const std::string top =
      "# top\n@include runtime.policy\n# w^x\nmmap: arg2 & PROT_WRITE|PROT_EXEC != "
      "PROT_WRITE|PROT_EXEC\n# why\ngetpriority: arg0 == 1 && arg1 > 2\n";
  TempDir a{"policy_test"}, b{"policy_test"};
  a.write("runtime.policy", inc);
  b.write("runtime.policy", inc);
  const auto out_a =
      generate_policy_source(parse_policy_file(a.write("x.policy", top)), "x", "policy_x");
  const auto out_b =
      generate_policy_source(parse_policy_file(b.write("x.policy", top)), "x", "policy_x");
  EXPECT_EQ(out_a, out_b);
  EXPECT_EQ(out_a.find(a.path()), std::string::npos);
  EXPECT_NE(out_a.find("\"runtime.policy:2: read\""), std::string::npos) << out_a;
  EXPECT_NE(out_a.find("{1, Op::kGt, 0x0, 0x2}"), std::string::npos) << out_a;
  EXPECT_NE(out_a.find("extern const Policy policy_x;\n"
                       "const Policy policy_x = {\"x\", false, kRules, kProgram};"),
            std::string::npos)
      << out_a;
  // The program is in it, instruction by instruction: first the architecture load.
  EXPECT_NE(out_a.find("constexpr sock_filter kProgram[] = {\n    {0x20, 0, 0, 0x4},"),
            std::string::npos)
      << out_a;
}

// The program does not depend on the kernel that builds it (the libseccomp API level is
// pinned, nothing is probed), nor on anything but the policy.
TEST_F(PolicyParserTest, TheProgramIsTheSameEveryTime) {
  const auto p = parse("# why\nread\n# why\nopenat: arg2 & O_ACCMODE == O_RDONLY\n");
  const auto first = compile_program(p);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(program_bytes(compile_program(p)), program_bytes(first));
  EXPECT_EQ(program_bytes(first).size(), first.size() * sizeof(sock_filter));
}

TEST_F(PolicyParserTest, SanitizerRulesAddTheSanitizerRuntimesCallsOnce) {
  auto p = parse("# why\nread\nfutex\n# why\npipe2: arg1 == O_CLOEXEC\n");
  add_sanitizer_rules(p);
  int pipe2 = 0, futex = 0, sigaltstack = 0, madvise = 0;
  for (const auto& r : p.rules) {
    if (r.syscall == "pipe2") {
      ++pipe2;
      EXPECT_TRUE(r.checks.empty()) << "a conditional pipe2 would fail the sanitizer";
    }
    futex += r.syscall == "futex";
    sigaltstack += r.syscall == "sigaltstack";
    madvise += r.syscall == "madvise";
  }
  EXPECT_EQ(pipe2, 1);
  EXPECT_EQ(futex, 1);
  EXPECT_EQ(sigaltstack, 1);
  EXPECT_EQ(madvise, 1);
  EXPECT_NO_THROW(compile_program(p));
}

TEST_F(PolicyParserTest, GeneratedSourceEscapesTextAndHandlesAnEmptyPolicy) {
  ParsedPolicy p;
  p.rules.push_back({"read", {}, "a \"b\" \\ c\n\x01"});
  const auto src = generate_policy_source(p, "x", "policy_x");
  EXPECT_NE(src.find(R"({"read", {}, "a \"b\" \\ c\012\001"},)"), std::string::npos) << src;
  const auto empty = generate_policy_source(parse("# nothing\n"), "empty", "policy_empty");
  EXPECT_NE(empty.find("const Policy policy_empty = {\"empty\", false, {}, kProgram};"),
            std::string::npos)
      << empty;
}

// The shipped baseline is a valid policy and keeps its promises.
TEST_F(PolicyParserTest, RuntimeBaselineParsesAndNeverAllowsExecutableMappings) {
  const auto p = parse_policy_file(fs::path(CCINIT_SOURCE_DIR) / "policy" / "runtime.policy");
  EXPECT_FALSE(p.loads_modules);
  bool has_mmap = false;
  for (const auto& r : p.rules) {
    EXPECT_FALSE(r.syscall == "ioctl" || r.syscall == "socket" || r.syscall == "execve" ||
                 r.syscall == "mprotect" || r.syscall == "fcntl")
        << r.text;
    if (r.syscall != "mmap") continue;
    has_mmap = true;
    ASSERT_EQ(r.checks.size(), 1u) << r.text;
    EXPECT_EQ(r.checks[0].op, Op::kMaskedEq) << r.text;
    EXPECT_TRUE(r.checks[0].mask & PROT_EXEC) << r.text;
    EXPECT_FALSE(r.checks[0].value & PROT_EXEC) << r.text;
  }
  EXPECT_TRUE(has_mmap);
}

// policyc itself: the build rule's command line, exit status and messages.
class PolicycTest : public ::testing::Test {
 protected:
  struct Run {
    int status;
    std::string err;
  };
  // `args` are words without spaces, as the build passes them.
  Run policyc(const std::string& args) {
    std::vector<std::string> argv = {testing::bin_dir() + "/policyc"};
    std::istringstream words(args);
    for (std::string word; words >> word;) argv.push_back(word);
    testing::ProgramRun run = testing::run_program(argv);
    return {run.exit_code, run.err};
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  TempDir dir_{"policy_test"};
};

TEST_F(PolicycTest, WritesTheTableAndFailsTheBuildWithOneLine) {
  ASSERT_TRUE(fs::exists(std::string(CCINIT_BINARY_DIR) + "/bin/policyc"));
  dir_.write("runtime.policy", "# base\nread\n");
  const auto good = dir_.write("good.policy", "# x\n@include runtime.policy\n# why\nwrite\n");
  const auto out = dir_ / "good_policy.cc";
  const auto bpf = dir_ / "good.bpf";
  auto r = policyc("--name good --symbol policy_good --output " + out.string() + " --bpf-out " +
                   bpf.string() + " " + good.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string text = read(out);
  EXPECT_NE(text.find("{\"write\", {}, \"good.policy:4: write\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("const Policy policy_good = {"), std::string::npos) << text;
  EXPECT_EQ(read(bpf), program_bytes(compile_program(parse_policy_file(good))));

  // The same from another directory (a copy of the tree): the same bytes.
  TempDir other{"policy_test"};
  other.write("runtime.policy", "# base\nread\n");
  const auto copy = other.write("good.policy", "# x\n@include runtime.policy\n# why\nwrite\n");
  r = policyc("--name good --symbol policy_good --output " + (other / "out.cc").string() + " " +
              copy.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read(other / "out.cc"), text);

  r = policyc("--name good --symbol 9lives --output " + out.string() + " " + good.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--symbol 9lives: expected a C++ identifier"), std::string::npos) << r.err;

  const auto bad = dir_.write("bad.policy", "# x\n@include runtime.policy\n# why\nptrace\n");
  const auto bad_out = dir_ / "bad_policy.cc";
  r = policyc("--name bad --symbol policy_bad --output " + bad_out.string() + " " + bad.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, bad.string() +
                       ":4: ptrace is never allowed: the fixed prologue refuses "
                       "ptrace, bpf, kexec_load, kexec_file_load and reboot in every "
                       "policy\n");
  EXPECT_FALSE(fs::exists(bad_out));

  r = policyc("--name good --symbol policy_good " + good.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("usage: policyc"), std::string::npos);
}

TEST_F(PolicycTest, WritesTheSyscallNameTable) {
  const auto out = dir_ / "syscall_names.cc";
  auto r = policyc("--syscall-table " + out.string());
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string text = read(out);
  // x86_64: read is 0, write 1, open 2.
  EXPECT_NE(text.find("constexpr std::string_view kNames[] = {\n    \"read\",\n    \"write\",\n"
                      "    \"open\",\n"),
            std::string::npos)
      << text.substr(0, 400);
  EXPECT_NE(text.find("const std::uint32_t kSyscallTableArch = 0xc000003e;"), std::string::npos);
  r = policyc("--syscall-table " + out.string() + " --name x");
  EXPECT_EQ(r.status, 1);
}

}  // namespace
}  // namespace ccinit::policy
