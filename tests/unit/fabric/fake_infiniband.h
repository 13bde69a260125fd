#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "helpers/fabric-launcher/ib_port_guid.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::fabric::testing {

// What one port of a fake RDMA device shows; the defaults are a ConnectX-7 InfiniBand port
// that may run an SM.
struct FakePort {
  std::string link_layer = "InfiniBand\n";
  std::string cap_mask = "0x2651e84a\n";
  std::string gid0 = "fe80:0000:0000:0000:b83f:d203:00a1:b2c3\n";
};

// A fake /sys/class/infiniband laid out as the kernel does: each device's directory lives
// below its PCI function (devices/pci0000:00/<bdf>/infiniband/<name>), class/infiniband/<name>
// links to it, and its `device` link points back at the function.
class FakeInfiniband : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(base_ / "class/infiniband"); }

  // Moves the tree to `relative` below the scratch directory (e.g. a long sysfs root).
  void move_root_to(const std::filesystem::path& relative) {
    base_ = dir_ / relative;
    std::filesystem::create_directories(base_ / "class/infiniband");
  }

  void add_device(const std::string& name, const std::string& bdf) {
    const std::string device_dir = "devices/pci0000:00/" + bdf + "/infiniband/" + name;
    std::filesystem::create_directories(base_ / device_dir / "ports");
    std::filesystem::create_symlink("../../" + device_dir, base_ / "class/infiniband" / name);
    std::filesystem::create_symlink("../../../" + bdf, base_ / device_dir / "device");
  }

  void add_port(const std::string& name, std::uint32_t port, const FakePort& values = {}) {
    const std::filesystem::path dir = port_dir(name, port);
    std::filesystem::create_directories(dir / "gids");
    dir_.write(dir / "link_layer", values.link_layer);
    dir_.write(dir / "cap_mask", values.cap_mask);
    dir_.write(dir / "gids/0", values.gid0);
  }

  // A device with one port, the common case.
  void add_device_with_port(const std::string& name, const std::string& bdf,
                            const FakePort& values = {}) {
    add_device(name, bdf);
    add_port(name, 1, values);
  }

  std::filesystem::path port_dir(const std::string& name, std::uint32_t port) const {
    return base_ / "class/infiniband" / name / "ports" / std::to_string(port);
  }
  std::string port_file(const std::string& name, std::uint32_t port,
                        const std::string& file) const {
    return (port_dir(name, port) / file).string();
  }

  std::string root() const { return base_.string(); }

  IbPort select(const std::vector<std::string>& management) {
    return select_fabric_manager_port(root(), management);
  }
  std::string error_of_select(const std::vector<std::string>& management) {
    try {
      select(management);
    } catch (const IbSysfsError& e) {
      return e.what();
    }
    return "";
  }

  ccinit::testing::TempDir dir_{"fake_infiniband"};
  std::filesystem::path base_{dir_.path()};
};

}  // namespace ccinit::fabric::testing
