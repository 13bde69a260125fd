// PCI Vital Product Data, read from a device's sysfs `vpd` file: the device chooses the
// bytes. The parser may only answer (true only when the VA=SMDL=SW_MNG field is there) or
// throw std::runtime_error naming the file in one printable line: the device's bytes in it
// are escaped.
#include <stdexcept>
#include <string>

#include "helpers/gpu-configurator/pci_vpd.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/sys/bus/pci/devices/0000:00:00.0/vpd";
  const std::string_view vpd = fuzz::as_text(data, size);
  try {
    const bool found =
        gpu::vpd_has_field(vpd, gpu::kSwitchManagementKeyword, gpu::kSwitchManagementValue, path);
    // A match is a whole field: keyword, the value's length byte, then exactly the value.
    const std::string field = std::string(gpu::kSwitchManagementKeyword) +
                              static_cast<char>(gpu::kSwitchManagementValue.size()) +
                              std::string(gpu::kSwitchManagementValue);
    fuzz::require(!found || vpd.find(field) != std::string_view::npos,
                  "a management function's VPD holds the whole VA field");
  } catch (const std::runtime_error& e) {
    const std::string_view what = e.what();
    fuzz::require(what.starts_with(path + ": ") && fuzz::printable_ascii(what),
                  "a VPD error is one printable line naming the file");
  }
  return 0;
}
