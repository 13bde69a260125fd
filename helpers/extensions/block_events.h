#pragma once

#include <chrono>

#include "common/unique_fd.h"

namespace ccinit::extensions {

// Tells a waiter when a block device may have appeared, so it looks at sysfs again only
// then: no sleep loop. Open it before the first look, so nothing between the look and the
// wait is missed.
class BlockEvents {
 public:
  virtual ~BlockEvents() = default;
  // Blocks until a block device may have been added (true) or the deadline passes (false).
  // May return true spuriously; never misses an addition that happened after construction.
  virtual bool wait_for_block_add(std::chrono::steady_clock::time_point deadline) = 0;
};

// BlockEvents from the kernel's uevents (NETLINK_KOBJECT_UEVENT, multicast group 1: what the
// kernel itself sends, no udev needed). Datagrams from anyone but the kernel are ignored;
// lost events (ENOBUFS) and datagrams too large or ill-formed count as "may have added".
class UeventBlockEvents : public BlockEvents {
 public:
  // Opens and binds the socket; throws SysError on failure.
  UeventBlockEvents();
  bool wait_for_block_add(std::chrono::steady_clock::time_point deadline) override;

 private:
  // Reads one datagram: true when it may mean a block device was added.
  bool read_one();

  UniqueFd socket_;
};

}  // namespace ccinit::extensions
