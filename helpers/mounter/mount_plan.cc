#include "helpers/mounter/mount_plan.h"

#include <sys/mount.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace ccinit::mounter {

namespace {

constexpr unsigned long kLocked = MS_NOSUID | MS_NOEXEC | MS_NODEV;
constexpr std::string_view kNetBufferBytes = "16777216";

MountSpec mount_spec(std::string step, std::string fstype, std::string target, unsigned long flags,
                     std::string data, bool create_target) {
  MountSpec spec;
  spec.step = std::move(step);
  spec.fstype = std::move(fstype);
  spec.target = std::move(target);
  spec.flags = flags;
  spec.data = std::move(data);
  spec.create_target = create_target;
  return spec;
}

MountSpec optional_mount(std::string step, std::string fstype, std::string target) {
  MountSpec spec = mount_spec(std::move(step), std::move(fstype), std::move(target), kLocked, "",
                              /*create_target=*/false);
  spec.optional = true;
  return spec;
}

// What the system looks like for one mount, decided before anything is done.
enum class MountDecision { kMount, kAlreadyMounted, kNotListed, kNoTarget };

MountDecision decide(const MountSpec& spec, MountSystem& system) {
  if (spec.optional) {
    if (!system.filesystem_listed(spec.fstype)) return MountDecision::kNotListed;
    if (!system.exists(spec.target)) return MountDecision::kNoTarget;
  }
  if (system.exists(spec.target) && system.is_mount_point(spec.target))
    return MountDecision::kAlreadyMounted;
  return MountDecision::kMount;
}

void run_mount(const MountSpec& spec, MountSystem& system, helper::Reporter& reporter,
               bool dry_run) {
  const std::string what = spec.fstype + " on " + spec.target;
  switch (decide(spec, system)) {
    case MountDecision::kNotListed:
      reporter.info("skipped " + what + ": /proc/filesystems does not list " + spec.fstype);
      return;
    case MountDecision::kNoTarget:
      reporter.info("skipped " + what + ": " + spec.target + " does not exist");
      return;
    case MountDecision::kAlreadyMounted:
      reporter.info("skipped " + what + ": " + spec.target + " is already a mount point");
      return;
    case MountDecision::kMount:
      break;
  }
  const std::string options = " (" + describe_mount_options(spec) + ")";
  if (!system.exists(spec.target)) {
    if (!spec.create_target)
      throw std::runtime_error("cannot mount " + what + ": " + spec.target + " does not exist");
    if (dry_run) {
      reporter.info("would create directory " + spec.target);
    } else {
      system.make_directories(spec.target);
      reporter.info("created directory " + spec.target);
    }
  }
  if (dry_run) {
    reporter.info("would mount " + what + options);
    return;
  }
  system.mount(spec);
  reporter.info("mounted " + what + options);
}

void run_symlink(const SymlinkSpec& spec, MountSystem& system, helper::Reporter& reporter,
                 bool dry_run) {
  const std::string what = spec.link + " -> " + spec.target;
  if (system.exists(spec.link)) {
    reporter.info("skipped symlink " + what + ": " + spec.link + " exists");
    return;
  }
  if (dry_run) {
    reporter.info("would create symlink " + what);
    return;
  }
  system.symlink(spec.target, spec.link);
  reporter.info("created symlink " + what);
}

void run_link_up(const LinkUpSpec& spec, MountSystem& system, helper::Reporter& reporter,
                 bool dry_run) {
  if (dry_run) {
    reporter.info("would bring up network interface " + spec.interface + " (IFF_UP|IFF_RUNNING)");
    return;
  }
  if (system.link_up(spec.interface)) {
    reporter.info("brought up network interface " + spec.interface);
  } else {
    reporter.info("network interface " + spec.interface + " was already up");
  }
}

void run_sysctl(const SysctlSpec& spec, MountSystem& system, helper::Reporter& reporter,
                bool dry_run) {
  if (dry_run) {
    reporter.info("would write " + spec.value + " to " + spec.path);
    return;
  }
  system.write_sysctl(spec.path, spec.value);
  reporter.info("wrote " + spec.value + " to " + spec.path);
}

}  // namespace

std::vector<Action> mounter_plan() {
  std::vector<Action> plan;
  // NVRC's own mounts.
  plan.push_back(mount_spec("mount-proc", "proc", "/proc", kLocked | MS_RELATIME, "", true));
  plan.push_back(mount_spec("mount-sys", "sysfs", "/sys", kLocked | MS_RELATIME, "", true));
  // Usually the kernel mounted devtmpfs already (CONFIG_DEVTMPFS_MOUNT); an initramfs
  // boot leaves /dev to us.
  plan.push_back(mount_spec("mount-dev", "devtmpfs", "/dev", MS_NOSUID, "mode=0755", true));
  plan.push_back(mount_spec("mount-run", "tmpfs", "/run", kLocked, "mode=0755", true));
  plan.push_back(mount_spec("mount-tmp", "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "", true));
  plan.push_back(optional_mount("mount-securityfs", "securityfs", "/sys/kernel/security"));
  plan.push_back(optional_mount("mount-configfs", "configfs", "/sys/kernel/config"));
  // kata-agent is not PID 1, so it skips its own init mounts: these are what it expects.
  plan.push_back(mount_spec("mount-dev-pts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                            "newinstance,ptmxmode=0666,mode=0620,gid=5", true));
  plan.push_back(
      mount_spec("mount-dev-shm", "tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777", true));
  plan.push_back(SymlinkSpec{"link-dev-ptmx", "pts/ptmx", "/dev/ptmx"});
  // sysfs provides the directory when the kernel has cgroups; never created here.
  plan.push_back(mount_spec("mount-cgroup2", "cgroup2", "/sys/fs/cgroup", kLocked, "", false));
  plan.push_back(LinkUpSpec{"loopback-up", "lo"});
  for (std::string_view knob : {"rmem_default", "wmem_default", "rmem_max", "wmem_max"}) {
    plan.push_back(SysctlSpec{"sysctl-net-core-" + std::string(knob),
                              "/proc/sys/net/core/" + std::string(knob),
                              std::string(kNetBufferBytes)});
  }
  return plan;
}

const std::string& step_name(const Action& action) {
  return std::visit([](const auto& spec) -> const std::string& { return spec.step; }, action);
}

std::string describe_mount_options(const MountSpec& spec) {
  static constexpr std::array<std::pair<unsigned long, std::string_view>, 6> kFlagNames = {{
      {MS_RDONLY, "ro"},
      {MS_NOSUID, "nosuid"},
      {MS_NOEXEC, "noexec"},
      {MS_NODEV, "nodev"},
      {MS_RELATIME, "relatime"},
      {MS_NOATIME, "noatime"},
  }};
  std::string out;
  unsigned long described = 0;
  for (const auto& [flag, name] : kFlagNames) {
    if ((spec.flags & flag) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
    described |= flag;
  }
  if (unsigned long rest = spec.flags & ~described; rest != 0) {
    if (!out.empty()) out += ',';
    out += "flags=" + std::to_string(rest);
  }
  if (!spec.data.empty()) {
    if (!out.empty()) out += ',';
    out += spec.data;
  }
  return out.empty() ? "defaults" : out;
}

void run_plan(const std::vector<Action>& plan, MountSystem& system, helper::Reporter& reporter,
              bool dry_run) {
  for (const Action& action : plan) {
    helper::StepScope step(reporter, step_name(action));
    std::visit(
        [&](const auto& spec) {
          using Spec = std::decay_t<decltype(spec)>;
          if constexpr (std::is_same_v<Spec, MountSpec>) {
            run_mount(spec, system, reporter, dry_run);
          } else if constexpr (std::is_same_v<Spec, SymlinkSpec>) {
            run_symlink(spec, system, reporter, dry_run);
          } else if constexpr (std::is_same_v<Spec, LinkUpSpec>) {
            run_link_up(spec, system, reporter, dry_run);
          } else {
            run_sysctl(spec, system, reporter, dry_run);
          }
        },
        action);
    step.done();
  }
}

}  // namespace ccinit::mounter
