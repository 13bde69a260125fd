// ccinit run as anything but PID 1: it validates and prints, and changes nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/file_io.h"
#include "common/sha256.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"

namespace {

using ccinit::testing::ProgramRun;

// ccinit's stdout and stderr together in `out`, as a person at a terminal sees them.
ProgramRun run_ccinit(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ccinit::testing::bin_dir() + "/ccinit"};
  argv.insert(argv.end(), args.begin(), args.end());
  return ccinit::testing::run_program(argv, {.stderr_to_stdout = true});
}

TEST(CcinitCli, VersionNamesTheExactBinary) {
  ProgramRun run = run_ccinit({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  std::string hash = ccinit::sha256_hex(ccinit::read_file(ccinit::testing::bin_dir() + "/ccinit"));
  EXPECT_EQ(run.out, std::string("ccinit version=") + CCINIT_VERSION + " sha256=" + hash + "\n");
}

TEST(CcinitCli, DryRunPrintsConfigAndPlan) {
  ProgramRun run = run_ccinit(
      {"--dry-run", "--cmdline", "nvrc.mode=cpu nvrc.log=debug nvrc.timeout.lockdown=5"});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("nvrc.log=debug"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("2. /usr/libexec/ccinit/extensions: verify the kata.extension images"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("3. /usr/libexec/ccinit/lockdown"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(timeout 5 s)"), std::string::npos) << run.out;
}

TEST(CcinitCli, BadCommandLineIsOneLineAndExit2) {
  ProgramRun run = run_ccinit({"--dry-run", "--cmdline", "nvrc.smi.lgc=abc"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out.rfind("ccinit: nvrc.smi.lgc=abc: expected", 0), 0u) << run.out;
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
}

TEST(CcinitCli, ASettingWithoutEffectIsRefusedInTheDryRunToo) {
  ProgramRun run = run_ccinit({"--dry-run", "--cmdline", "nvrc.mode=gpu nvrc.fm.mode=1"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.out.find("nvrc.fm.mode=1: has no effect with nvrc.mode=gpu"), std::string::npos)
      << run.out;
}

TEST(CcinitCli, DryRunShowsTheFabricStepsInBootOrder) {
  ProgramRun run = run_ccinit({"--dry-run", "--cmdline", "nvrc.mode=nvswitch-nvl5"});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const auto modules = run.out.find(
      "3. /usr/libexec/ccinit/gpu-configurator: check the PCI topology against the mode; load "
      "nvidia, nvidia-uvm, ib_umad and mlx5_ib");
  const auto fabric = run.out.find("4. /usr/libexec/ccinit/fabric-launcher: ");
  const auto daemons = run.out.find(
      "5. /usr/libexec/ccinit/gpu-configurator: GPU mode once the fabric is up: start "
      "nvidia-persistenced");
  const auto lockdown = run.out.find("6. /usr/libexec/ccinit/lockdown: ");
  ASSERT_NE(modules, std::string::npos) << run.out;
  ASSERT_NE(fabric, std::string::npos) << run.out;
  ASSERT_NE(daemons, std::string::npos) << run.out;
  EXPECT_NE(lockdown, std::string::npos) << run.out;
}

TEST(CcinitCli, UnknownArgumentIsAUsageError) {
  ProgramRun run = run_ccinit({"--frobnicate"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.out.find("unknown argument '--frobnicate'"), std::string::npos) << run.out;
}

}  // namespace
