#include "helpers/extensions/erofs_mount.h"

#include "common/sys_error.h"

namespace ccinit::extensions {

void LinuxErofsMounter::mount(const std::string& device, const std::string& target) {
  if (::mount(device.c_str(), target.c_str(), "erofs", kExtensionMountFlags, nullptr) != 0)
    throw SysError("mount erofs " + device + " on " + target + " (" + kExtensionMountOptions + ")");
}

}  // namespace ccinit::extensions
