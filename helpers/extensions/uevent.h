#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ccinit::extensions {

// The kernel's uevent datagrams are "<action>@<devpath>\0" and at most UEVENT_BUFFER_SIZE
// (2048) bytes of environment, which holds DEVPATH again: about 4 KiB at most. Twice that
// leaves room; anything larger is not one.
inline constexpr std::size_t kMaxUeventBytes = 8192;

// One kernel uevent, as NETLINK_KOBJECT_UEVENT group 1 delivers it.
struct Uevent {
  std::string action;     // "add", "change", "remove", ...
  std::string devpath;    // "/devices/pci0000:00/0000:00:05.0/virtio2/block/vdb"
  std::string subsystem;  // "block"
  std::string devname;    // "vdb" (empty when absent)
  std::string devtype;    // "disk" or "partition" for block devices (empty when absent)
  std::uint64_t seqnum = 0;
};

// Parses a datagram "<action>@<devpath>\0KEY=VALUE\0...KEY=VALUE\0", as kobject_uevent_env()
// sends it. Strict, for bytes from a socket: at most kMaxUeventBytes; the header's action
// (lower-case letters) and devpath (from '/') non-empty; every field NUL-terminated, non-empty,
// KEY of [A-Z0-9_] and no key twice; ACTION and DEVPATH present and equal to the header's,
// SUBSYSTEM present, SEQNUM present and decimal. nullopt for anything else.
std::optional<Uevent> parse_uevent(std::string_view datagram);

// Whether a datagram may mean a block device appeared: a block add or change (a disk's
// partition rescan is a change), or a datagram that is not a well-formed uevent (the
// cheap, safe answer to bytes we cannot read is to look at sysfs again).
bool may_add_block_device(std::string_view datagram);

}  // namespace ccinit::extensions
