#include "tests/support/fake_nvidia_tool/behaviour.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "common/unique_fd.h"

namespace ccinit::fake_nvidia {

namespace {

void print(int fd, const std::string& text) {
  std::string_view left = text;
  while (!left.empty()) {
    ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    left.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A real SIGSEGV (a write to read-only memory); no kill(2), which the helpers' policies allow
// only for SIGKILL.
const char kReadOnly[] = "read-only";

}  // namespace

void say(const std::string& line) {
  print(STDOUT_FILENO, line + "\n");
}
void complain(const std::string& line) {
  print(STDERR_FILENO, line + "\n");
}

void sleep_ms(unsigned long ms) {
  timespec left{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

void hang() {
  for (;;) sleep_ms(3600 * 1000);
}

void crash() {
  char* volatile target = const_cast<char*>(kReadOnly);
  *target = 'x';
  std::abort();
}

unsigned long number(const Config& config, const std::string& key, unsigned long fallback) {
  const std::string text = setting(config, key, "");
  if (text.empty()) return fallback;
  char* end = nullptr;
  unsigned long value = std::strtoul(text.c_str(), &end, 10);
  return *end == '\0' ? value : fallback;
}

bool has(const std::vector<std::string>& args, const std::string& arg) {
  return std::find(args.begin(), args.end(), arg) != args.end();
}

std::string value_of(const std::vector<std::string>& args, const std::string& flag) {
  auto found = std::find(args.begin(), args.end(), flag);
  return found == args.end() || found + 1 == args.end() ? "" : *(found + 1);
}

void misbehave_if_told(const std::string& mode, int fail_status, const std::string& error) {
  if (mode == "hang") hang();
  if (mode == "crash") crash();
  if (mode == "fail") {
    complain(error);
    std::exit(fail_status);
  }
}

void log_to_syslog(const std::string& ident, const std::string& message, int priority) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, "/dev/log", sizeof addr.sun_path - 1);
  const std::string datagram = "<" + std::to_string(priority) + ">" + ident + "[" +
                               std::to_string(::getpid()) + "]: " + message;
  ::sendto(sock.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr),
           sizeof addr);
}

}  // namespace ccinit::fake_nvidia
