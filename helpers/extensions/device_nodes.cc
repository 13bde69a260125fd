#include "helpers/extensions/device_nodes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "common/sys_error.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

std::string kind_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFBLK:
      return "block device";
    case S_IFCHR:
      return "character device";
    case S_IFDIR:
      return "directory";
    case S_IFLNK:
      return "symlink";
    case S_IFREG:
      return "regular file";
    case S_IFIFO:
      return "FIFO";
    case S_IFSOCK:
      return "socket";
  }
  return "file of unknown type";
}

struct stat lstat_or_throw(const std::string& path) {
  struct stat st {};
  if (::fstatat(AT_FDCWD, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw SysError("lstat " + path);
  return st;
}

}  // namespace

void LinuxDeviceNodes::make_directory(const std::string& path) {
  if (::mkdirat(AT_FDCWD, path.c_str(), 0755) == 0) return;
  if (errno != EEXIST) throw SysError("mkdir " + path);
  const struct stat st = lstat_or_throw(path);
  if (!S_ISDIR(st.st_mode))
    throw ExtensionError(path + " is a " + kind_of(st.st_mode) + ", not a directory");
}

bool LinuxDeviceNodes::make_block_node(const std::string& path, DeviceNumber device) {
  const dev_t number = makedev(device.major, device.minor);
  if (::mknodat(AT_FDCWD, path.c_str(), S_IFBLK | 0600, number) == 0) return true;
  if (errno != EEXIST)
    throw SysError("mknod " + path + " (block device " + to_string(device) + ")");
  const struct stat st = lstat_or_throw(path);
  if (!S_ISBLK(st.st_mode) || st.st_rdev != number) {
    std::string found = kind_of(st.st_mode);
    if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
      found += " " + to_string({major(st.st_rdev), minor(st.st_rdev)});
    throw ExtensionError("stale " + path + ": a " + found + ", not block device " +
                         to_string(device) + " (refused: it is not the verified device)");
  }
  return false;
}

void LinuxDeviceNodes::remove_node(const std::string& path) {
  if (::unlinkat(AT_FDCWD, path.c_str(), 0) != 0) throw SysError("unlink " + path);
}

}  // namespace ccinit::extensions
