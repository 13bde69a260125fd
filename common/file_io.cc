#include "common/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <memory>

#include <cerrno>

#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit {

namespace {

std::optional<std::string> read_file_impl(const std::string& path, bool missing_ok) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (missing_ok && errno == ENOENT) return std::nullopt;
    throw SysError("open " + path);
  }
  try {
    return read_all(fd.get());
  } catch (const SysError& e) {
    throw SysError("read " + path, e.code());
  }
}

}  // namespace

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("read");
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string read_file(const std::string& path) {
  return *read_file_impl(path, false);
}

std::optional<std::string> read_file_if_exists(const std::string& path) {
  return read_file_impl(path, true);
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string read_regular_file(const std::string& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) throw SysError("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw SysError("fstat " + path);
  if (!S_ISREG(st.st_mode)) throw SysError("open " + path + " (not a regular file)", EINVAL);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("read " + path);
    }
    if (n == 0) return out;
    // Checked per chunk, so a file that grows while being read is still cut off.
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      throw SysError("read " + path + " (more than " + std::to_string(max_bytes) + " bytes)",
                     EFBIG);
    out.append(buf, static_cast<size_t>(n));
  }
}

void write_file_atomically(const std::string& path, std::string_view data, mode_t mode) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  std::string temp = path + ".XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) throw SysError("create a temporary file for " + path);
  // Each step's name goes into the one error line; errno is saved before the unlink.
  const char* failed = nullptr;
  if (::fchmod(fd.get(), mode) != 0) {  // not the umask-filtered create mode: exactly `mode`
    failed = "fchmod";
  } else {
    try {
      write_all(fd.get(), data);
    } catch (const SysError& e) {
      errno = e.code();
      failed = "write";
    }
  }
  if (!failed && ::fsync(fd.get()) != 0) failed = "fsync";
  if (!failed && ::rename(temp.c_str(), path.c_str()) != 0) failed = "rename";
  if (failed) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw SysError("write " + path + " atomically (" + failed + ")", err);
  }
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd || ::fsync(dir_fd.get()) != 0)
    throw SysError("fsync " + dir + " after writing " + path);
}

void write_existing_file(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw SysError("open " + path);
  try {
    write_all(fd.get(), data);
  } catch (const SysError& e) {
    throw SysError("write " + path, e.code());
  }
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\0'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::vector<std::string>> list_directory(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) {
    if (errno == ENOENT) return std::nullopt;
    throw SysError("open directory " + path);
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) throw SysError("read directory " + path);
      break;
    }
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  const int rc = ::poll(&p, 1, 0);
  if (rc < 0 && errno != EINTR) throw SysError("poll");
  return rc > 0 && (p.revents & POLLIN);
}

}  // namespace ccinit
