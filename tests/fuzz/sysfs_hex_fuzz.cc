// The sysfs `vendor` and `class` files of every PCI function, whose text the device's IDs
// decide: the first input byte picks the width (even: 4 digits as vendor, odd: 6 as class),
// the rest is the file. parse_sysfs_hex may only return a value of that width or throw
// std::runtime_error naming the file in one printable line.
#include <stdexcept>
#include <string>

#include "helpers/gpu-configurator/pci_topology.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t digits = data[0] % 2 == 0 ? 4 : 6;
  const std::string path = "/sys/bus/pci/devices/0000:00:00.0/class";
  try {
    const std::uint32_t value =
        gpu::parse_sysfs_hex(fuzz::as_text(data + 1, size - 1), digits, path);
    fuzz::require(value < (1u << (4 * digits)), "the value fits the digits read");
  } catch (const std::runtime_error& e) {
    const std::string_view what = e.what();
    fuzz::require(what.starts_with(path + ": ") && fuzz::printable_ascii(what),
                  "a sysfs error is one printable line naming the file");
  }
  return 0;
}
