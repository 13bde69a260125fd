#include "helpers/runtime/fd_check.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>
#include <string_view>

#include "common/decimal.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit::helper {

namespace {

constexpr int kMaxProbedFds = 65536;

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

std::optional<int> parse_fd_name(std::string_view name) {
  return parse_decimal<int>(name);
}

std::string describe_fd(int fd) {
  return "fd " + std::to_string(fd);
}

// A pipe end open in the given access mode (O_RDONLY or O_WRONLY).
void require_pipe(int fd, int access_mode, const char* role) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw FdCheckError(describe_fd(fd) + " (" + role + "): not open");
  if (!S_ISFIFO(st.st_mode)) throw FdCheckError(describe_fd(fd) + " (" + role + "): not a pipe");
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) throw FdCheckError(describe_fd(fd) + " (" + role + "): F_GETFL failed");
  if ((flags & O_ACCMODE) != access_mode)
    throw FdCheckError(describe_fd(fd) + " (" + role + "): pipe open for " +
                       ((flags & O_ACCMODE) == O_RDONLY ? "reading" : "writing") + ", expected " +
                       (access_mode == O_RDONLY ? "reading" : "writing"));
}

}  // namespace

std::optional<std::vector<int>> list_open_fds_from_procfs(const std::string& dir) {
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return std::nullopt;
  struct statfs fs {};
  if (::fstatfs(dir_fd.get(), &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) return std::nullopt;
  int own_fd = dir_fd.get();
  UniqueDir stream(::fdopendir(own_fd));
  if (!stream) throw SysError("fdopendir " + dir);
  dir_fd.release();  // now owned by the DIR stream

  std::vector<int> fds;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) {
      if (errno != 0) throw SysError("readdir " + dir);
      break;
    }
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    auto fd = parse_fd_name(name);
    if (!fd) throw FdCheckError(dir + ": unexpected entry '" + std::string(name) + "'");
    if (*fd != own_fd) fds.push_back(*fd);
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

std::vector<int> list_open_fds_by_probing(int limit) {
  std::vector<int> fds;
  for (int fd = 0; fd < limit; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0) fds.push_back(fd);
  }
  return fds;
}

int fd_probe_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return kMaxProbedFds;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > kMaxProbedFds) return kMaxProbedFds;
  return static_cast<int>(limit.rlim_cur);
}

std::vector<int> list_open_fds(const std::string& proc_fd_dir) {
  if (auto fds = list_open_fds_from_procfs(proc_fd_dir)) return *fds;
  return list_open_fds_by_probing(fd_probe_limit());
}

void check_protocol_fds(const std::vector<int>& open_fds, int request_fd, int event_fd) {
  std::vector<int> expected{0, 1, 2, request_fd, event_fd};
  std::sort(expected.begin(), expected.end());
  for (int fd : expected) {
    if (!std::binary_search(open_fds.begin(), open_fds.end(), fd))
      throw FdCheckError(describe_fd(fd) +
                         " is not open; expected exactly fds 0-2, the request "
                         "pipe on fd " +
                         std::to_string(request_fd) + " and the event pipe on fd " +
                         std::to_string(event_fd));
  }
  for (int fd : open_fds) {
    if (!std::binary_search(expected.begin(), expected.end(), fd))
      throw FdCheckError("unexpected open " + describe_fd(fd) +
                         ": a helper must start with no descriptors but 0-2, " +
                         std::to_string(request_fd) + " and " + std::to_string(event_fd));
  }
  require_pipe(request_fd, O_RDONLY, "request pipe");
  require_pipe(event_fd, O_WRONLY, "event pipe");
}

void set_cloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0)
    throw SysError("set FD_CLOEXEC on fd " + std::to_string(fd));
}

}  // namespace ccinit::helper
