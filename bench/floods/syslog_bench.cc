// ccinit-bench-syslog: the two ends of the syslog flood benchmark (bench/floods/run).
//   ccinit-bench-syslog serve SOCKET FILE        PID 1's SyslogSink on SOCKET, appending to
//                                                FILE, draining as PID 1 does (poll, drain)
//                                                until SIGTERM
//   ccinit-bench-syslog send SOCKET COUNT BYTES  COUNT datagrams of BYTES each ("<14>bench:
//                                                xxx..."), blocking while the reader's queue
//                                                is full, so none is lost
// The server runs as its own process so that its CPU time (/proc/PID/schedstat) is measured
// exactly as busybox syslogd's is.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/unique_fd.h"
#include "pid1/log.h"
#include "pid1/syslog_sink.h"

namespace {

int serve(const char* socket_path, const char* file_path) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  ccinit::UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  ccinit::pid1::Log log("/dev/null");
  log.set_level(ccinit::wire::LOG_WARN);
  ccinit::pid1::SyslogSink sink(socket_path, file_path, log);
  std::puts("ready");
  std::fflush(stdout);
  for (;;) {
    pollfd fds[2] = {{signals.get(), POLLIN, 0}, {sink.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents) return 0;
    if (fds[1].revents) sink.drain();
  }
}

int send(const char* socket_path, long count, long bytes) {
  ccinit::UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
  if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror(socket_path);
    return 1;
  }
  std::string message = "<14>bench: ";
  message.resize(static_cast<std::size_t>(bytes), 'x');
  for (long i = 0; i < count; ++i) {
    if (::send(s.get(), message.data(), message.size(), 0) < 0) {
      if (errno == EINTR) {
        --i;
        continue;
      }
      std::perror("send");
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "serve") == 0) return serve(argv[2], argv[3]);
  if (argc == 5 && std::strcmp(argv[1], "send") == 0)
    return send(argv[2], std::atol(argv[3]), std::atol(argv[4]));
  std::fprintf(stderr, "usage: %s serve SOCKET FILE | send SOCKET COUNT BYTES\n", argv[0]);
  return 2;
}
