#include "common/file_io.h"

#include <fcntl.h>
#include <unistd.h>

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

}  // namespace ccinit
