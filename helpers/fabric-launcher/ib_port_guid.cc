#include "helpers/fabric-launcher/ib_port_guid.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <tuple>

#include "common/file_io.h"
#include "common/log_escape.h"
#include "common/sys_error.h"

namespace ccinit::fabric {

namespace {

// A sysfs attribute is at most one page; anything longer is not what the kernel wrote.
constexpr std::size_t kMaxSysfsValueBytes = 4096;
// Device and port names come from directory entries; they are shown, not trusted.
constexpr std::size_t kShownNameBytes = 64;

// The whole value of a sysfs attribute, at most kMaxSysfsValueBytes; a FIFO or device planted
// in a tree is refused without blocking (common/file_io's bounded read).
std::string read_sysfs_value(const std::string& path) {
  try {
    return read_regular_file(path, kMaxSysfsValueBytes);
  } catch (const SysError& e) {
    throw IbSysfsError(e.what());
  }
}

// The last component of the `device` link: the PCI function an RDMA device sits on.
std::optional<std::string> device_link_target(const std::string& link) {
  char target[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof target) return std::nullopt;
  return std::string(target, static_cast<std::size_t>(n));
}

std::string_view basename_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Why a device or one of its ports was refused, and where it sorts in the error.
struct Rejection {
  bool management = false;
  std::optional<PciAddress> function;
  std::uint32_t port = 0;  // 0: the whole device
  std::string device;
  std::string text;

  auto key() const { return std::tie(function, port, device); }
  bool operator<(const Rejection& other) const {
    if (management != other.management) return management;
    return key() < other.key();
  }
};

std::string label(const std::string& device, const std::optional<PciAddress>& function,
                  std::uint32_t port) {
  std::string text = escape_for_log(device, kShownNameBytes);
  if (function) text += " (" + to_string(*function) + ")";
  if (port != 0) text += " port " + std::to_string(port);
  return text;
}

// The port's GUID if it qualifies; else throws IbSysfsError saying why not.
std::uint64_t qualifying_port_guid(const std::string& port_dir) {
  const std::string link_layer_path = port_dir + "/link_layer";
  const std::string link_layer_text = read_sysfs_value(link_layer_path);
  const std::optional<std::string_view> link_layer = parse_ib_link_layer(link_layer_text);
  if (!link_layer)
    throw IbSysfsError(link_layer_path + ": expected a link layer, found '" +
                       escape_for_log(link_layer_text, 32) + "'");
  if (*link_layer != "InfiniBand") throw IbSysfsError("link layer " + std::string(*link_layer));

  const std::string cap_mask_path = port_dir + "/cap_mask";
  const std::uint32_t cap_mask = parse_ib_cap_mask(read_sysfs_value(cap_mask_path), cap_mask_path);
  if (cap_mask & kIbPortCapSmDisabled) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08" PRIx32, cap_mask);
    throw IbSysfsError(std::string("SM disabled (IsSMDisabled set in cap_mask ") + hex + ")");
  }

  const std::string gid_path = port_dir + "/gids/0";
  const IbGid gid = parse_ib_gid(read_sysfs_value(gid_path), gid_path);
  if (gid.interface_id == 0) throw IbSysfsError("zero GID (GID 0 has no port GUID)");
  return gid.interface_id;
}

class PortSelection {
 public:
  PortSelection(const std::string& sysfs_root, const std::vector<std::string>& management)
      : class_dir_(sysfs_root + "/class/infiniband") {
    for (const std::string& text : management) {
      const std::optional<PciAddress> address = parse_pci_address(text);
      if (!address)
        throw IbSysfsError("management function '" + escape_for_log(text, kShownNameBytes) +
                           "' is not a PCI address");
      management_.insert(*address);
    }
  }

  IbPort select() {
    std::optional<std::vector<std::string>> devices;
    try {
      devices = list_directory(class_dir_);
    } catch (const SysError& e) {
      throw IbSysfsError(e.what());
    }
    if (!devices)
      throw IbSysfsError(class_dir_ + " does not exist (no InfiniBand device: are ib_umad " +
                         "and mlx5_ib loaded?)");
    if (devices->empty())
      throw IbSysfsError(class_dir_ + " is empty (no InfiniBand device: are ib_umad and " +
                         "mlx5_ib loaded?)");
    for (const std::string& device : *devices) consider_device(device);
    if (qualified_.empty()) throw IbSysfsError(no_port_message());
    return *std::min_element(
        qualified_.begin(), qualified_.end(), [](const auto& a, const auto& b) {
          return std::tie(a.function, a.port, a.device) < std::tie(b.function, b.port, b.device);
        });
  }

 private:
  void consider_device(const std::string& device) {
    const std::string dir = class_dir_ + "/" + device;
    const std::optional<std::string> target = device_link_target(dir + "/device");
    if (!target) return reject(false, std::nullopt, 0, device, "no PCI function (no device link)");
    const std::optional<PciAddress> function = parse_pci_address(basename_of(*target));
    if (!function)
      return reject(
          false, std::nullopt, 0, device,
          "device link '" + escape_for_log(*target, kShownNameBytes) + "' is not a PCI function");
    if (!management_.contains(*function))
      return reject(false, function, 0, device, "not a management function");

    std::optional<std::vector<std::string>> ports;
    try {
      ports = list_directory(dir + "/ports");
    } catch (const SysError& e) {
      return reject(true, function, 0, device, std::string("no ports (") + e.what() + ")");
    }
    if (!ports || ports->empty())
      return reject(true, function, 0, device,
                    ports ? "no ports" : "no ports (No such file or directory)");
    for (const std::string& name : *ports) {
      const std::optional<std::uint32_t> port = parse_ib_port_number(name);
      if (!port) {
        reject(
            true, function, 0, device,
            "port directory '" + escape_for_log(name, kShownNameBytes) + "' is not a port number");
        continue;
      }
      try {
        qualified_.push_back(
            IbPort{device, *function, *port, qualifying_port_guid(dir + "/ports/" + name)});
      } catch (const IbSysfsError& e) {
        reject(true, function, *port, device, e.what());
      }
    }
  }

  void reject(bool management, std::optional<PciAddress> function, std::uint32_t port,
              const std::string& device, std::string why) {
    rejected_.push_back(Rejection{management, function, port, device,
                                  label(device, function, port) + ": " + std::move(why)});
  }

  std::string no_port_message() {
    std::sort(rejected_.begin(), rejected_.end());
    std::string message = "no InfiniBand port for the NVLink fabric manager: ";
    constexpr std::size_t kRoomForMore = 32;  // "; and 4294967295 more"
    for (std::size_t i = 0; i < rejected_.size(); ++i) {
      const std::string separator = i == 0 ? "" : "; ";
      const std::string& text = rejected_[i].text;
      if (message.size() + separator.size() + text.size() + kRoomForMore <= kMaxPortErrorBytes) {
        message += separator + text;
        continue;
      }
      // The first reason is shown even if it must be cut (a very long path).
      if (i == 0) {
        message += text.substr(0, kMaxPortErrorBytes - kRoomForMore - message.size()) + "...";
        if (++i == rejected_.size()) break;
      }
      message += "; and " + std::to_string(rejected_.size() - i) + " more";
      break;
    }
    return message;
  }

  const std::string class_dir_;
  std::set<PciAddress> management_;
  std::vector<IbPort> qualified_;
  std::vector<Rejection> rejected_;
};

}  // namespace

IbPort select_fabric_manager_port(const std::string& sysfs_root,
                                  const std::vector<std::string>& management_functions) {
  return PortSelection(sysfs_root, management_functions).select();
}

std::string format_port_guid(std::uint64_t guid) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, guid);
  return text;
}

}  // namespace ccinit::fabric
