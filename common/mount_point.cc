#include "common/mount_point.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/sys_error.h"

namespace ccinit {

namespace {

struct statx stat_path(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) != 0)
    throw SysError("statx " + path);
  return stx;
}

}  // namespace

bool is_mount_point(const std::string& path) {
  struct statx stx = stat_path(path);
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  struct statx parent = stat_path(path + "/..");
  return stx.stx_dev_major != parent.stx_dev_major || stx.stx_dev_minor != parent.stx_dev_minor;
}

bool path_exists(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &stx) == 0)
    return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw SysError("statx " + path);
}

}  // namespace ccinit
