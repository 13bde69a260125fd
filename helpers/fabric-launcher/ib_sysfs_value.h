#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/pci_address.h"

// Parsers of the values /sys/class/infiniband shows for an RDMA device and its ports. The
// text comes from the device and its driver, so each accepts exactly what the kernel prints
// and nothing else. PCI addresses: common/pci_address.h.
namespace ccinit::fabric {

// The one error the InfiniBand port code lets escape: a malformed value (naming its file and
// showing the text escaped and cut), or no port that qualifies.
class IbSysfsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// IsSMDisabled in PortInfo:CapabilityMask (IB spec vol. 1, 14.2.5.6): set on a port that must
// never run a subnet manager, such as a workload port whose fabric has its own SM.
inline constexpr std::uint32_t kIbPortCapSmDisabled = 1u << 10;

// ports/<N>/cap_mask: the kernel prints "0x%08x\n". Anything else throws IbSysfsError naming
// `path`.
std::uint32_t parse_ib_cap_mask(std::string_view text, const std::string& path);

// A 128-bit GID: the subnet prefix (high 64 bits) and the interface ID (low 64 bits; for
// GID 0 of an InfiniBand port, the port GUID).
struct IbGid {
  std::uint64_t subnet_prefix = 0;
  std::uint64_t interface_id = 0;
  bool operator==(const IbGid&) const = default;
};

// ports/<N>/gids/<i>: the kernel prints "%pI6\n", eight groups of four hex digits separated
// by ':' and no '::' shortening. Anything else throws IbSysfsError naming `path`.
IbGid parse_ib_gid(std::string_view text, const std::string& path);

// ports/<N>/link_layer without its newline ("InfiniBand", "Ethernet"), or nullopt when the
// text is not one printable word of at most 32 bytes and one newline.
std::optional<std::string_view> parse_ib_link_layer(std::string_view text);

// A port directory's name: a decimal port number from 1, no sign or leading zero.
std::optional<std::uint32_t> parse_ib_port_number(std::string_view name);

}  // namespace ccinit::fabric
