#include "common/gpu_extension.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <stdexcept>

#include "common/sys_error.h"

namespace ccinit::nvidia {

namespace {

// statx, not stat: STATX_ATTR_MOUNT_ROOT also sees a bind mount from the same filesystem,
// whose device equals its parent's.
bool stat_path(const std::string& path, struct statx& out) {
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &out) == 0)
    return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw SysError("statx " + path);
}

bool is_mount_root(const std::string& path, const struct statx& stx) {
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  // Kernels before 5.8 do not report the attribute: a different device than the parent's.
  struct statx parent {};
  if (!stat_path(path + "/..", parent)) throw SysError("statx " + path + "/..", ENOENT);
  return stx.stx_dev_major != parent.stx_dev_major || stx.stx_dev_minor != parent.stx_dev_minor;
}

[[noreturn]] void refuse(const std::string& root, const std::string& why) {
  throw std::runtime_error("GPU extension: " + root + " " + why +
                           "; the NVIDIA driver is only taken from the verified, read-only "
                           "mount of the extension \"gpu\"");
}

}  // namespace

bool gpu_extension_in_use(const std::string& root) {
  struct statx stx {};
  if (!stat_path(root, stx)) return false;
  if (!S_ISDIR(stx.stx_mode)) refuse(root, "is not a directory");
  if (!is_mount_root(root, stx)) refuse(root, "is a directory but not a mount point");
  struct statvfs fs {};
  if (::statvfs(root.c_str(), &fs) != 0) throw SysError("statvfs " + root);
  if (!(fs.f_flag & ST_RDONLY)) refuse(root, "is mounted writable");
  return true;
}

}  // namespace ccinit::nvidia
