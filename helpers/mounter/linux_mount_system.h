#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "helpers/mounter/mount_plan.h"

namespace ccinit::mounter {

// The mount plan's system calls on the running kernel.
class LinuxMountSystem : public MountSystem {
 public:
  bool is_mount_point(const std::string& path) override;
  bool exists(const std::string& path) override;
  bool filesystem_listed(std::string_view fstype) override;
  void make_directories(const std::string& path) override;
  void mount(const MountSpec& spec) override;
  void symlink(const std::string& target, const std::string& link) override;
  bool link_up(const std::string& interface) override;
  void write_sysctl(const std::string& path, const std::string& value) override;

 private:
  // /proc/filesystems, read once: /proc is only mounted by the plan's first step.
  std::optional<std::string> filesystems_;
};

}  // namespace ccinit::mounter
