// The extensions helper preparing the GPU extension for real, confined by its real policy,
// in a private mount namespace: the real /sbin/ldconfig runs under the helper's inherited
// seccomp filter, and the binds land on the namespace's /lib/firmware/nvidia and
// /etc/ld.so.cache, never the host's (tmpfs stand-ins hide the host's /run,
// /lib/firmware and /var/cache).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/file_io.h"
#include "common/gpu_extension.h"
#include "common/pipe.h"
#include "tests/testlib/namespace_child.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/testlib/temp_dir.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

unsigned long mount_flags(const std::string& path) {
  struct statvfs fs {};
  sys(::statvfs(path.c_str(), &fs), "statvfs " + path);
  return fs.f_flag;
}

const std::string kGpuRoot(nvidia::kGpuExtensionRoot);
const std::string kLibDir = kGpuRoot + "/usr/lib/" + nvidia::kLibTriplet;

// An extension tree: one real shared library (named by its soname, as the extension's build
// leaves it after ldconfig -n) and one firmware file.
void make_extension(const std::string& tree) {
  const std::string libs = tree + "/usr/lib/" + nvidia::kLibTriplet;
  fs::create_directories(libs);
  fs::copy_file(fs::canonical(std::string("/lib/") + nvidia::kLibTriplet + "/libz.so.1"),
                libs + "/libz.so.1");
  fs::create_directories(tree + "/lib/firmware/nvidia");
  std::ofstream(tree + "/lib/firmware/nvidia/gsp_test.bin") << "firmware";
}

void scenario(const std::string& tree) {
  sys(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
  // An empty /var/cache: ldconfig then also makes /var/cache/ldconfig for its aux cache,
  // under the same filter.
  for (const char* dir : {"/run", "/lib/firmware", "/var/cache"})
    sys(::mount("tmpfs", dir, "tmpfs", 0, "mode=0755"), std::string("tmpfs on ") + dir);
  fs::create_directories("/lib/firmware/nvidia");  // the base image's empty mount point
  fs::create_directories(kGpuRoot);
  sys(::mount(tree.c_str(), kGpuRoot.c_str(), nullptr, MS_BIND, nullptr), "bind the extension");
  sys(::mount(nullptr, kGpuRoot.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr),
      "make the extension read-only");

  // 1. A read-only mount at /run/kata-extensions/gpu: firmware bound, cache built and bound.
  ProgramRun run = run_program({helper_path("extensions"), "--cmdline", ""});
  check(run.exited_with(0), "extensions: " + run.describe());
  check(contains(run.out, "confinement: Seccomp=2 NoNewPrivs=1 ") ||
            contains(run.err, "confinement: Seccomp=2 NoNewPrivs=1 "),
        "not confined? " + run.describe());
  check(contains(run.out, "GPU extension: bound " + kGpuRoot +
                              "/lib/firmware/nvidia onto /lib/firmware/nvidia "
                              "(ro,nosuid,nodev,noexec)"),
        run.describe());
  check(read_file("/lib/firmware/nvidia/gsp_test.bin") == "firmware", "firmware not bound");
  const unsigned long firmware = mount_flags("/lib/firmware/nvidia");
  check((firmware & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
            (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC),
        "firmware bind flags " + std::to_string(firmware));
  check(fs::exists("/var/cache/ldconfig/aux-cache"), "ldconfig wrote no aux cache");
  check(read_file("/run/ld.so.conf") == "include /etc/ld.so.conf.d/*.conf\n" + kLibDir + "\n",
        "ld.so.conf: " + read_file("/run/ld.so.conf"));
  check((mount_flags("/etc/ld.so.cache") & (ST_RDONLY | ST_NOSUID | ST_NODEV)) ==
            (ST_RDONLY | ST_NOSUID | ST_NODEV),
        "/etc/ld.so.cache is not a read-only bind");
  // Every program's loader now finds the extension's library (and still the base's).
  ProgramRun cache = run_program({"/sbin/ldconfig", "-p"});
  check(contains(cache.out, "libz.so.1 (libc6,x86-64) => " + kLibDir + "/libz.so.1") ||
            contains(cache.out, "=> " + kLibDir + "/libz.so.1"),
        "extension library not in /etc/ld.so.cache: " + cache.out);
  check(contains(cache.out, "=> /lib/") || contains(cache.out, "=> /usr/lib/"),
        "base libraries gone from /etc/ld.so.cache");

  // 2. A writable mount there is refused, naming the path.
  sys(::mount(nullptr, kGpuRoot.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr),
      "make the extension writable");
  ProgramRun writable = run_program({helper_path("extensions"), "--cmdline", ""});
  check(writable.exited_with(1), "writable extension accepted: " + writable.describe());
  check(contains(writable.out + writable.err, kGpuRoot + " is mounted writable"),
        writable.describe());
  // A helper run by hand decides by the same rule (its request's extensions.gpu), so it
  // refuses the same tree rather than take NVIDIA's tools from it.
  ProgramRun by_hand = run_program({helper_path("gpu-configurator"), "--dry-run", "--cmdline", ""});
  check(by_hand.exited_with(1), "gpu-configurator accepted it: " + by_hand.describe());
  check(contains(by_hand.out + by_hand.err, kGpuRoot + " is mounted writable"), by_hand.describe());
}

TEST(ExtensionsGpuNamespace, BindsFirmwareAndBuildsTheLinkerCacheWithTheRealLdconfigConfined) {
  if (::geteuid() != 0) CCINIT_SKIP_OR_FAIL("needs root for a mount namespace");
  if (!fs::exists("/sbin/ldconfig") || !fs::exists("/lib/firmware"))
    CCINIT_SKIP_OR_FAIL("needs /sbin/ldconfig and /lib/firmware on the host");
  const TempDir tree_dir("extensions_gpu_test");
  make_extension(tree_dir.path());
  const std::string outcome =
      run_in_new_namespaces(CLONE_NEWNS, [&] { scenario(tree_dir.path()); });
  if (outcome.rfind("unshare: ", 0) == 0) CCINIT_SKIP_OR_FAIL("no namespaces here: " + outcome);
  EXPECT_EQ(outcome, "ok");
}

}  // namespace
}  // namespace ccinit::testing
