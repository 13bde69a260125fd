// scripts/mkrootfs: the guest root layout, reproducible initramfs, refusal of dynamic
// binaries.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/helper_table.h"
#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

namespace fs = std::filesystem;

class Mkrootfs : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_build_roots()); }

  ProgramRun mkrootfs(std::vector<std::string> args) {
    args.insert(args.begin(), {mkrootfs_path()});
    return run_program(args);
  }
  TempDir dir_{"ccinit-itest"};
};

TEST_F(Mkrootfs, LaysOutTheGuestRoot) {
  const std::string root = dir_.path() + "/root";
  ProgramRun run = mkrootfs({root, "--bin", bin_dir()});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto same_bytes = [](const std::string& a, const std::string& b) {
    return read_text(a) == read_text(b);
  };
  EXPECT_TRUE(same_bytes(root + "/sbin/init", bin_dir() + "/ccinit"));
  // Exactly the helpers of helpers/helpers.table, each a relative link to the one executable
  // (cmake --install's layout).
  std::set<std::string> installed, expected;
  for (const auto& entry : fs::directory_iterator(root + "/usr/libexec/ccinit"))
    installed.insert(entry.path().filename());
  for (const HelperInfo& helper : kHelpers) {
    const std::string name(helper.name);
    expected.insert(name);
    const std::string path = root + "/usr/libexec/ccinit/" + name;
    EXPECT_TRUE(fs::is_symlink(path)) << path;
    EXPECT_EQ(fs::read_symlink(path), "../../../sbin/init") << path;
    EXPECT_TRUE(same_bytes(path, bin_dir() + "/ccinit")) << path;
  }
  EXPECT_EQ(installed, expected);
  EXPECT_TRUE(same_bytes(root + "/usr/bin/kata-agent", bin_dir() + "/ccinit-test-agent"));

  struct stat console {};
  ASSERT_EQ(::lstat((root + "/dev/console").c_str(), &console), 0);
  EXPECT_TRUE(S_ISCHR(console.st_mode));
  EXPECT_EQ(major(console.st_rdev), 5u);
  EXPECT_EQ(minor(console.st_rdev), 1u);
  for (const char* d : {"proc", "sys", "dev", "run", "tmp", "etc", "var", "root", "usr/sbin"})
    EXPECT_TRUE(fs::is_directory(root + "/" + d)) << d;
  EXPECT_EQ(fs::read_symlink(root + "/var/run"), "../run");
}

TEST_F(Mkrootfs, InstallsAReplacementHelperAndExtraFiles) {
  const std::string root = dir_.path() + "/root", extra = dir_.path() + "/extra.conf";
  { std::ofstream(extra) << "hello\n"; }
  ProgramRun run = mkrootfs({root, "--bin", bin_dir(), "--helper",
                             "lockdown=" + bin_dir() + "/ccinit-test-bad-helper", "--file",
                             extra + ":/etc/test/extra.conf"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(read_text(root + "/usr/libexec/ccinit/lockdown"),
            read_text(bin_dir() + "/ccinit-test-bad-helper"));
  EXPECT_EQ(read_text(root + "/etc/test/extra.conf"), "hello\n");
}

TEST_F(Mkrootfs, GpuGuestHasTheBaseImagePartsOfTheGpuExtension) {
  const std::string root = dir_.path() + "/root", conf = dir_.path() + "/fake.conf";
  { std::ofstream(conf) << ""; }
  ProgramRun run = mkrootfs({root, "--bin", bin_dir(), "--fake-nvidia", conf});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The extensions helper runs /sbin/ldconfig and binds over these two.
  EXPECT_EQ(read_text(root + "/sbin/ldconfig"), read_text("/sbin/ldconfig"));
  EXPECT_EQ(fs::status(root + "/sbin/ldconfig").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  EXPECT_TRUE(fs::is_regular_file(root + "/etc/ld.so.cache"));
  EXPECT_TRUE(fs::is_directory(root + "/lib/firmware/nvidia"));
  EXPECT_TRUE(fs::is_empty(root + "/lib/firmware/nvidia"));
}

TEST_F(Mkrootfs, InitramfsIsReproducible) {
  ProgramRun first =
      mkrootfs({dir_.path() + "/a", "--bin", bin_dir(), "--cpio", dir_.path() + "/a.cpio.gz"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ProgramRun second =
      mkrootfs({dir_.path() + "/b", "--bin", bin_dir(), "--cpio", dir_.path() + "/b.cpio.gz"});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  ProgramRun sums =
      run_program({"/usr/bin/sha256sum", dir_.path() + "/a.cpio.gz", dir_.path() + "/b.cpio.gz"});
  ASSERT_EQ(sums.exit_code, 0) << sums.err;
  std::istringstream lines(sums.out);
  std::string sum_a, file_a, sum_b, file_b;
  lines >> sum_a >> file_a >> sum_b >> file_b;
  EXPECT_EQ(sum_a.size(), 64u);
  EXPECT_EQ(sum_a, sum_b) << "same inputs must give the same initramfs";

  // It is a real gzip'd newc archive with the guest root in it.
  ProgramRun listing =
      run_program({"/bin/sh", "-c", "gzip -dc '" + dir_.path() + "/a.cpio.gz' | cpio -it --quiet"});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  for (const char* entry : {"sbin/init\n", "init\n", "dev/console\n", "usr/bin/kata-agent\n",
                            "usr/libexec/ccinit/lockdown\n", "var/run\n"})
    EXPECT_NE(listing.out.find(entry), std::string::npos) << entry << " missing:\n" << listing.out;

  // Negative control: a different input gives a different archive.
  const std::string extra = dir_.path() + "/extra";
  { std::ofstream(extra) << "x"; }
  ProgramRun third = mkrootfs({dir_.path() + "/c", "--bin", bin_dir(), "--cpio",
                               dir_.path() + "/c.cpio.gz", "--file", extra + ":/etc/extra"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(read_text(dir_.path() + "/c.cpio.gz"), read_text(dir_.path() + "/a.cpio.gz"));
}

TEST_F(Mkrootfs, RefusesADynamicBinary) {
  const std::string dynamic = bin_dir() + "/ns-boot";  // a host tool: never static
  ProgramRun agent = mkrootfs({dir_.path() + "/a", "--bin", bin_dir(), "--agent", dynamic});
  EXPECT_EQ(agent.exit_code, 1);
  EXPECT_NE(agent.err.find("--agent " + dynamic + ": not statically linked"), std::string::npos)
      << agent.err;
  EXPECT_FALSE(fs::exists(dir_.path() + "/a/sbin/init")) << "nothing installed after refusing";

  ProgramRun helper =
      mkrootfs({dir_.path() + "/b", "--bin", bin_dir(), "--helper", "mounter=" + dynamic});
  EXPECT_EQ(helper.exit_code, 1);
  EXPECT_NE(helper.err.find("--helper mounter " + dynamic + ": not statically linked"),
            std::string::npos)
      << helper.err;
}

TEST_F(Mkrootfs, NamesTheBadArgument) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string out = dir_.path() + "/out";
  for (const Case& c : std::vector<Case>{
           {{out, "--helper", "frobnicator=/bin/true"},
            "--helper frobnicator=/bin/true: unknown helper"},
           {{out, "--bogus"}, "--bogus: unknown option"},
           {{out, "--bin"}, "--bin: missing value"},
           {{out, "--bin", dir_.path() + "/nope"},
            "--bin " + dir_.path() + "/nope: no such directory"},
           {{out, "--file", "/etc/hostname:relative"}, "must be an absolute path"},
           {{}, "missing OUTDIR"},
       }) {
    std::vector<std::string> args = c.args;
    if (std::find(args.begin(), args.end(), "--bin") == args.end()) {
      args.push_back("--bin");
      args.push_back(bin_dir());
    }
    ProgramRun run = mkrootfs(args);
    EXPECT_EQ(run.exit_code, 1) << c.message;
    EXPECT_NE(run.err.find("mkrootfs: "), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
  }
}

}  // namespace
}  // namespace ccinit::itest
