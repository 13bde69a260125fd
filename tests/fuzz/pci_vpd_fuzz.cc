// PCI Vital Product Data, read from a device's sysfs `vpd` file: the device chooses the
// bytes. The parser may only answer or throw std::runtime_error naming the file in one
// printable line: the device's bytes in it are escaped.
#include <stdexcept>
#include <string>

#include "helpers/gpu-configurator/pci_vpd.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/sys/bus/pci/devices/0000:00:00.0/vpd";
  try {
    gpu::vpd_has_field(fuzz::as_text(data, size), gpu::kSwitchManagementKeyword,
                       gpu::kSwitchManagementValue, path);
  } catch (const std::runtime_error& e) {
    const std::string_view what = e.what();
    fuzz::require(what.starts_with(path + ": ") && fuzz::printable_ascii(what),
                  "a VPD error is one printable line naming the file");
  }
  return 0;
}
