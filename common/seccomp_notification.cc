#include "common/seccomp_notification.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "common/sys_error.h"

namespace ccinit {

std::optional<seccomp_notif> receive_held_call(int listener) {
  seccomp_notif call;
  std::memset(&call, 0, sizeof call);  // the kernel refuses a buffer that is not zeroed
  if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &call) == 0) return call;
  if (errno == EINTR || errno == ENOENT) return std::nullopt;
  throw SysError("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
}

bool still_held(int listener, const seccomp_notif& call) {
  std::uint64_t id = call.id;
  return ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

std::array<std::uint64_t, 6> held_call_args(const seccomp_notif& call) {
  std::array<std::uint64_t, 6> args{};
  for (std::size_t i = 0; i < args.size(); ++i) args[i] = call.data.args[i];
  return args;
}

void answer_held_call(int listener, const seccomp_notif& call, int error) {
  seccomp_notif_resp response;
  std::memset(&response, 0, sizeof response);
  response.id = call.id;
  if (error != 0)
    response.error = -error;
  else
    response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) != 0 && errno != ENOENT)
    throw SysError("ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
}

}  // namespace ccinit
