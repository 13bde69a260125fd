#include "pid1/syslog_sink.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/sys_error.h"

namespace ccinit::pid1 {

// Enough datagrams per recvmmsg to make a flood cheap (a datagram socket queues 10 by
// default), few enough to keep PID 1 small: 64 KiB, touched only by a flood.
struct SyslogSink::Batch {
  static constexpr int kMessages = 8;
  mmsghdr headers[kMessages];
  iovec iov[kMessages];
  alignas(cmsghdr) char control[kMessages][CMSG_SPACE(sizeof(ucred))];
  char data[kMessages][kMaxMessageBytes];
};

SyslogSink::SyslogSink(std::string socket_path, std::string file_path, Log& log,
                       std::size_t max_file_bytes)
    : socket_path_(std::move(socket_path)),
      log_(log),
      file_(std::move(file_path), log, kMaxLineBytes, max_file_bytes) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path)
    throw SysError("socket path " + socket_path_, ENAMETOOLONG);
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket_) throw SysError("socket for " + socket_path_);
  // Every datagram then carries its sender's pid, which the sender cannot forge.
  const int on = 1;
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
    throw SysError("SO_PASSCRED on " + socket_path_);
  if (::unlink(socket_path_.c_str()) != 0 && errno != ENOENT)
    throw SysError("unlink stale " + socket_path_);
  if (::bind(socket_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw SysError("bind " + socket_path_);
  // Daemons that drop root (nv-hostengine's service account) must still be able to log.
  if (::chmod(socket_path_.c_str(), 0666) != 0) throw SysError("chmod " + socket_path_);
}

SyslogSink::~SyslogSink() = default;

void SyslogSink::add_line(pid_t sender, std::string_view message, bool cut) noexcept {
  char* const line = file_.line_buffer();
  char* out = format_syslog_line(line, sender, message, cut);
  if (log_.logger().should_log(spdlog::level::debug)) {
    try {
      log_.logger().debug("syslog: {}",
                          std::string_view(line, static_cast<std::size_t>(out - line)));
    } catch (...) {
    }
  }
  *out++ = '\n';
  file_.commit_line(static_cast<std::size_t>(out - line));
}

void SyslogSink::drain() noexcept {
  if (!batch_) {
    try {
      batch_ = std::make_unique_for_overwrite<Batch>();
      file_.line_buffer();
    } catch (const std::bad_alloc&) {
      return;  // tried again at the next wake-up
    }
  }
  Batch& b = *batch_;
  for (int received = 0; received < kMaxMessagesPerDrain;) {
    for (int i = 0; i < Batch::kMessages; ++i) {
      b.iov[i] = {b.data[i], kMaxMessageBytes};
      b.headers[i].msg_hdr = {};
      b.headers[i].msg_hdr.msg_iov = &b.iov[i];
      b.headers[i].msg_hdr.msg_iovlen = 1;
      b.headers[i].msg_hdr.msg_control = b.control[i];
      b.headers[i].msg_hdr.msg_controllen = sizeof b.control[i];
    }
    // MSG_TRUNC: each length is the datagram's real one, so a cut is known and marked.
    const int n =
        ::recvmmsg(socket_.get(), b.headers, Batch::kMessages, MSG_DONTWAIT | MSG_TRUNC, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (int i = 0; i < n; ++i) {
      const msghdr& header = b.headers[i].msg_hdr;
      pid_t sender = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
           c = CMSG_NXTHDR(const_cast<msghdr*>(&header), c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
          ucred cred{};
          std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
          sender = cred.pid;
        }
      }
      const std::size_t length = b.headers[i].msg_len;
      const bool cut = length > kMaxMessageBytes || (header.msg_flags & MSG_TRUNC) != 0;
      add_line(sender, {b.data[i], cut ? kMaxMessageBytes : length}, cut);
    }
    received += n;
    if (n < Batch::kMessages) break;  // the queue is empty: spare a system call
  }
  file_.flush();
}

}  // namespace ccinit::pid1
