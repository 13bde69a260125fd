#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "helpers/gpu-configurator/pci_topology.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::gpu::testing {

// PCI VPD: an identifier string, a VPD-R resource with one field (and the RV checksum
// field), and the End tag.
inline std::string vpd_with_read_only(const std::string& keyword, const std::string& value) {
  std::string id = "ConnectX";
  std::string vpd;
  vpd += '\x82';
  vpd += static_cast<char>(id.size());
  vpd += '\0';
  vpd += id;
  std::string fields = keyword + static_cast<char>(value.size()) + value + "RV" + '\x01' + '\0';
  vpd += '\x90';
  vpd += static_cast<char>(fields.size());
  vpd += '\0';
  vpd += fields;
  vpd += '\x78';
  return vpd;
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
    const std::string vpd = vpd_with_read_only("V3", "SW_MNG");
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
