#include "pid1/seccomp_audit.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "common/text_lines.h"
#include "common/unique_fd.h"
#include "policy/syscall_names.h"

namespace ccinit::pid1 {

namespace {

std::optional<long> field(std::string_view record, std::string_view key, int base = 10) {
  std::string needle = " " + std::string(key) + "=";
  auto at = record.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  auto begin = record.data() + at + needle.size();
  long value = 0;
  auto [end, ec] = std::from_chars(begin, record.data() + record.size(), value, base);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return value;
}

// The name from the table generated at build time; a number of another architecture
// (arch=, in hex) would be some other syscall's there.
std::string syscall_name(long nr, std::optional<long> arch) {
  if (arch && *arch != static_cast<long>(policy::kSyscallTableArch)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%lx", *arch);
    return "number " + std::to_string(nr) + " of architecture " + buf;
  }
  const std::string_view name = policy::syscall_name(nr);
  return name.empty() ? "number " + std::to_string(nr) : std::string(name);
}

std::string read_kmsg_nonblocking() {
  std::string out;
  UniqueFd fd(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      // /dev/kmsg gives one record per read without its own newline guarantee for files.
      if (out.back() != '\n') out.push_back('\n');
      continue;
    }
    // EPIPE: a record was overwritten while reading; go on with the next one.
    if (n < 0 && (errno == EINTR || errno == EPIPE)) continue;
    break;
  }
  return out;
}

}  // namespace

std::optional<std::string> seccomp_syscall_from_kmsg(std::string_view records, pid_t pid) {
  std::optional<std::string> found;
  for_each_line(records, [&](std::string_view line) {
    if (line.find("type=1326") == std::string_view::npos) return;
    if (field(line, "pid") != pid) return;
    if (auto nr = field(line, "syscall")) found = syscall_name(*nr, field(line, "arch", 16));
  });
  return found;
}

std::optional<std::string> find_seccomp_syscall(pid_t pid, int patience_ms) {
  for (int waited = 0;; waited += 10) {
    if (auto name = seccomp_syscall_from_kmsg(read_kmsg_nonblocking(), pid)) return name;
    if (waited >= patience_ms) return std::nullopt;
    timespec ts{0, 10'000'000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace ccinit::pid1
