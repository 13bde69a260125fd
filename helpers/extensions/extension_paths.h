#pragma once

#include <string>
#include <string_view>

namespace ccinit::extensions {

// Where the extensions helper finds the kernel and puts what it makes. The defaults are the
// guest's; tests point them at fake trees.
struct ExtensionPaths {
  std::string sys = "/sys";
  std::string proc = "/proc";
  std::string dev = "/dev";
  std::string run = "/run";

  std::string mapper_dir() const { return dev + "/mapper"; }
  std::string mapper_control() const { return mapper_dir() + "/control"; }
  // /dev/mapper/extension-<name>.
  std::string mapper_node(std::string_view dm_name) const {
    return mapper_dir() + "/" + std::string(dm_name);
  }
  std::string mount_root() const { return run + "/kata-extensions"; }
  // /run/kata-extensions/<name>: where the GPU extension and kata-agent look for it.
  std::string mount_point(std::string_view extension_name) const {
    return mount_root() + "/" + std::string(extension_name);
  }
};

}  // namespace ccinit::extensions
