#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "policy/policy_parser.h"
#include "policy/review/coverage.h"
#include "policy/review/observation.h"
#include "policy/review/review_report.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"

// policy-review coverage: which rules the calls observed in the tests exercised, and which
// rules no test exercises without saying why they stay.
namespace ccinit::policy::review {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* kHeader = "# ccinit policy observation v1\n";

class PolicyCoverageTest : public ::testing::Test {
 protected:
  // A policy directory "policy" holding `files` (name -> text).
  fs::path policies(const std::vector<std::pair<std::string, std::string>>& files) {
    fs::create_directories(dir_ / "policy");
    for (const auto& [name, text] : files) dir_.write("policy/" + name, text);
    return dir_ / "policy";
  }
  fs::path observe(const std::string& name, const std::string& lines) {
    fs::create_directories((dir_ / name).parent_path());
    return dir_.write(name, kHeader + lines);
  }
  Coverage measure(const std::string& policy, const std::string& lines) {
    policies({{"h.policy", policy}});
    return measure_coverage(load_policy_dir(dir_ / "policy"),
                            parse_observations(kHeader + lines, "test.observed"));
  }
  ccinit::testing::ProgramRun coverage(std::vector<std::string> paths) {
    std::vector<std::string> args = {ccinit::testing::bin_dir() + "/policy-review", "--policy-dir",
                                     dir_ / "policy", "coverage"};
    args.insert(args.end(), paths.begin(), paths.end());
    return ccinit::testing::run_program(args);
  }
  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
  TempDir dir_{"policy_coverage_test"};
};

// --- evaluating a call against the rules -------------------------------------------------

TEST_F(PolicyCoverageTest, ChecksHoldAsTheFilterComparesThem) {
  const Coverage c = measure(
      "# test rules\n"
      "openat: arg2 & O_ACCMODE == O_WRONLY\n"       // line 2: masked equality
      "kill: arg1 < 10  # small signals\n"           // line 3: a range
      "kill: arg1 > 0xffffffff  # the upper half\n"  // line 4: 64-bit compared
      "lseek: arg2 != 2\n"                           // line 5: not equal (SEEK_END)
      "fcntl: arg0 <= 2 && arg1 >= 1\n",             // line 6: two arguments
      "h openat arg2=0x80001 calls=2 by=h\n"         // O_WRONLY|O_CLOEXEC: line 2
      "h openat arg2=0x2 calls=1 by=h\n"             // O_RDWR: no rule
      "h kill arg1=0x9 calls=1 by=h\n"               // line 3
      "h kill arg1=0x100000009 calls=1 by=h\n"       // line 4, not 3: the upper bits count
      "h lseek arg2=0x0 calls=4 by=h,tool\n"         // line 5
      "h lseek arg2=0x2 calls=1 by=h\n"              // SEEK_END: no rule
      "h fcntl arg0=0x3 arg1=0x1 calls=1 by=h\n"     // arg0 above 2: no rule
      "h fcntl arg0=0x2 arg1=0x5 calls=1 by=h\n");   // line 6
  std::vector<std::string> used;
  for (const auto& [id, use] : c.uses) used.push_back(id);
  EXPECT_EQ(used, (std::vector<std::string>{"h.policy:2", "h.policy:3", "h.policy:4", "h.policy:5",
                                            "h.policy:6"}));
  EXPECT_EQ(c.uses.at("h.policy:2").calls, 2u);
  EXPECT_EQ(c.uses.at("h.policy:5").comms, (std::set<std::string>{"h", "tool"}));
  ASSERT_EQ(c.findings.size(), 3u);
  EXPECT_EQ(c.findings[0],
            "test.observed:3: observed call no rule allows: h openat arg2=0x2 (1 call by h): the "
            "recorder and h.policy disagree");
  EXPECT_TRUE(has(c.findings[1], "test.observed:7: observed call no rule allows: h lseek"));
  EXPECT_TRUE(has(c.findings[2], "test.observed:8: observed call no rule allows: h fcntl"));
}

TEST_F(PolicyCoverageTest, TheRulesOfABarredLineAreCountedSeparately) {
  policies({{"h.policy", "# sockets\nsocket: arg0 == AF_UNIX || arg0 == AF_NETLINK\n"}});
  const auto run = coverage({observe("a.observed", "h socket arg0=0x1 calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out, "exercised    h.policy:2    socket: arg0 == AF_UNIX  1 call by h\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "UNEXERCISED  " + (dir_ / "policy/h.policy").string() +
                               ":2: socket: arg0 == AF_NETLINK (line `socket: arg0 == AF_UNIX "
                               "|| arg0 == AF_NETLINK`)\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "h: 2 rules, 1 exercised, 0 annotated, 1 unexercised\n")) << run.out;
}

TEST_F(PolicyCoverageTest, AnIncludedRuleExercisedByOneHelperIsExercisedForAll) {
  policies({{"common.policy", "# everyone reads\nread\n"},
            {"a.policy", "@include common.policy\n\n# a writes\nwrite\n"},
            {"b.policy", "@include common.policy\n\n# b closes\nclose\n"}});
  const auto run = coverage({observe("a.observed",
                                     "a read calls=3 by=a\n"
                                     "a write calls=1 by=a\n"
                                     "b close calls=1 by=b\n")});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(has(run.out, "common.policy (" + (dir_ / "policy/common.policy").string() +
                               ", included by a, b)\n"
                               "  exercised    common.policy:2  read: any arguments  3 calls "
                               "from a 3; by a\n"))
      << run.out;
  EXPECT_TRUE(has(run.out,
                  "total: 3 rules, 3 exercised, 0 annotated, 0 unexercised; 0 "
                  "observed calls no rule allows; 0 calls no helper could be "
                  "attributed\n"))
      << run.out;
}

// --- unexercised rules and their annotations ---------------------------------------------

TEST_F(PolicyCoverageTest, AnUnexercisedRuleWithoutAnnotationFailsNamingItsFileAndLine) {
  policies({{"h.policy", "# io\nread\nwrite\n"}});
  const auto run = coverage({observe("a.observed", "h read calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out, "  UNEXERCISED  " + (dir_ / "policy/h.policy").string() +
                               ":3: write: any arguments\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "1 rule no test exercised without `# unexercised: <reason>`"))
      << run.out;
}

TEST_F(PolicyCoverageTest, AnAnnotationInTheRulesOwnCommentOrItsGroupsLetsItPass) {
  policies({{"h.policy",
             "# io\n"
             "read\n"
             "# unexercised: only on hosts with a serial console\n"
             "write\n"
             "writev  # unexercised: glibc's fatal-error path\n"
             "\n"
             "# Only the real NVIDIA binaries need these; the tests fake them.\n"
             "# unexercised: the fake nvidia-smi makes none of them\n"
             "mprotect\n"
             "madvise\n"}});
  const auto run = coverage({observe("a.observed", "h read calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(has(run.out,
                  "  unexercised  h.policy:4   write: any arguments  annotated: only on "
                  "hosts with a serial console\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "h.policy:5   writev: any arguments  annotated: glibc's fatal-error"))
      << run.out;
  EXPECT_TRUE(has(run.out, "h.policy:10  madvise: any arguments  annotated: the fake nvidia-smi"))
      << run.out;
  EXPECT_TRUE(has(run.out, "h: 5 rules, 1 exercised, 4 annotated, 0 unexercised\n")) << run.out;
}

TEST_F(PolicyCoverageTest, AnAnnotationSpeaksOnlyForItsOwnRuleOrItsWholeGroup) {
  policies({{"h.policy",
             "# io\n"
             "read\n"
             "# unexercised: only on a serial console\n"
             "write\n"
             "writev\n"}});  // below the annotated rule, not its own: still unexercised
  const auto run = coverage({observe("a.observed", "h read calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out, "UNEXERCISED  " + (dir_ / "policy/h.policy").string() + ":5: writev"))
      << run.out;
}

TEST_F(PolicyCoverageTest, TheAnnotationIsKeptApartFromTheJustification) {
  policies({{"h.policy",
             "# Writing events.\n"
             "# unexercised: glibc's fatal-error path\n"
             "writev\n"}});
  const HelperPolicy p = load_policy(dir_ / "policy/h.policy");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].reason(), "Writing events.");
  ASSERT_TRUE(p.rules[0].unexercised);
  EXPECT_EQ(p.rules[0].unexercised->reason, "glibc's fatal-error path");
  EXPECT_EQ(p.rules[0].unexercised->where(), "h.policy:2");
  EXPECT_TRUE(has(explain(p, nullptr, Format::kText),
                  "why: Writing events.\n            unexercised: glibc's fatal-error path\n"));
  EXPECT_TRUE(has(explain(p, nullptr, Format::kMarkdown),
                  "| Writing events. *Unexercised:* glibc's fatal-error path |"));
  EXPECT_TRUE(
      has(explain(p, nullptr, Format::kJson), "\"unexercised\": \"glibc's fatal-error path\"}"));
}

TEST_F(PolicyCoverageTest, AnAnnotationWithoutAReasonOrRuleIsALintFinding) {
  policies({{"h.policy",
             "# io\n"
             "# unexercised:\n"
             "read\n"
             "\n"
             "# unexercised: annotates nothing\n"
             "\n"
             "# more io\n"
             "write\n"}});
  dir_.write("helpers.table", "# h: nothing\nh | 30 | planned | none | test\n");
  const std::string policy = (dir_ / "policy/h.policy").string();
  EXPECT_EQ(
      lint(dir_ / "policy", dir_ / "helpers.table"),
      (std::vector<std::string>{
          policy + ":2: `unexercised:` without a reason: say why the rules it annotates stay "
                   "although no test exercises them",
          policy + ":5: this `unexercised:` annotates no rule: put it in the comment directly "
                   "above a rule, at the rule's end, or in the comment block of the rule's "
                   "group"}));
  // Nor does coverage take an annotation without a reason for one.
  const auto run = coverage({observe("a.observed", "h write calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out,
                  ":3: read: any arguments (its `unexercised:` at h.policy:2 gives no "
                  "reason)"))
      << run.out;
}

TEST_F(PolicyCoverageTest, AnAnnotationIsNoJustificationOfADangerousSyscall) {
  // The build takes any comment; the review wants one that says why the rule is needed.
  policies(
      {{"h.policy", "# device nodes\nread\nmknod  # unexercised: the fake driver makes none\n"}});
  dir_.write("helpers.table", "# h: nothing\nh | 30 | planned | none | test\n");
  const auto findings = lint(dir_ / "policy", dir_ / "helpers.table");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(has(findings[0], "h.policy:3: mknod is dangerous")) << findings[0];
}

TEST_F(PolicyCoverageTest, AnnotationsOfExercisedRulesAreNoted) {
  policies({{"h.policy",
             "# io\n"
             "# unexercised: serial console only\n"
             "read\n"
             "write\n"}});
  const auto all = coverage({observe("a.observed", "h read calls=1 by=h\nh write calls=1 by=h\n")});
  EXPECT_TRUE(all.exited_with(0)) << all.describe();
  EXPECT_TRUE(has(all.out, "note: " + (dir_ / "policy/h.policy").string() +
                               ":2: every rule this `unexercised:` annotates was exercised (2 "
                               "rules): the annotation may be dropped\n"))
      << all.out;
  const auto some = coverage({observe("b.observed", "h read calls=1 by=h\n")});
  EXPECT_TRUE(some.exited_with(0)) << some.describe();
  EXPECT_TRUE(has(some.out,
                  ":2: 1 of the 2 rules this `unexercised:` annotates were exercised "
                  "(h.policy:3): the annotation may move to the others\n"))
      << some.out;
}

TEST_F(PolicyCoverageTest, AnObservedCallNoRuleAllowsFailsEvenWithEveryRuleCovered) {
  policies({{"h.policy", "# io\nread\n"}});
  const auto run = coverage({observe("a.observed", "h read calls=1 by=h\nh write calls=2 by=h\n")});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out, (dir_ / "a.observed").string() +
                               ":3: observed call no rule allows: h write (2 calls by h): the "
                               "recorder and h.policy disagree\n"))
      << run.out;
}

TEST_F(PolicyCoverageTest, CallsNoHelperCouldBeAttributedAreCountedNotEvaluated) {
  policies({{"h.policy", "# io\nread\n"}});
  const auto run =
      coverage({observe("a.observed", "h read calls=1 by=h\n? openat arg2=0x0 calls=2 by=sh\n")});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(has(run.out, "2 calls no helper could be attributed\n")) << run.out;
  EXPECT_TRUE(has(run.out,
                  "a.observed:3: calls no helper could be attributed: ? openat "
                  "arg2=0x0 (2 calls by sh)\n"))
      << run.out;
}

// --- reading the observations -------------------------------------------------------------

TEST_F(PolicyCoverageTest, AMalformedObservationLineIsAOneLineErrorNamingFileAndLine) {
  auto error_of = [](const std::string& text) {
    try {
      parse_observations(text, "x.observed");
    } catch (const PolicyError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(std::string(kHeader) + "# a comment\nh read calls=1\n"),
            "x.observed:3: expected '<helper> <syscall> [arg<N>=0x<hex>]... calls=<count> "
            "by=<comm>[,<comm>...]', found 'h read calls=1'");
  EXPECT_EQ(error_of(std::string(kHeader) + "h read arg6=0x1 calls=1 by=h\n"),
            "x.observed:2: 'arg6=0x1': expected arg<0-5>=0x<hex, at most 16 digits>");
  EXPECT_EQ(error_of(std::string(kHeader) + "h read arg1=12 calls=1 by=h\n"),
            "x.observed:2: 'arg1=12': expected arg<0-5>=0x<hex, at most 16 digits>");
  EXPECT_EQ(error_of(std::string(kHeader) + "h read arg2=0x1 arg1=0x1 calls=1 by=h\n"),
            "x.observed:2: 'arg1=0x1': the arguments must be listed once each, ascending");
  EXPECT_EQ(error_of(std::string(kHeader) + "h read calls=0 by=h\n"),
            "x.observed:2: 'calls=0': expected calls=<count> (a positive number)");
  EXPECT_EQ(error_of(std::string(kHeader) + "h read calls=1 by=a,,b\n"),
            "x.observed:2: 'by=a,,b': an empty comm");
  EXPECT_EQ(error_of("h read calls=1 by=h\n"),
            "x.observed:1: not a policy observation: expected the first line '# ccinit policy "
            "observation v1', found 'h read calls=1 by=h'");

  policies({{"h.policy", "# io\nread\n"}});
  const fs::path bad = observe("bad.observed", "h read calls=1 by=h\nh read calls=x by=h\n");
  const auto run = coverage({bad});
  EXPECT_TRUE(run.exited_with(2)) << run.describe();
  EXPECT_EQ(run.err, "policy-review: " + bad.string() +
                         ":3: 'calls=x': expected calls=<count> (a positive number)\n");
  EXPECT_EQ(run.out, "");
}

// What the observers write (ns-boot, the VM boots' recorder) is what coverage reads: one line
// per distinct call, several boots' or console lines' calls merged.
TEST_F(PolicyCoverageTest, ObservationsMergeIntoOneLinePerCallThatReadsBackTheSame) {
  const std::vector<ObservedCall> calls =
      parse_observations(std::string(kHeader) +
                             "m mount arg3=0xe calls=2 by=mounter\n"
                             "l read calls=1 by=lockdown\n"
                             "m mount arg3=0xe calls=3 by=modprobe,mounter\n"
                             "m mount arg3=0x10 calls=1 by=mounter\n",
                         "a.observed");
  const std::string text = observation_text(calls);
  EXPECT_EQ(text, std::string(kHeader) +
                      "l read calls=1 by=lockdown\n"
                      "m mount arg3=0xe calls=5 by=modprobe,mounter\n"
                      "m mount arg3=0x10 calls=1 by=mounter\n");
  const std::vector<ObservedCall> again = parse_observations(text, "b.observed");
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[1].line_text(), "m mount arg3=0xe calls=5 by=modprobe,mounter");
  EXPECT_EQ(observation_text(again), text);

  EXPECT_EQ(parse_observation_line("m read calls=1 by=m", "console", 7).where(), "console:7");
  EXPECT_THROW(parse_observation_line("m read calls=1 by=m<6>[ 1.2] virtio", "console", 7),
               PolicyError);
}

TEST_F(PolicyCoverageTest, AnUnknownHelperOrSyscallIsAnError) {
  policies({{"h.policy", "# io\nread\n"}});
  const fs::path helper = observe("helper.observed", "g read calls=1 by=g\n");
  const auto run = coverage({helper});
  EXPECT_TRUE(run.exited_with(2)) << run.describe();
  EXPECT_EQ(run.err,
            "policy-review: " + helper.string() + ":2: unknown helper 'g' (it has no policy)\n");
  const fs::path syscall = observe("syscall.observed", "h reed calls=1 by=h\n");
  const auto typo = coverage({syscall});
  EXPECT_TRUE(typo.exited_with(2)) << typo.describe();
  EXPECT_EQ(typo.err, "policy-review: " + syscall.string() + ":2: unknown syscall 'reed'\n");
}

TEST_F(PolicyCoverageTest, ArgumentsOtherThanTheCheckedOnesAreAnError) {
  policies({{"h.policy", "# io\nopenat: arg2 & O_ACCMODE == O_RDONLY\nread\n"}});
  const fs::path missing = observe("missing.observed", "h openat calls=1 by=h\n");
  const auto run = coverage({missing});
  EXPECT_TRUE(run.exited_with(2)) << run.describe();
  EXPECT_EQ(run.err, "policy-review: " + missing.string() +
                         ":2: arg2 is not recorded, but h.policy:2 checks it (an observation of "
                         "another version of the policy?)\n");
  const auto extra = coverage({observe("extra.observed", "h read arg0=0x3 calls=1 by=h\n")});
  EXPECT_TRUE(extra.exited_with(2)) << extra.describe();
  EXPECT_TRUE(has(extra.err, ":2: arg0 is recorded, but no rule of h for read checks it"))
      << extra.err;
}

TEST_F(PolicyCoverageTest, ADirectoryGivesEveryObservationFileBelowIt) {
  policies({{"h.policy", "# io\nread\nwrite\nclose\n"}});
  observe("runs/one/a.observed", "h read calls=1 by=h\n");
  observe("runs/two/b.observed", "h write calls=1 by=h\nh read calls=2 by=cat\n");
  dir_.write("runs/notes.txt", "not an observation");
  const auto run = coverage({dir_ / "runs", observe("c.observed", "h close calls=1 by=h\n")});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(has(run.out, "h.policy:2  read: any arguments  3 calls by cat,h\n")) << run.out;

  fs::create_directories(dir_ / "empty");
  const auto empty = coverage({dir_ / "empty"});
  EXPECT_TRUE(empty.exited_with(2)) << empty.describe();
  EXPECT_EQ(empty.err,
            "policy-review: " + (dir_ / "empty").string() + ": no *.observed file in it\n");
}

TEST_F(PolicyCoverageTest, MarkdownShowsEachRulesState) {
  policies({{"h.policy", "# io\nread\n# unexercised: console only\nwrite\nclose\n"}});
  std::vector<std::string> args = {ccinit::testing::bin_dir() + "/policy-review",
                                   "--policy-dir",
                                   dir_ / "policy",
                                   "coverage",
                                   "--format",
                                   "markdown",
                                   observe("a.observed", "h read calls=1 by=h\n")};
  const auto run = ccinit::testing::run_program(args);
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_TRUE(has(run.out, "| h | 3 | 1 | 1 | 1 |\n")) << run.out;
  EXPECT_TRUE(has(run.out, "| exercised | h.policy:2 | `read: any arguments` | 1 call by h |\n"))
      << run.out;
  EXPECT_TRUE(has(run.out,
                  "| unexercised (annotated) | h.policy:4 | `write: any arguments` | "
                  "annotated: console only |\n"))
      << run.out;
  EXPECT_TRUE(has(run.out, "| **UNEXERCISED** | h.policy:5 | `close: any arguments` |  |\n"))
      << run.out;
}

}  // namespace
}  // namespace ccinit::policy::review
