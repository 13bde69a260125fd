// The built extensions helper under its own capabilities and seccomp policy, run by hand:
// its dry run gets through the command line, the module check, the look at /sys/block and
// the reports without the filter killing it. This host has no extension disks, so a dry run
// with an extension says it would wait for that disk (a dry run never waits: it shows the
// plan and changes nothing).
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/helpers/helper_process.h"

namespace ccinit::extensions {
namespace {

using ccinit::testing::HelperRun;
using ccinit::testing::run_manual;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ExtensionsConfined, DryRunWithAnExtensionSaysItWouldWaitForItsDisk) {
  const std::string cmdline = "kata.extension.gpu.verity_params=root_hash=" + std::string(64, 'a') +
                              ",salt=0011,data_blocks=8,data_block_size=4096,hash_block_size=4096";
  HelperRun run = run_manual("extensions", {"--dry-run", "--cmdline", cmdline});
  const std::string text = run.out + run.err;
  ASSERT_TRUE(run.exited_with(0)) << run.describe() << text;
  EXPECT_TRUE(contains(text, "step find-disks ... done")) << text;
  EXPECT_TRUE(contains(text,
                       "info: would wait up to 10 s for the disk of extension gpu (serial "
                       "extension-gpu), not there now; a boot fails without it"))
      << text;
  EXPECT_TRUE(contains(text, "extensions: ok")) << text;
}

TEST(ExtensionsConfined, DryRunWithTheGpuExtensionShowsItsSystemSteps) {
  const std::string cmdline = "kata.extension.gpu.verity_params=root_hash=" + std::string(64, 'a') +
                              ",salt=0011,data_blocks=8,data_block_size=4096,hash_block_size=4096";
  HelperRun run = run_manual("extensions", {"--dry-run", "--cmdline", cmdline});
  const std::string text = run.out + run.err;
  ASSERT_TRUE(run.exited_with(0)) << run.describe() << text;
  EXPECT_TRUE(contains(text,
                       "info: would bind /run/kata-extensions/gpu/lib/firmware/nvidia onto "
                       "/lib/firmware/nvidia if the extension has that directory"))
      << text;
  EXPECT_TRUE(contains(text,
                       "info: would write /run/ld.so.conf (0600): include "
                       "/etc/ld.so.conf.d/*.conf | /run/kata-extensions/gpu/usr/lib/"))
      << text;
  EXPECT_TRUE(
      contains(text, "info: would run: /sbin/ldconfig -X -C /run/ld.so.cache -f /run/ld.so.conf"))
      << text;
  EXPECT_TRUE(contains(text, "step gpu-extension ... done")) << text;
}

TEST(ExtensionsConfined, DryRunWithoutExtensionsDoesNothing) {
  HelperRun run = run_manual("extensions", {"--dry-run", "--cmdline", ""});
  const std::string text = run.out + run.err;
  ASSERT_TRUE(run.exited_with(0)) << run.describe() << text;
  EXPECT_TRUE(contains(text, "no extension disks: nothing to set up")) << text;
  EXPECT_TRUE(contains(text, "GPU extension: not in use (nothing at /run/kata-extensions/gpu)"))
      << text;
}

}  // namespace
}  // namespace ccinit::extensions
