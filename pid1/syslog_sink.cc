#include "pid1/syslog_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_io.h"
#include "common/log_escape.h"
#include "common/sys_error.h"

namespace ccinit::pid1 {

SyslogSink::SyslogSink(std::string socket_path, std::string file_path, Log& log)
    : socket_path_(std::move(socket_path)), file_path_(std::move(file_path)), log_(log) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path)
    throw SysError("socket path " + socket_path_, ENAMETOOLONG);
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket_) throw SysError("socket for " + socket_path_);
  if (::unlink(socket_path_.c_str()) != 0 && errno != ENOENT)
    throw SysError("unlink stale " + socket_path_);
  if (::bind(socket_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw SysError("bind " + socket_path_);
  // Daemons that drop root (nv-hostengine's service account) must still be able to log.
  if (::chmod(socket_path_.c_str(), 0666) != 0) throw SysError("chmod " + socket_path_);
  open_file();
}

void SyslogSink::open_file() {
  file_.reset(::open(file_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!file_) throw SysError("open " + file_path_);
  struct stat st {};
  file_bytes_ = ::fstat(file_.get(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

std::string_view SyslogSink::strip_priority(std::string_view message) {
  if (message.size() >= 3 && message[0] == '<') {
    std::size_t end = message.find('>');
    if (end != std::string_view::npos && end >= 2 && end <= 4 &&
        message.substr(1, end - 1).find_first_not_of("0123456789") == std::string_view::npos)
      message.remove_prefix(end + 1);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == '\0'))
    message.remove_suffix(1);
  return message;
}

void SyslogSink::append(std::string_view line) {
  std::string record = std::string(line) + "\n";
  if (file_bytes_ + record.size() > kMaxFileBytes) {
    std::string old = file_path_ + ".1";
    if (::rename(file_path_.c_str(), old.c_str()) != 0)
      log_.logger().warn("cannot rotate {}: {}", file_path_, std::strerror(errno));
    open_file();
  }
  try {
    write_all(file_.get(), record);
    file_bytes_ += record.size();
  } catch (const SysError& e) {
    log_.logger().warn("cannot write {}: {}", file_path_, e.what());
  }
}

void SyslogSink::drain() {
  char buf[kMaxMessageBytes];
  for (int i = 0; i < kMaxMessagesPerDrain; ++i) {
    ssize_t n = ::recv(socket_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    // One line per message: control bytes (embedded newlines) escaped, length bounded.
    std::string line =
        escape_for_log(strip_priority({buf, static_cast<size_t>(n)}), kMaxMessageBytes);
    append(line);
    log_.logger().debug("syslog: {}", line);
  }
}

}  // namespace ccinit::pid1
