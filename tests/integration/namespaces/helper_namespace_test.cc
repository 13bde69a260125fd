// The mounter and lockdown doing their real work, confined by their real policies, in a
// scratch root inside private mount, network and PID namespaces, so nothing reaches the host.
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_io.h"
#include "common/mount_point.h"
#include "common/pipe.h"
#include "tests/testlib/namespace_child.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/testlib/temp_dir.h"
#include "tests/testlib/text.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

bool loopback_up() {
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq request {};
  std::strcpy(request.ifr_name, "lo");
  return sock && ::ioctl(sock.get(), SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_UP);
}

// A root with nothing but the host's /usr (read-only; the helpers may be dynamic) and the
// helper binaries.
void make_scratch_root(const std::string& root) {
  sys(::mount("tmpfs", root.c_str(), "tmpfs", 0, "mode=0755"), "mount scratch tmpfs");
  fs::create_directory(root + "/usr");
  sys(::mount("/usr", (root + "/usr").c_str(), nullptr, MS_BIND | MS_REC, nullptr), "bind /usr");
  sys(::mount(nullptr, (root + "/usr").c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC,
              nullptr),
      "make /usr read-only");
  for (const char* link : {"lib", "lib64", "bin", "sbin"})
    fs::create_symlink(std::string("usr/") + link, root + "/" + link);
  for (const char* helper : {"mounter", "lockdown"})
    fs::copy_file(helper_path(helper), root + "/" + helper);
}

// Runs one helper in the chroot and returns what it printed.
ProgramRun run_in_root(const std::string& helper) {
  return run_program({"/" + helper, "--cmdline", ""});
}

// The whole scenario, in the child that owns the namespaces. Throws ChildFailure.
// `root` is an empty directory; what is mounted on it stays inside the namespace.
void scenario(const std::string& root) {
  sys(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
  make_scratch_root(root);
  sys(::chroot(root.c_str()), "chroot");
  sys(::chdir("/"), "chdir");

#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer runtime cannot find its stacks without /proc and then reports a false
  // error on the first throw: sanitizer builds start with /proc. The static release build
  // runs this test too, so the mounter starting before /proc exists is still covered.
  constexpr bool kProcBeforeMounter = true;
  sys(::mkdir("/proc", 0755), "mkdir /proc");
  sys(::mount("proc", "/proc", "proc", 0, nullptr), "mount /proc for the sanitizer");
#else
  constexpr bool kProcBeforeMounter = false;
#endif

  // 1. A fresh root: everything is created and mounted, lo comes up. The net.core knobs
  //    are read-only (or absent) in a child network namespace, so the run ends there.
  ProgramRun first = run_in_root("mounter");
  const std::string last = first.out_lines().empty() ? "" : first.out_lines().back();
  check(first.exit_code >= 0, "mounter died: " + first.describe());
  check(last == "mounter: ok" ||
            last.rfind("mounter: failed: open /proc/sys/net/core/rmem_default: ", 0) == 0,
        "unexpected end of the first mounter run: " + first.describe());
  for (const char* target :
       {"/proc", "/sys", "/dev", "/run", "/tmp", "/dev/pts", "/dev/shm", "/sys/fs/cgroup"})
    check(ccinit::is_mount_point(target), std::string(target) + " is not mounted");
  check(contains(first.out, kProcBeforeMounter ? "mounter: info: created directory /sys\n"
                                               : "mounter: info: created directory /proc\n"),
        first.out);
  check(contains(first.out,
                 "mounter: info: mounted devpts on /dev/pts "
                 "(nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5)\n"),
        first.out);
  check(ccinit::path_exists("/dev/ptmx"), "/dev/ptmx missing");
  check(loopback_up(), "lo is not up");
  check(contains(first.out, "mounter: step loopback-up ... done\n"), first.out);
  if (!kProcBeforeMounter)
    check(contains(first.out, "mounter: debug: confinement: seccomp filter loaded"),
          "the mounter starts before /proc exists: " + first.out);

  // 2. Plain files stand in for the net.core knobs, and a tmpfs /dev (as a test harness
  //    might give) replaces devtmpfs, which is one instance kernel-wide and so must never be
  //    written to. The second run finds the rest mounted, makes /dev/pts, /dev/shm and
  //    the /dev/ptmx link, and writes the socket buffer sizes.
  sys(::umount2("/dev/shm", 0), "umount /dev/shm");
  sys(::umount2("/dev/pts", 0), "umount /dev/pts");
  sys(::mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755"), "tmpfs over /dev");
  fs::create_directory("/stand-ins");
  for (const char* knob : {"rmem_default", "wmem_default", "rmem_max", "wmem_max"}) {
    const std::string file = std::string("/stand-ins/") + knob;
    write_text(file, "212992\n");
    sys(::mount(file.c_str(), (std::string("/proc/sys/net/core/") + knob).c_str(), nullptr, MS_BIND,
                nullptr),
        std::string("bind stand-in for ") + knob);
  }
  ProgramRun second = run_in_root("mounter");
  check(second.exited_with(0), "second mounter run: " + second.describe());
  check(contains(second.out,
                 "mounter: info: skipped proc on /proc: /proc is already a mount "
                 "point\n"),
        second.out);
  check(contains(second.out, "mounter: info: network interface lo was already up\n"), second.out);
  check(contains(second.out, "mounter: info: created directory /dev/pts\n"), second.out);
  check(contains(second.out, "mounter: info: created symlink /dev/ptmx -> pts/ptmx\n"), second.out);
  check(fs::read_symlink("/dev/ptmx") == "pts/ptmx", "/dev/ptmx is not a link to pts/ptmx");
  check(ccinit::is_mount_point("/dev/pts") && ccinit::is_mount_point("/dev/shm"),
        "/dev/pts or /dev/shm not mounted on the tmpfs /dev");
  check(contains(second.out, "mounter: debug: confinement: Seccomp=2 NoNewPrivs=1 "), second.out);
  for (const char* knob : {"rmem_default", "wmem_default", "rmem_max", "wmem_max"})
    check(read_text(std::string("/stand-ins/") + knob).rfind("16777216", 0) == 0,
          std::string(knob) + " not written");

  // 3. lockdown against stand-in knobs on a tmpfs over /proc/sys/kernel: never the host's.
  sys(::mount("tmpfs", "/proc/sys/kernel", "tmpfs", 0, "mode=0755"), "tmpfs over /proc/sys/kernel");
  struct statfs kernel_fs {};
  sys(::statfs("/proc/sys/kernel", &kernel_fs), "statfs /proc/sys/kernel");
  check(kernel_fs.f_type == TMPFS_MAGIC, "refusing to run lockdown against real kernel knobs");
  write_text("/proc/sys/kernel/modules_disabled", "0\n");
  write_text("/proc/sys/kernel/kexec_load_disabled", "0\n");
  const bool has_modules = ccinit::path_exists("/proc/modules");
  const bool has_kexec = ccinit::path_exists("/sys/kernel/kexec_loaded");
  ProgramRun lockdown = run_in_root("lockdown");
  check(lockdown.exited_with(0), "lockdown: " + lockdown.describe());
  check(read_text("/proc/sys/kernel/modules_disabled") == "1\n", "modules_disabled not 1");
  check(read_text("/proc/sys/kernel/kexec_load_disabled") == "1\n", "kexec_load_disabled not 1");
  check(contains(lockdown.out, "lockdown: debug: confinement: Seccomp=2 NoNewPrivs=1 "),
        lockdown.out);

  // 4. A kernel without the knob of a feature it has must fail closed.
  if (has_modules || has_kexec) {
    ::unlink(has_modules ? "/proc/sys/kernel/modules_disabled"
                         : "/proc/sys/kernel/kexec_load_disabled");
    ProgramRun refused = run_in_root("lockdown");
    check(refused.exited_with(1), "lockdown without a knob: " + refused.describe());
  }
}

TEST(HelperNamespaces, MounterAndLockdownDoTheirWorkUnderTheirPolicies) {
  if (::geteuid() != 0) CCINIT_SKIP_OR_FAIL("needs root for mount, network and PID namespaces");
  const TempDir root_dir("helper_ns_test");
  const std::string& root = root_dir.path();
  // As PID 1 of the new PID namespace, so a /proc it mounts shows the helpers it starts.
  const std::string outcome =
      run_in_new_namespaces(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID, [&] { scenario(root); });
  if (outcome.rfind("unshare: ", 0) == 0) CCINIT_SKIP_OR_FAIL("no namespaces here: " + outcome);
  EXPECT_EQ(outcome, "ok");
}

}  // namespace
}  // namespace ccinit::testing
