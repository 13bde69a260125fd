#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/helper_table.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"
#include "tests/testlib/text.h"
#include "tests/unit/helpers/helper_process.h"

// What each built helper installs is exactly what policyc makes of its policy file now.
namespace ccinit::testing {
namespace {

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
    const std::string bpf = (dir / (helper + ".bpf")).string();
    std::vector<std::string> policyc = {bin_dir() + "/policyc",
                                        "--name",
                                        helper,
                                        "--symbol",
                                        symbol,
                                        "--output",
                                        (dir / (helper + ".cc")).string(),
                                        "--bpf-out",
                                        bpf};
#if defined(__SANITIZE_ADDRESS__)
    policyc.push_back("--sanitizer-rules");  // as CMake compiles the policies of sanitizer builds
#endif
    policyc.push_back(source_dir() + "/policy/" + helper + ".policy");
    ProgramRun compiled = run_program(policyc);
    ASSERT_TRUE(compiled.exited_with(0)) << compiled.describe();
    const std::string expected = read_text(bpf);
    ASSERT_FALSE(expected.empty());
    EXPECT_TRUE(run.out == expected)
        << "the helper's program (" << run.out.size() << " bytes) differs from policyc's ("
        << expected.size() << " bytes)";
  }
}

}  // namespace
}  // namespace ccinit::testing
