#include "tests/support/ns_boot/guest_setup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "tests/support/ns_boot/observer_filter.h"
#include "tests/support/ns_boot/stand_ins.h"

namespace ccinit::ns_boot {

namespace {

std::string real_path(const std::string& path, const char* what) {
  char resolved[PATH_MAX];
  if (!::realpath(path.c_str(), resolved)) throw SysError(std::string(what) + " " + path);
  return resolved;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void do_mount(const std::string& source, const std::string& target, const char* fstype,
              unsigned long flags, const char* data = nullptr) {
  if (::mount(source.c_str(), target.c_str(), fstype, flags, data) != 0)
    throw SysError("mount " + source + " on " + target);
}

void touch(const std::string& path, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd) throw SysError("create " + path);
}

void bind_file(const std::string& source, const std::string& target) {
  if (!exists(target)) touch(target, 0644);
  do_mount(source, target, nullptr, MS_BIND);
}

// Like a fresh devtmpfs as far as the guest is concerned: a few harmless nodes of the
// machine, and kmsg a regular file so no record ever reaches the machine's kernel log.
// Nothing else (no ptmx, pts, shm): PID 1 has to make those itself, as in a real guest.
void set_up_dev(const std::string& root, const std::string& kmsg_file) {
  const std::string dev = root + "/dev";
  do_mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=0755,size=4m");
  for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
    const std::string source = std::string("/dev/") + node;
    if (!exists(source)) {
      if (std::string(node) == "tty") continue;  // no tty on some CI machines; optional
      throw std::runtime_error(source + " does not exist on this machine");
    }
    touch(dev + "/" + node, 0666);
    do_mount(source, dev + "/" + node, nullptr, MS_BIND);
  }
  bind_file(kmsg_file, dev + "/kmsg");
}

std::vector<std::string> directory_entries(int dir_fd) {
  int listing_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing_fd < 0) throw SysError("open directory");
  DIR* dir = ::fdopendir(listing_fd);
  if (!dir) {
    ::close(listing_fd);
    throw SysError("fdopendir");
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

// Makes `dir` (a procfs directory) able to hold files the kernel does not have (e.g.
// modules_disabled on a kernel built without modules): a tmpfs over it, holding a bind of
// every original entry. The binds come from the read-only view, so they stay read-only.
void mirror_directory(const std::string& root, const std::string& dir) {
  UniqueFd original(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!original) throw SysError("open " + dir);
  const std::vector<std::string> names = directory_entries(original.get());
  do_mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=64k");
  const std::string via_fd = root + "/proc/self/fd/" + std::to_string(original.get()) + "/";
  for (const std::string& name : names) {
    struct stat st {};
    if (::fstatat(original.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      throw SysError("stat " + dir + "/" + name);
    const std::string placeholder = dir + "/" + name;
    if (S_ISDIR(st.st_mode)) {
      if (::mkdir(placeholder.c_str(), 0555) != 0) throw SysError("mkdir " + placeholder);
    } else {
      touch(placeholder, 0444);
    }
    do_mount(via_fd + name, placeholder, nullptr, MS_BIND | MS_REC);
  }
}

// /proc/sys becomes read-only, so a write the tests did not foresee fails (EROFS) instead
// of changing the machine; the stand-ins are bound over it writable. /proc/sysrq-trigger
// is masked: nothing in a test may reach the machine's sysrq.
void set_up_proc(const std::string& root, const std::string& stand_in_dir) {
  const std::string proc = root + "/proc";
  do_mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  bind_file(stand_in_dir + "/" + kCmdlineFile, proc + "/cmdline");
  if (exists(proc + "/sysrq-trigger"))  // absent without CONFIG_MAGIC_SYSRQ
    do_mount("/dev/null", proc + "/sysrq-trigger", nullptr, MS_BIND | MS_RDONLY);

  const std::string sys = proc + "/sys";
  do_mount(sys, sys, nullptr, MS_BIND | MS_REC);
  do_mount("none", sys, nullptr,
           MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

  std::map<std::string, std::vector<const StandIn*>> by_dir;
  for (const StandIn& stand_in : stand_ins()) by_dir[stand_in.proc_dir].push_back(&stand_in);
  for (const auto& [relative_dir, entries] : by_dir) {
    const std::string dir = proc + "/" + relative_dir;
    bool mirrored = false;
    for (const StandIn* stand_in : entries) {
      if (!exists(dir + "/" + stand_in->name) && !mirrored) {
        mirror_directory(root, dir);
        mirrored = true;
      }
    }
    for (const StandIn* stand_in : entries)
      bind_file(stand_in_dir + "/" + stand_in->file_name(), dir + "/" + stand_in->name);
    if (mirrored) do_mount("none", dir, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV);
  }
}

void bind_read_only(const std::string& source, const std::string& target) {
  do_mount(source, target, nullptr, MS_BIND | MS_REC);
  do_mount("none", target, nullptr,
           MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

// Real sysfs with a fake PCI device tree over /sys/bus/pci/devices (what GPU detection reads)
// and a fake /sys/class/infiniband (what the NVLink 5 port GUID is read from), each when
// given. Only in this mount namespace, and never through anything the guest's kernel command
// line can reach.
void set_up_sys(const std::string& root, const std::string& pci_devices,
                const std::string& infiniband) {
  const std::string sys = root + "/sys";
  do_mount("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (!pci_devices.empty()) bind_read_only(pci_devices, sys + "/bus/pci/devices");
  if (infiniband.empty()) return;
  const std::string class_dir = sys + "/class", target = class_dir + "/infiniband";
  if (exists(target)) return bind_read_only(infiniband, target);
  // A machine without RDMA devices has no class/infiniband, and sysfs takes no mkdir: /sys/class
  // becomes a tmpfs holding a bind of every real class and the new directory.
  mirror_directory(root, class_dir);
  if (::mkdir(target.c_str(), 0555) != 0) throw SysError("mkdir " + target);
  bind_read_only(infiniband, target);
  do_mount("none", class_dir, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV);
}

// The device a TDX or SEV-SNP guest kernel provides; only its existence matters here.
void set_up_cc_guest_device(const std::string& root, const std::string& cc_guest) {
  const std::string node = root + (cc_guest == "tdx" ? "/dev/tdx_guest" : "/dev/sev-guest");
  touch(node, 0600);
  do_mount("/dev/null", node, nullptr, MS_BIND);
}

// The GPU extension as the extensions helper leaves it: EROFS, read-only, nosuid, nodev (not
// noexec: it ships the NVIDIA tools), at /run/kata-extensions/gpu. The loop device is
// read-only and detaches itself when the namespace's mount goes away.
void set_up_gpu_extension(const std::string& root, const std::string& image) {
  const std::string run = root + "/run", target = run + "/kata-extensions/gpu";
  do_mount("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  std::filesystem::create_directories(target);
  UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) throw SysError("open /dev/loop-control");
  const int number = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
  if (number < 0) throw SysError("LOOP_CTL_GET_FREE");
  const std::string device = "/dev/loop" + std::to_string(number);
  UniqueFd loop(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!loop) throw SysError("open " + device);
  UniqueFd backing(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
  if (!backing) throw SysError("open --gpu-extension " + image);
  loop_config config{};
  config.fd = static_cast<__u32>(backing.get());
  config.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
  if (::ioctl(loop.get(), LOOP_CONFIGURE, &config) != 0) throw SysError("LOOP_CONFIGURE " + device);
  do_mount(device, target, "erofs", MS_RDONLY | MS_NOSUID | MS_NODEV);
}

// What the kernel gives init: default dispositions, nothing blocked.
void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);  // glibc-internal ones fail
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void give_up(int status, const std::string& what) {
  std::string line = "ns-boot: " + what + "\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  _exit(status);
}

}  // namespace

void boot_guest(const Options& options, int observer_fd) {
  try {
    // The guest's PID 1 powers off with reboot(2): only inside a PID namespace does that
    // merely end the namespace.
    if (::getpid() != 1) give_up(kSetupFailed, "not PID 1 of a new PID namespace; refusing");
    const std::string root = real_path(options.root, "--root");
    const std::string kmsg = real_path(options.kmsg, "--kmsg");
    const std::string stand_in_dir = real_path(options.sysctl_dir, "--sysctl-dir");
    UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_fd) throw SysError("open /dev/null");

    set_up_dev(root, kmsg);
    set_up_proc(root, stand_in_dir);
    if (!options.pci_devices.empty() || !options.infiniband.empty())
      set_up_sys(root,
                 options.pci_devices.empty() ? "" : real_path(options.pci_devices, "--pci-devices"),
                 options.infiniband.empty() ? "" : real_path(options.infiniband, "--infiniband"));
    if (!options.cc_guest.empty()) set_up_cc_guest_device(root, options.cc_guest);
    if (!options.gpu_extension.empty())
      set_up_gpu_extension(root, real_path(options.gpu_extension, "--gpu-extension"));

    reset_signals();
    if (::dup2(null_fd.get(), STDIN_FILENO) < 0) throw SysError("dup2 stdin");
    if (::chroot(root.c_str()) != 0) throw SysError("chroot " + root);
    if (::chdir("/") != 0) throw SysError("chdir /");
    // Last: from here on every call waits for the recorder's answer.
    if (observer_fd >= 0) install_observer(observer_fd);
  } catch (const std::exception& e) {
    give_up(kSetupFailed, e.what());
  }
  ::close_range(3, ~0U, 0);
  char* argv[] = {const_cast<char*>("/sbin/init"), nullptr};
  char* envp[] = {const_cast<char*>("HOME=/"), const_cast<char*>("TERM=linux"), nullptr};
  ::execve("/sbin/init", argv, envp);
  give_up(kExecFailed, std::string("exec /sbin/init: ") + std::strerror(errno));
}

}  // namespace ccinit::ns_boot
