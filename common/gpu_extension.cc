#include "common/gpu_extension.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <stdexcept>

#include "common/mount_point.h"
#include "common/sys_error.h"

namespace ccinit::nvidia {

namespace {

[[noreturn]] void refuse(const std::string& root, const std::string& why) {
  throw std::runtime_error("GPU extension: " + root + " " + why +
                           "; the NVIDIA driver is only taken from the verified, read-only "
                           "mount of the extension \"gpu\"");
}

}  // namespace

bool gpu_extension_in_use(const std::string& root) {
  if (!path_exists(root)) return false;
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0) throw SysError("lstat " + root);
  if (!S_ISDIR(st.st_mode)) refuse(root, "is not a directory");
  if (!is_mount_point(root)) refuse(root, "is a directory but not a mount point");
  struct statvfs fs {};
  if (::statvfs(root.c_str(), &fs) != 0) throw SysError("statvfs " + root);
  if (!(fs.f_flag & ST_RDONLY)) refuse(root, "is mounted writable");
  return true;
}

}  // namespace ccinit::nvidia
