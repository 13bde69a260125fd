#pragma once

#include <string>

namespace ccinit {

// Whether path is the root of a mount, asked with statx (STATX_ATTR_MOUNT_ROOT) because the
// mounter runs before /proc (and so /proc/self/mountinfo) exists. Kernels older than 5.8
// do not report that attribute: then path counts as a mount point when its device differs
// from its parent's. Does not follow a final symlink. Throws SysError naming the path.
bool is_mount_point(const std::string& path);

// Whether anything (a dangling symlink included) exists at path; throws SysError on errors
// other than ENOENT/ENOTDIR.
bool path_exists(const std::string& path);

}  // namespace ccinit
