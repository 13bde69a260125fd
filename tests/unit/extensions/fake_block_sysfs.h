#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/testlib/temp_dir.h"

namespace ccinit::extensions::testing {

// A fake /sys laid out as the kernel does for virtio disks: each disk's directory lives below
// its virtio device (devices/pci0000:00/<bdf>/virtio<N>/block/<disk>), block/<disk> links to
// it, its partitions are subdirectories with `partition`, `dev` and `size`, and other
// subdirectories (queue, holders, power) sit next to them.
class FakeBlockSysfs : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(root() + "/block"); }

  std::string root() const { return dir_.path() + "/sys"; }

  // A disk with a `serial` file holding exactly `serial` (nullptr: no serial file, as for a
  // disk that is not virtio).
  void add_disk(const std::string& disk, const std::string* serial) {
    const std::string device_dir = "devices/pci0000:00/0000:00:0" + std::to_string(next_slot_) +
                                   ".0/virtio" + std::to_string(next_slot_) + "/block/" + disk;
    ++next_slot_;
    std::filesystem::create_directories(root_path() / device_dir / "queue");
    std::filesystem::create_directories(root_path() / device_dir / "holders");
    std::filesystem::create_directories(root_path() / device_dir / "power");
    dir_.write(root_path() / device_dir / "queue/logical_block_size", "512\n");
    dir_.write(root_path() / device_dir / "dev", "254:" + std::to_string(disk_minor_) + "\n");
    std::filesystem::create_directory_symlink("../" + device_dir, root_path() / "block" / disk);
    if (serial) dir_.write(disk_dir(disk) / "serial", *serial);
  }
  void add_disk(const std::string& disk, const std::string& serial) { add_disk(disk, &serial); }

  // Partition `number` of `disk`, named <disk><number> unless `kernel_name` says otherwise.
  void add_partition(const std::string& disk, std::uint32_t number, std::uint64_t sectors,
                     const std::string& dev, std::string kernel_name = "") {
    if (kernel_name.empty()) kernel_name = disk + std::to_string(number);
    const std::filesystem::path dir = disk_dir(disk) / kernel_name;
    std::filesystem::create_directories(dir / "power");
    dir_.write(dir / "partition", std::to_string(number) + "\n");
    dir_.write(dir / "dev", dev + "\n");
    dir_.write(dir / "size", std::to_string(sectors) + "\n");
    dir_.write(dir / "start", "2048\n");
  }

  // An extension disk as Kata attaches it: serial extension-<name>, data and hash partitions.
  void add_extension_disk(const std::string& disk, const std::string& name,
                          std::uint64_t data_sectors = 16384, std::uint64_t hash_sectors = 256) {
    add_disk(disk, "extension-" + name);
    const std::string major = "254:";
    add_partition(disk, 1, data_sectors, major + std::to_string(disk_minor_ + 1));
    add_partition(disk, 2, hash_sectors, major + std::to_string(disk_minor_ + 2));
    disk_minor_ += 16;
  }

  std::filesystem::path disk_dir(const std::string& disk) const {
    return root_path() / "block" / disk;
  }
  void write(const std::filesystem::path& file, const std::string& text) const {
    dir_.write(file, text);
  }

 private:
  std::filesystem::path root_path() const { return std::filesystem::path(root()); }

  ccinit::testing::TempDir dir_{"fake-block-sysfs"};
  int next_slot_ = 2;
  std::uint32_t disk_minor_ = 0;
};

}  // namespace ccinit::extensions::testing
