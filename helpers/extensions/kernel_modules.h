#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace ccinit::extensions {

// What extension images need from the kernel, in the order they load: the disk driver,
// device-mapper, its verity target, the filesystem.
inline constexpr std::array<std::string_view, 4> kExtensionModules = {"virtio_blk", "dm_mod",
                                                                      "dm_verity", "erofs"};

// The kExtensionModules still to load, in load order: none on a kernel with them built in
// (Kata's), some on one with them as modules (the Debian test kernel). A module counts as
// present when <sys_root>/module/<name> exists (loaded, or built in with parameters); erofs,
// which has no parameters and so no /sys/module entry when built in, also when
// <proc_root>/filesystems lists it. Throws SysError naming the path when a check cannot be
// made (anything but "does not exist").
std::vector<std::string> modules_to_load(const std::string& sys_root, const std::string& proc_root);

// Whether /proc/filesystems text lists `filesystem` ("nodev\tsysfs\n", "\terofs\n").
bool filesystems_list(std::string_view text, std::string_view filesystem);

}  // namespace ccinit::extensions
