#include "helpers/extensions/block_events.h"

#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

#include "common/sys_error.h"
#include "helpers/extensions/uevent.h"

namespace ccinit::extensions {

namespace {

// The multicast group the kernel's kobject_uevent() sends to (udev's is 2).
constexpr unsigned kKernelUeventGroup = 1;

}  // namespace

UeventBlockEvents::UeventBlockEvents()
    : socket_(
          ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT)) {
  if (!socket_) throw SysError("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)");
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = kKernelUeventGroup;
  if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw SysError("bind the uevent socket to the kernel's group");
}

bool UeventBlockEvents::read_one() {
  std::vector<char> buffer(kMaxUeventBytes + 1);
  sockaddr_nl sender{};
  iovec iov{buffer.data(), buffer.size()};
  msghdr message{};
  message.msg_name = &sender;
  message.msg_namelen = sizeof sender;
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  const ssize_t n = ::recvmsg(socket_.get(), &message, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return false;
    if (errno == ENOBUFS) return true;  // the kernel dropped events: one may have been ours
    throw SysError("recvmsg on the uevent socket");
  }
  // Only the kernel sends from port 0; anyone else's datagram says nothing about disks.
  if (message.msg_namelen != sizeof sender || sender.nl_pid != 0) return false;
  if (message.msg_flags & MSG_TRUNC) return true;
  return may_add_block_device({buffer.data(), static_cast<std::size_t>(n)});
}

bool UeventBlockEvents::wait_for_block_add(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{socket_.get(), POLLIN, 0};
    const int ready =
        ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw SysError("poll on the uevent socket");
    }
    if (ready == 0) continue;  // the deadline check above decides
    if (read_one()) return true;
  }
}

}  // namespace ccinit::extensions
