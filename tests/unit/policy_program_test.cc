#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/helper_table.h"
#include "helper_process.h"
#include "temp_dir.h"

// What each built helper installs is exactly what policyc makes of its policy file now.
namespace ccinit::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HelperPrograms, EachHelperInstallsWhatPolicycMakesOfItsPolicyFile) {
  TempDir dir{"policy_program_test"};
  for (const HelperInfo& info : kHelpers) {
    const std::string helper(info.name);
    SCOPED_TRACE(helper);
    HelperRun run = run_manual(helper, {"--print-bpf"});
    ASSERT_TRUE(run.exited_with(0)) << run.describe();
    ASSERT_FALSE(run.out.empty());
    EXPECT_EQ(run.out.size() % 8, 0u) << "not whole struct sock_filter instructions";

    std::string symbol = "policy_" + helper;
    std::replace(symbol.begin(), symbol.end(), '-', '_');
    const auto bpf = dir / (helper + ".bpf");
    std::string cmd = std::string(CCINIT_BINARY_DIR) + "/bin/policyc --name " + helper +
                      " --symbol " + symbol + " --output " + (dir / (helper + ".cc")).string() +
                      " --bpf-out " + bpf.string();
#if defined(__SANITIZE_ADDRESS__)
    cmd += " --sanitizer-rules";  // as CMake compiles the policies of sanitizer builds
#endif
    cmd += " " + std::string(CCINIT_SOURCE_DIR) + "/policy/" + helper + ".policy";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string expected = read_file(bpf);
    ASSERT_FALSE(expected.empty());
    EXPECT_TRUE(run.out == expected)
        << "the helper's program (" << run.out.size() << " bytes) differs from policyc's ("
        << expected.size() << " bytes)";
  }
}

}  // namespace
}  // namespace ccinit::testing
