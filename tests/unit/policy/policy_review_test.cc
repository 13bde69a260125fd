#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/dm-ioctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include <filesystem>
#include <string>
#include <vector>

#include "policy/policy_parser.h"
#include "policy/review/constant_names.h"
#include "policy/review/policy_diff.h"
#include "policy/review/review_report.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"

// policy-review: what a reviewer of the seccomp policies is told.
namespace ccinit::policy::review {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* kTable =
    "# the table's own header\n"
    "#\n"
    "# h: mount(2) needs CAP_SYS_ADMIN.\n"
    "h | 30 | planned | CAP_SYS_ADMIN | a test helper\n";

class PolicyReviewTest : public ::testing::Test {
 protected:
  // A policy directory with one helper `h` (and the table naming it).
  fs::path write_helper(const std::string& policy, const std::string& table = kTable) {
    dir_.write("h.policy", policy);
    dir_.write("helpers.table", table);
    return dir_.path();
  }
  std::vector<std::string> lint_findings() { return lint(dir_.path(), dir_ / "helpers.table"); }
  HelperPolicy load(const std::string& sub, const std::string& policy) {
    fs::create_directories(dir_ / sub);
    dir_.write(sub + "/h.policy", policy);
    return load_policy(dir_ / sub / "h.policy");
  }
  std::vector<HelperDiff> diff(const std::string& old_policy, const std::string& new_policy) {
    return diff_policies({load("old", old_policy)}, {load("new", new_policy)});
  }
  ccinit::testing::ProgramRun review(std::vector<std::string> args) {
    args.insert(args.begin(), ccinit::testing::bin_dir() + "/policy-review");
    return ccinit::testing::run_program(args);
  }
  TempDir dir_{"policy_review_test"};
};

// --- lint ------------------------------------------------------------------------------

TEST_F(PolicyReviewTest, TheCommittedPoliciesLintClean) {
  const std::string src = ccinit::testing::source_dir();
  EXPECT_EQ(lint(src + "/policy", src + "/helpers/helpers.table"), std::vector<std::string>{});
}

TEST_F(PolicyReviewTest, LintWantsAJustificationOfItsOwnForADangerousSyscall) {
  // mknod is not in the build's list, so the build accepts it under the group's comment.
  write_helper("# device nodes for the driver\nmknodat: arg2 & S_IFMT == S_IFCHR\nmknod\n");
  const auto findings = lint_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rfind((dir_ / "h.policy").string() + ":3: mknod is dangerous", 0), 0u)
      << findings[0];
  EXPECT_NE(findings[0].find("S_IFMT"), std::string::npos) << "names the safe form";
}

TEST_F(PolicyReviewTest, LintAcceptsATrailingCommentOrTheSafeArgumentForm) {
  write_helper(
      "# device nodes for the driver\n"
      "mknodat  # character devices of the driver\n"
      "mknod: arg1 & S_IFMT == S_IFIFO\n");
  EXPECT_EQ(lint_findings(), std::vector<std::string>{});
}

TEST_F(PolicyReviewTest, LintReportsTheBuildsOwnChecksAsFindings) {
  write_helper("# local sockets\nread\nsocket: arg0 == AF_UNIX\n");
  const auto findings = lint_findings();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rfind((dir_ / "h.policy").string() + ":3: socket is a risky syscall", 0),
            0u)
      << findings[0];
}

TEST_F(PolicyReviewTest, LintWantsEveryCapabilityJustifiedAndEveryHelperAPolicy) {
  write_helper("# reading\nread\n",
               "# h: mount(2) needs CAP_SYS_ADMIN.\n"
               "h | 30 | planned | CAP_SYS_ADMIN CAP_MKNOD | a test helper\n"
               "#\n"
               "# g: nothing\n"
               "g | 30 | planned | none | another\n");
  const std::string table = (dir_ / "helpers.table").string();
  EXPECT_EQ(lint_findings(),
            (std::vector<std::string>{
                table + ":2: h keeps CAP_MKNOD, but the comment above its row does not say why",
                table + ":5: g has no policy " + (dir_ / "g.policy").string()}));
}

TEST_F(PolicyReviewTest, LintExitsNonZeroWithOneLinePerFinding) {
  write_helper("# device nodes\nmknodat  # the driver's\nmknod\n");
  const auto run = review({"--policy-dir", dir_.path(), "--table", dir_ / "helpers.table", "lint"});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  ASSERT_EQ(run.out_lines().size(), 1u) << run.describe();
  EXPECT_EQ(run.out_lines()[0].rfind((dir_ / "h.policy").string() + ":3: mknod", 0), 0u);
}

// --- explain ---------------------------------------------------------------------------

TEST_F(PolicyReviewTest, ConditionsAreWrittenWithNamedConstants) {
  EXPECT_EQ(value_text("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC), "O_ACCMODE|O_CREAT|O_TRUNC");
  EXPECT_EQ(value_text("openat", 2, O_WRONLY), "O_WRONLY");
  EXPECT_EQ(value_text("mount", 3, MS_RDONLY | MS_NOSUID | MS_NODEV),
            "MS_RDONLY|MS_NOSUID|MS_NODEV");
  EXPECT_EQ(value_text("clone", 0, CLONE_VM | CLONE_FS | SIGCHLD), "CLONE_VM|CLONE_FS|SIGCHLD");
  EXPECT_EQ(value_text("kill", 1, SIGKILL), "SIGKILL");
  EXPECT_EQ(value_text("ioctl", 1, DM_DEV_CREATE), "DM_DEV_CREATE");
  EXPECT_EQ(value_text("mkdirat", 2, 0755), "0755");
  EXPECT_EQ(value_text("socket", 2, 0), "0") << "IPPROTO_IP or NETLINK_ROUTE: the family decides";
  EXPECT_EQ(value_text("read", 2, 4096), "0x1000");
}

TEST_F(PolicyReviewTest, ExplainListsCapabilitiesAndEveryRuleWithRiskSourceAndJustification) {
  write_helper(
      "# h: a test helper\n"
      "\n"
      "# Reading its request.\n"
      "read\n"
      "# Only local sockets, for syslog.\n"
      "socket: arg0 == AF_UNIX || arg0 == AF_INET\n"
      "# Mounting its one filesystem.\n"
      "mount: arg3 == MS_RDONLY|MS_NOSUID\n");
  const auto rows = load_helper_table(dir_ / "helpers.table");
  const HelperPolicy p = load_policy(dir_ / "h.policy");
  const std::string md = explain(p, &rows[0], Format::kMarkdown);
  EXPECT_NE(md.find("- `CAP_SYS_ADMIN`: h: mount(2) needs CAP_SYS_ADMIN\n"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| `read` | any arguments | low | h.policy:4 | Reading its request. |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `socket` | `arg0 == AF_UNIX` | medium | h.policy:6 | Only local sockets, "
                    "for syslog. |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `socket` | `arg0 == AF_INET` | high | h.policy:6 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| `mount` | `arg3 == MS_RDONLY\\|MS_NOSUID` | critical | h.policy:8 | "
                    "Mounting its one filesystem. |"),
            std::string::npos)
      << md;

  const std::string json = explain(p, &rows[0], Format::kJson);
  EXPECT_NE(json.find("{\"id\": \"h.policy:6#1\", \"syscall\": \"socket\", \"conditions\": "
                      "\"arg0 == AF_INET\", \"checks\": [{\"arg\": 0, \"op\": \"eq\", \"mask\": "
                      "0, \"value\": 2}], \"risk\": \"high\", \"file\": \"h.policy\", \"line\": 6"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"capabilities\": [{\"name\": \"CAP_SYS_ADMIN\", \"justification\": \"h: "
                      "mount(2) needs CAP_SYS_ADMIN\"}]"),
            std::string::npos)
      << json;

  const std::string text = explain(p, &rows[0], Format::kText);
  EXPECT_NE(text.find("mount   critical  h.policy:8"), std::string::npos) << text;
  EXPECT_NE(text.find("why: Mounting its one filesystem."), std::string::npos) << text;
}

TEST_F(PolicyReviewTest, ARuleWithoutItsOwnCommentIsJustifiedByTheLastCommentAboveIt) {
  write_helper(
      "# --- the tool runner ---\n"
      "# Pipes for the tools.\n"
      "pipe2\n"
      "dup2\n"
      "# Reaping them.\n"
      "wait4\n"
      "waitid\n");
  const HelperPolicy p = load_policy(dir_ / "h.policy");
  ASSERT_EQ(p.rules.size(), 4u);
  EXPECT_EQ(p.rules[1].reason(), "the tool runner:\nPipes for the tools.");
  EXPECT_EQ(p.rules[3].reason(), "Reaping them.");
  EXPECT_EQ(p.rules[3].group_comment, "the tool runner:\nPipes for the tools.");
}

// --- diff ------------------------------------------------------------------------------

constexpr const char* kBase =
    "# why\n"
    "read\n"
    "write\n"
    "# local sockets only\n"
    "socket: arg0 == AF_UNIX\n"
    "# memory\n"
    "mmap: arg2 & PROT_WRITE|PROT_EXEC != PROT_WRITE|PROT_EXEC\n";

TEST_F(PolicyReviewTest, ReorderedAndRewrittenRulesAreNoChange) {
  EXPECT_TRUE(diff(kBase,
                   "# memory, never writable and executable\n"
                   "mmap: arg2 & PROT_EXEC == 0 || arg2 & PROT_WRITE == 0\n"
                   "\n"
                   "# sockets\n"
                   "socket: arg0 == AF_UNIX\n"
                   "# io\n"
                   "write\n"
                   "read\n")
                  .empty());
}

TEST_F(PolicyReviewTest, ALoosenedArgumentCheckIsAWidening) {
  const auto d = diff(kBase,
                      "# why\nread\nwrite\n# sockets\nsocket\n"
                      "# memory\nmmap: arg2 & PROT_EXEC == 0 || arg2 & PROT_WRITE == 0\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].widens());
  ASSERT_EQ(d[0].widened.size(), 1u);
  EXPECT_EQ(d[0].widened[0].syscall, "socket");
  EXPECT_TRUE(d[0].widened[0].checks.empty());
  EXPECT_EQ(diff_text(d), "h: widens: socket: any arguments (h.policy:5)\n");

  const auto mmap = diff(
      kBase,
      "# why\nread\nwrite\n# sockets\nsocket: arg0 == AF_UNIX\n"
      "# memory\nmmap: arg2 & PROT_EXEC == 0\nmmap: arg2 & PROT_WRITE == 0  # or not writable\n"
      "# and exec\nmmap: arg2 == PROT_EXEC|PROT_WRITE\n");
  ASSERT_EQ(mmap.size(), 1u);
  EXPECT_EQ(diff_text(mmap), "h: widens: mmap: arg2 == PROT_WRITE|PROT_EXEC (h.policy:10)\n");
}

TEST_F(PolicyReviewTest, AWiderRangeIsAWideningAndANarrowerOneANarrowing) {
  const auto wider = diff("# a\nkill: arg1 < 10\n", "# a\nkill: arg1 <= 10\n");
  ASSERT_EQ(wider.size(), 1u);
  EXPECT_TRUE(wider[0].widens());
  const auto narrower = diff("# a\nkill: arg1 < 10\n", "# a\nkill: arg1 == SIGKILL\n");
  ASSERT_EQ(narrower.size(), 1u);
  EXPECT_FALSE(narrower[0].widens());
  EXPECT_EQ(narrower[0].narrowed.size(), 1u);
}

TEST_F(PolicyReviewTest, ARemovedRuleIsANarrowing) {
  const auto d = diff(kBase,
                      "# why\nread\n# local sockets only\nsocket: arg0 == AF_UNIX\n"
                      "# memory\nmmap: arg2 & PROT_WRITE|PROT_EXEC != PROT_WRITE|PROT_EXEC\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].widens());
  EXPECT_EQ(diff_text(d), "h: narrows: write: any arguments (was h.policy:3)\n");
}

TEST_F(PolicyReviewTest, DiffExitsNonZeroOnlyWhenNewWidens) {
  load("old", kBase);
  load("new", std::string(kBase) + "# and files\nopenat\n");
  const auto widening = review({"diff", dir_ / "old", dir_ / "new"});
  EXPECT_TRUE(widening.exited_with(1)) << widening.describe();
  // Bare policy directories: the helper tables are not there to compare.
  const std::string note = "capabilities not compared: " + (dir_ / "old").string() +
                           " has no helper table (give a source tree with helpers/helpers.table, "
                           "or --old-table FILE)\n";
  EXPECT_EQ(widening.out, "h: widens: openat: any arguments (h.policy:9)\n" + note);
  const auto narrowing = review({"diff", dir_ / "new", dir_ / "old"});
  EXPECT_TRUE(narrowing.exited_with(0)) << narrowing.describe();
  EXPECT_EQ(narrowing.out, "h: narrows: openat: any arguments (was h.policy:9)\n" +
                               std::string("capabilities not compared: ") +
                               (dir_ / "new").string() +
                               " has no helper table (give a source tree with "
                               "helpers/helpers.table, or --old-table FILE)\n");
}

// --- score -----------------------------------------------------------------------------

TEST_F(PolicyReviewTest, TheScoreAddsTheDocumentedWeights) {
  write_helper("# why\nread\n# mounts\nmount\n# runs its tool\nexecve\n");
  const auto rows = load_helper_table(dir_ / "helpers.table");
  const Score s = score_helper(load_policy(dir_ / "h.policy"), rows[0].capabilities);
  // read (low 1) + mount and execve (critical 20 each, 5 each as broad) + CAP_SYS_ADMIN (25)
  // + execve's tools under the same filter (15).
  EXPECT_EQ(s.total, 1 + 2 * (kRiskWeight[3] + kBroadWeight) + 25 + kExecWeight);
  EXPECT_EQ(s.total, 91);
  EXPECT_EQ(s.by_risk[3], 2);
  EXPECT_EQ(s.broad, 2);
  EXPECT_TRUE(s.exec);
  // The same syscalls with safe argument forms score less.
  write_helper("# why\nread\n# local sockets\nsocket: arg0 == AF_UNIX\n");
  const Score safe = score_helper(load_policy(dir_ / "h.policy"), {});
  write_helper("# why\nread\n# any sockets\nsocket\n");
  const Score broad = score_helper(load_policy(dir_ / "h.policy"), {});
  EXPECT_EQ(safe.total, 1 + kRiskWeight[1]);
  EXPECT_EQ(broad.total, 1 + kRiskWeight[2] + kBroadWeight);
}

TEST_F(PolicyReviewTest, ScoreFailsAboveTheThresholdOrTheBaseline) {
  write_helper("# why\nread\n# mounts\nmount\n# runs its tool\nexecve\n");
  const std::vector<std::string> base = {"--policy-dir", dir_.path(), "--table",
                                         dir_ / "helpers.table", "score"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return review(args);
  };
  EXPECT_TRUE(with({"--threshold", "91"}).exited_with(0));
  const auto above = with({"--threshold", "90"});
  EXPECT_TRUE(above.exited_with(1)) << above.describe();
  EXPECT_NE(above.out.find("h scores 91, above the threshold 90"), std::string::npos);

  dir_.write("scores.txt", "# baseline\nh 90\n");
  const auto rose = with({"--baseline", dir_ / "scores.txt"});
  EXPECT_TRUE(rose.exited_with(1)) << rose.describe();
  EXPECT_NE(rose.out.find("h scores 91, above its baseline 90"), std::string::npos) << rose.out;
  EXPECT_NE(rose.out.find("--write-baseline"), std::string::npos) << "says how to update it";
  dir_.write("scores.txt", "h 91\n");
  EXPECT_TRUE(with({"--baseline", dir_ / "scores.txt"}).exited_with(0));
  dir_.write("scores.txt", "other 91\n");
  EXPECT_TRUE(with({"--baseline", dir_ / "scores.txt"}).exited_with(1)) << "no baseline for h";
}

// --- the review document ---------------------------------------------------------------

TEST_F(PolicyReviewTest, AStaleReviewDocumentFailsWithTheCommandThatRegeneratesIt) {
  write_helper("# why\nread\n");
  const std::vector<std::string> base = {"--policy-dir", dir_.path(), "--table",
                                         dir_ / "helpers.table", "doc"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return review(args);
  };
  ASSERT_TRUE(with({"--output", dir_ / "review.md"}).exited_with(0));
  EXPECT_TRUE(with({"--check", dir_ / "review.md"}).exited_with(0));
  write_helper("# why\nread\nwrite\n");
  const auto stale = with({"--check", dir_ / "review.md"});
  EXPECT_TRUE(stale.exited_with(1)) << stale.describe();
  EXPECT_NE(stale.out.find("policy-review doc --output " + (dir_ / "review.md").string()),
            std::string::npos)
      << stale.out;
}

}  // namespace
}  // namespace ccinit::policy::review
