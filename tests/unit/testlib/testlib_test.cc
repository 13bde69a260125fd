// The test support library itself: every test binary trusts what it reports.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "common/pipe.h"
#include "tests/testlib/agent_report.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/skip_or_fail.h"

namespace ccinit::testing {
namespace {

ProgramRun shell(const std::string& script, const RunOptions& options = {}) {
  return run_program({"/bin/sh", "-c", script}, options);
}

TEST(RunProgram, CollectsTheExitStatusAndBothStreams) {
  ProgramRun run = shell("echo out; echo err >&2; exit 3");
  EXPECT_TRUE(run.exited_with(3)) << run.describe();
  EXPECT_EQ(run.out, "out\n");
  EXPECT_EQ(run.err, "err\n");
}

TEST(RunProgram, DeathBySignalIsTheNegatedSignal) {
  ProgramRun run = shell("kill -KILL $$");
  EXPECT_EQ(run.exit_code, -SIGKILL) << run.describe();
  EXPECT_NE(run.describe().find("killed by signal SIGKILL"), std::string::npos);
}

TEST(RunProgram, AProgramThatCannotStartThrowsRatherThanLookingLikeAnExit) {
  EXPECT_THROW(run_program({"/nonexistent/program"}), std::runtime_error);
}

TEST(RunProgram, ADaemonHoldingTheOutputDoesNotHoldUpTheRun) {
  ProgramRun run = shell("sleep 30 & echo $!", {.timeout = std::chrono::seconds(20)});
  ASSERT_TRUE(run.exited_with(0)) << run.describe();
  ::kill(std::stoi(run.out), SIGKILL);
}

TEST(RunProgram, AProgramOverItsTimeoutIsKilledAndThrows) {
  EXPECT_THROW(shell("exec sleep 30", {.timeout = std::chrono::milliseconds(200)}),
               std::runtime_error);
}

TEST(RunProgram, GivenDescriptorsAreFdThreeOnwardsAndStdinIsEmpty) {
  Pipe pipe = make_pipe();
  ProgramRun run = shell("cat; echo three >&3", {.fds = {pipe.write_end.get()}});
  pipe.write_end.reset();
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(read_all(pipe.read_end.get()), "three\n");
}

TEST(RunProgram, AnEnvironmentReplacesTheTestsOwn) {
  ProgramRun run = run_program({"/usr/bin/env"}, {.env = std::vector<std::string>{"ONLY=1"}});
  EXPECT_EQ(run.out, "ONLY=1\n") << run.describe();
}

TEST(RunProgram, StderrCanJoinStdoutInOrder) {
  ProgramRun run = shell("echo a; echo b >&2; echo c", {.stderr_to_stdout = true});
  EXPECT_EQ(run.out, "a\nb\nc\n");
  EXPECT_EQ(run.err, "");
}

TEST(AgentReport, ReadsFieldsAndFilesBetweenTheMarkersOnly) {
  const AgentReport report({"early=no", "AGENT-REPORT-BEGIN", "pid=1", "[    1.5] kernel=line",
                            "FILE-BEGIN /etc/x", "KEY=in-file", "[section]", "FILE-END /etc/x",
                            "env=A=B", "AGENT-REPORT-END", "late=no"});
  EXPECT_TRUE(report.began());
  EXPECT_TRUE(report.ended());
  EXPECT_EQ(report.fields(), (std::map<std::string, std::string>{{"pid", "1"}, {"env", "A=B"}}));
  EXPECT_EQ(report.file("/etc/x"), "KEY=in-file\n[section]\n");
  EXPECT_EQ(report.file("/etc/y"), std::nullopt);
}

TEST(AgentReport, AnAgentThatNeverReportedOrDiedMidwayIsVisible) {
  EXPECT_FALSE(AgentReport({"pid=1", "AGENT-REPORT-END"}).began());
  const AgentReport cut({"AGENT-REPORT-BEGIN", "pid=1"});
  EXPECT_TRUE(cut.began());
  EXPECT_FALSE(cut.ended());
  EXPECT_EQ(cut.fields().at("pid"), "1");
}

TEST(SkipOrFail, OnlyCiEqualToTrueMakesSkipsFailures) {
  const char* old = std::getenv("CI");
  const std::string saved = old ? old : "";
  ::setenv("CI", "true", 1);
  EXPECT_TRUE(running_in_ci());
  ::setenv("CI", "1", 1);
  EXPECT_FALSE(running_in_ci());
  ::unsetenv("CI");
  EXPECT_FALSE(running_in_ci());
  if (old) ::setenv("CI", saved.c_str(), 1);
}

}  // namespace
}  // namespace ccinit::testing
