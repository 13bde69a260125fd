#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "helpers/gpu-configurator/pci_topology.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::gpu::testing {

using VpdFields = std::vector<std::pair<std::string, std::string>>;

// PCI VPD: an identifier string, a VPD-R resource with `read_only` fields and the RV checksum
// field, a VPD-W resource with `read_write` fields and the RW field when there are any, and
// the End tag.
inline std::string vpd_with(const VpdFields& read_only, const VpdFields& read_write = {}) {
  auto resource = [](char tag, const std::string& body) {
    return std::string(1, tag) + static_cast<char>(body.size() & 0xff) +
           static_cast<char>(body.size() >> 8) + body;
  };
  auto fields = [](const VpdFields& list, const std::string& last) {
    std::string body;
    for (const auto& [keyword, value] : list)
      body += keyword + static_cast<char>(value.size()) + value;
    return body + last + '\x01' + '\0';
  };
  std::string vpd = resource('\x82', "ConnectX") + resource('\x90', fields(read_only, "RV"));
  if (!read_write.empty()) vpd += resource('\x91', fields(read_write, "RW"));
  return vpd + '\x78';
}
inline std::string vpd_with_read_only(const std::string& keyword, const std::string& value) {
  return vpd_with({{keyword, value}});
}
// The VPD of a ConnectX Limited PF that manages an NVLink 5 switch tray, as NVIDIA's HGX
// B200 boards carry it (a serial number, then VA=SMDL=SW_MNG), and of any other ConnectX PF.
inline std::string management_vpd() {
  return vpd_with({{"SN", "MT2330X00001"}, {"VA", "SMDL=SW_MNG"}});
}
inline std::string nic_vpd() {
  return vpd_with({{"SN", "MT2330X00002"}, {"VA", "MLX:MN=MLNX:MODL=CX750A"}});
}

// A fake sysfs: devices live under devices/pci0000:00/ and bus/pci/devices/ links to them,
// as on a real kernel.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_ / "bus/pci/devices");
    std::filesystem::create_directories(root_ / "devices/pci0000:00");
  }

  void add_device(const std::string& address, const std::string& vendor,
                  const std::string& device_class, const std::string* vpd = nullptr) {
    std::filesystem::path dir = root_ / "devices/pci0000:00" / address;
    std::filesystem::create_directories(dir);
    write(dir / "vendor", vendor);
    write(dir / "class", device_class);
    if (vpd) write(dir / "vpd", *vpd);
    std::filesystem::create_symlink("../../../devices/pci0000:00/" + address,
                                    root_ / "bus/pci/devices" / address);
  }
  void add_device(const std::string& address, const std::string& vendor,
                  const std::string& device_class, const std::string& vpd) {
    add_device(address, vendor, device_class, &vpd);
  }
  // An SR-IOV virtual function of `pf`: the kernel links `physfn` to the PF.
  void make_virtual_function(const std::string& address, const std::string& pf) {
    std::filesystem::create_directory_symlink("../" + pf,
                                              root_ / "devices/pci0000:00" / address / "physfn");
  }
  // One ConnectX-7 NVLink 5 port as the guest sees it: function 0 the FC PF (plain VPD),
  // function 1 the Limited PF carrying SMDL=SW_MNG, in slot 0000:<bus>:00.
  void add_connectx_management_port(const std::string& bus) {
    add_device("0000:" + bus + ":00.0", "0x15b3\n", "0x020700\n", nic_vpd());
    add_device("0000:" + bus + ":00.1", "0x15b3\n", "0x020700\n", management_vpd());
  }
  // An ordinary ConnectX NIC for the workload, in slot 0000:<bus>:00.
  void add_workload_nic(const std::string& bus) {
    add_device("0000:" + bus + ":00.0", "0x15b3\n", "0x020000\n", nic_vpd());
  }
  // `count` devices of one kind on bus `bus`: functions 0000:<bus>:<n>.0.
  void add_devices(unsigned count, const std::string& bus, const std::string& vendor,
                   const std::string& device_class, const std::string* vpd = nullptr) {
    for (unsigned i = 0; i < count; ++i) {
      char address[32];
      std::snprintf(address, sizeof address, "0000:%s:%02x.0", bus.c_str(), i);
      add_device(address, vendor, device_class, vpd);
    }
  }
  void add_gpus(unsigned count) { add_devices(count, "41", "0x10de\n", "0x030200\n"); }
  void add_nvswitches(unsigned count) { add_devices(count, "81", "0x10de\n", "0x068000\n"); }
  void add_sw_mng(unsigned count) {
    const std::string vpd = management_vpd();
    add_devices(count, "c1", "0x15b3\n", "0x020700\n", &vpd);
  }

  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string root() const { return root_.string(); }
  std::string device_file(const std::string& address, const std::string& file) const {
    return root() + "/bus/pci/devices/" + address + "/" + file;
  }
  std::string error_of_scan() {
    try {
      scan_pci_topology(root());
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  ccinit::testing::TempDir dir_{"gpu_fake_sysfs"};
  const std::filesystem::path root_{dir_.path()};
};

}  // namespace ccinit::gpu::testing
