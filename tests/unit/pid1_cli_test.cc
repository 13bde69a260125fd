// ccinit run as anything but PID 1: it validates and prints, and changes nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "common/file_io.h"
#include "common/sha256.h"

namespace {

struct CliRun {
  int status;
  std::string output;  // stdout and stderr
};

CliRun run_ccinit(const std::string& args) {
  std::string cmd = std::string(CCINIT_BINARY_DIR) + "/bin/ccinit " + args + " 2>&1";
  CliRun run{-1, {}};
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) run.output.append(buf.data(), n);
  int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

TEST(CcinitCli, VersionNamesTheExactBinary) {
  CliRun run = run_ccinit("--version");
  EXPECT_EQ(run.status, 0);
  std::string hash =
      ccinit::sha256_hex(ccinit::read_file(std::string(CCINIT_BINARY_DIR) + "/bin/ccinit"));
  EXPECT_EQ(run.output, std::string("ccinit version=") + CCINIT_VERSION + " sha256=" + hash + "\n");
}

TEST(CcinitCli, DryRunPrintsConfigAndPlan) {
  CliRun run =
      run_ccinit("--dry-run --cmdline 'nvrc.mode=cpu nvrc.log=debug nvrc.timeout.lockdown=5'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("nvrc.log=debug"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2. /usr/libexec/ccinit/lockdown"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("(timeout 5 s)"), std::string::npos) << run.output;
}

TEST(CcinitCli, BadCommandLineIsOneLineAndExit2) {
  CliRun run = run_ccinit("--dry-run --cmdline 'nvrc.smi.lgc=abc'");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.output.rfind("ccinit: nvrc.smi.lgc=abc: expected", 0), 0u) << run.output;
  EXPECT_EQ(run.output.find('\n'), run.output.size() - 1) << run.output;
}

TEST(CcinitCli, UnimplementedModeIsRefusedInTheDryRunToo) {
  CliRun run = run_ccinit("--dry-run --cmdline nvrc.mode=nvswitch-nvl4");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("nvrc.mode=nvswitch-nvl4"), std::string::npos) << run.output;
}

TEST(CcinitCli, UnknownArgumentIsAUsageError) {
  CliRun run = run_ccinit("--frobnicate");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("unknown argument '--frobnicate'"), std::string::npos) << run.output;
}

}  // namespace
