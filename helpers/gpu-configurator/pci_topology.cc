#include "helpers/gpu-configurator/pci_topology.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "common/file_io.h"
#include "common/hex_digits.h"
#include "common/sys_error.h"
#include "helpers/gpu-configurator/pci_vpd.h"

namespace ccinit::gpu {

namespace {

// Printable form of untrusted file content for an error message.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text.substr(0, 32)) {
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  if (text.size() > 32) out += "...";
  return out + "'";
}

std::uint32_t read_hex_attribute(const std::string& path, std::size_t digits) {
  return parse_sysfs_hex(read_file(path), digits, path);
}

bool has_sw_mng(const std::string& device_dir) {
  const std::string path = device_dir + "/vpd";
  std::optional<std::string> vpd = read_file_if_exists(path);
  if (!vpd) return false;
  return vpd_has_field(*vpd, kSwitchManagementKeyword, kSwitchManagementValue, path);
}

// The kernel links `physfn` in a virtual function's directory to its physical function.
bool is_virtual_function(const std::string& device_dir) {
  struct stat st;
  const std::string path = device_dir + "/physfn";
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  throw SysError("stat " + path);
}

// "0000:c1:00" of "0000:c1:00.1": the slot whose functions are one ConnectX port's PFs.
std::string slot_of(const std::string& address) {
  return address.substr(0, address.rfind('.'));
}

}  // namespace

std::string describe(const PciTopology& topology) {
  return std::to_string(topology.gpus) + " NVIDIA GPU(s), " + std::to_string(topology.nvswitches) +
         " NVSwitch(es), " + std::to_string(topology.sw_mng) + " Mellanox SW_MNG function(s)";
}

std::uint32_t parse_sysfs_hex(std::string_view text, std::size_t digits, const std::string& path) {
  std::string_view value = text;
  if (value.ends_with('\n')) value.remove_suffix(1);
  std::optional<std::uint64_t> result;
  if (digits <= 8 && value.size() == digits + 2 && value.starts_with("0x"))
    result = parse_hex_digits(value.substr(2));
  if (!result)
    throw std::runtime_error(path + ": expected 0x and " + std::to_string(digits) +
                             " hex digits, found " + quoted(text));
  return static_cast<std::uint32_t>(*result);
}

PciTopology scan_pci_topology(const std::string& sysfs_root) {
  if (!list_directory(sysfs_root + "/bus"))
    throw std::runtime_error(sysfs_root + "/bus does not exist: sysfs is not mounted on " +
                             sysfs_root);
  const std::string devices_dir = sysfs_root + "/bus/pci/devices";
  PciTopology found;
  auto devices = list_directory(devices_dir);
  if (!devices) return found;  // a kernel or machine without PCI
  std::vector<std::string> mellanox_pfs;
  std::set<std::string> management_slots;
  for (const std::string& device : *devices) {
    const std::string dir = devices_dir + "/" + device;
    std::uint32_t vendor = read_hex_attribute(dir + "/vendor", 4);
    std::uint32_t device_class = read_hex_attribute(dir + "/class", 6);
    if (vendor == kNvidiaVendor) {
      if ((device_class >> 16) == 0x03) {
        ++found.gpus;
      } else if ((device_class >> 8) == 0x0680) {
        ++found.nvswitches;
      }
    } else if (vendor == kMellanoxVendor && !is_virtual_function(dir)) {
      mellanox_pfs.push_back(device);
      if (has_sw_mng(dir)) {
        ++found.sw_mng;
        management_slots.insert(slot_of(device));
      }
    }
  }
  for (const std::string& pf : mellanox_pfs)
    if (management_slots.contains(slot_of(pf))) found.management_functions.push_back(pf);
  return found;
}

}  // namespace ccinit::gpu
