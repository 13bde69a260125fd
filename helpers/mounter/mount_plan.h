#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "helpers/runtime/reporter.h"

// The mounter's work as data: what a dry run prints, what unit tests check and what the
// real run executes are one list.
namespace ccinit::mounter {

// Mount `fstype` (also the source) on `target` unless target already is a mount point.
struct MountSpec {
  std::string step;  // progress step name, e.g. "mount-proc"
  std::string fstype;
  std::string target;
  unsigned long flags = 0;  // MS_*
  std::string data;         // filesystem options, e.g. "mode=0755"
  // Create the target directory (and its parents) when it is missing. Without it a missing
  // target is an error, unless `optional`.
  bool create_target = false;
  // Mounted only when /proc/filesystems lists fstype and the target exists (securityfs,
  // configfs: the kernel creates their directories when it has them).
  bool optional = false;
};

// Create `link` pointing at `target` when nothing exists at `link`.
struct SymlinkSpec {
  std::string step;
  std::string target;  // e.g. "pts/ptmx"
  std::string link;    // e.g. "/dev/ptmx"
};

// Set IFF_UP|IFF_RUNNING on a network interface.
struct LinkUpSpec {
  std::string step;
  std::string interface;
};

// Write `value` to an existing /proc/sys file.
struct SysctlSpec {
  std::string step;
  std::string path;
  std::string value;
};

using Action = std::variant<MountSpec, SymlinkSpec, LinkUpSpec, SysctlSpec>;

// Everything the mounter does, in order.
std::vector<Action> mounter_plan();

// The step name of an action.
const std::string& step_name(const Action& action);

// "nosuid,noexec,nodev,relatime,mode=0755": the flags, then the filesystem options.
std::string describe_mount_options(const MountSpec& spec);

// What the plan needs from the system. The real one (helpers/mounter) makes the system
// calls; tests substitute a fake. Failures throw std::exception with a message naming the
// path and the errno text.
class MountSystem {
 public:
  virtual ~MountSystem() = default;
  virtual bool is_mount_point(const std::string& path) = 0;
  // Anything at path, a dangling symlink included.
  virtual bool exists(const std::string& path) = 0;
  // Whether /proc/filesystems lists fstype.
  virtual bool filesystem_listed(std::string_view fstype) = 0;
  virtual void make_directories(const std::string& path) = 0;
  virtual void mount(const MountSpec& spec) = 0;
  virtual void symlink(const std::string& target, const std::string& link) = 0;
  // Returns false when the interface was already up (nothing changed).
  virtual bool link_up(const std::string& interface) = 0;
  virtual void write_sysctl(const std::string& path, const std::string& value) = 0;
};

// Runs (or with dry_run, only describes) each action as one progress step, logging every
// decision at info level. Skips a mount whose target already is a mount point. Throws on
// the first failure.
void run_plan(const std::vector<Action>& plan, MountSystem& system, helper::Reporter& reporter,
              bool dry_run);

}  // namespace ccinit::mounter
