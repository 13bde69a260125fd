#include "tests/support/agent/flood_steps.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "tests/support/agent/report.h"

namespace ccinit::test_agent {

void fill_filesystem(std::string_view path) {
  const std::string name(path);
  UniqueFd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) {
    report("fill", "0 " + errno_name(errno));
    return;
  }
  const std::vector<char> block(1 << 20, 'f');
  unsigned long long written = 0;
  int error = 0;
  for (;;) {
    ssize_t n = ::write(fd.get(), block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : ENOSPC;
      break;
    }
    written += static_cast<unsigned long long>(n);
  }
  report("fill", std::to_string(written) + " " + errno_name(error));
}

void limit_tmpfs(std::string_view dir, std::string_view size, std::string_view inodes) {
  const std::string target(dir);
  const std::string options = "size=" + std::string(size) + ",nr_inodes=" + std::string(inodes);
  const int rc = ::mount("tmpfs", target.c_str(), "tmpfs",
                         MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, options.c_str());
  report("tmpfs_limit", rc == 0 ? "ok" : errno_name(errno));
}

void fill_inodes(std::string_view dir) {
  unsigned long files = 0;
  int error = 0;
  for (;;) {
    const std::string name = std::string(dir) + "/" + std::to_string(files);
    UniqueFd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
      error = errno;
      break;
    }
    ++files;
  }
  report("fill_inodes", std::to_string(files) + " " + errno_name(error));
}

void flood_syslog(unsigned long count, unsigned long bytes) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, "/dev/log");
  std::string message = "<14>flood: " + std::string(bytes > 11 ? bytes - 11 : 1, 'x');
  unsigned long sent = 0;
  for (unsigned long i = 0; sock && i < count; ++i) {
    if (::sendto(sock.get(), message.data(), message.size(), 0,
                 reinterpret_cast<const sockaddr*>(&addr), sizeof addr) >= 0)
      ++sent;
  }
  report("syslog_sent", std::to_string(sent));
}

void report_size(std::string_view path) {
  const std::string name(path);
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) {
    report("size", name + " " + errno_name(errno));
    return;
  }
  report("size", name + " " + std::to_string(st.st_size));
}

}  // namespace ccinit::test_agent
