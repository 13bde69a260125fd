#include "tests/support/ns_boot/stand_ins.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit::ns_boot {

namespace {

void write_whole(int fd, const std::string& path, const std::string& data) {
  std::string_view rest(data);
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("write " + path);
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Never let a stand-in be the real thing: a regular file, not on procfs or sysfs.
void require_plain_file(int fd, const std::string& path) {
  struct stat st {};
  struct statfs fs {};
  if (::fstat(fd, &st) != 0 || ::fstatfs(fd, &fs) != 0) throw SysError("stat " + path);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": not a regular file");
  if (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC)
    throw std::runtime_error(path + ": on procfs/sysfs; stand-ins must be plain files");
}

}  // namespace

std::string StandIn::file_name() const {
  std::string key = proc_dir.substr(proc_dir.find('/') + 1) + "/" + name;  // drop "sys/"
  std::replace(key.begin(), key.end(), '/', '.');
  return key;
}

const std::vector<StandIn>& stand_ins() {
  static const std::vector<StandIn> kStandIns = {
      {"sys/kernel", "modules_disabled", "0\n"},       {"sys/kernel", "kexec_load_disabled", "0\n"},
      {"sys/kernel", "printk_devkmsg", "ratelimit\n"}, {"sys/net/core", "rmem_default", "212992\n"},
      {"sys/net/core", "wmem_default", "212992\n"},    {"sys/net/core", "rmem_max", "212992\n"},
      {"sys/net/core", "wmem_max", "212992\n"},
  };
  return kStandIns;
}

void prepare_stand_in_dir(const std::string& dir, const std::string& cmdline) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw SysError("mkdir " + dir);

  const std::string cmdline_path = dir + "/" + kCmdlineFile;
  UniqueFd cmdline_fd(
      ::open(cmdline_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!cmdline_fd) throw SysError("open " + cmdline_path);
  require_plain_file(cmdline_fd.get(), cmdline_path);
  write_whole(cmdline_fd.get(), cmdline_path, cmdline + "\n");  // the kernel's ends in \n too

  for (const StandIn& stand_in : stand_ins()) {
    const std::string path = dir + "/" + stand_in.file_name();
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (fd) {
      write_whole(fd.get(), path, stand_in.initial);
      continue;
    }
    if (errno != EEXIST) throw SysError("create " + path);
    UniqueFd existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!existing) throw SysError("open " + path);
    require_plain_file(existing.get(), path);
  }
}

}  // namespace ccinit::ns_boot
