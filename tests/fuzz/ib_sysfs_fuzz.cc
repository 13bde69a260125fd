// The values /sys/class/infiniband shows for a port, which decide the GUID the NVLink 5
// fabric manager is started with: the first input byte picks the parser (0: cap_mask, 1: a
// GID, 2: link_layer, 3: a port directory's name, 4: a PCI function's name), the rest is
// the text. A value parsed must print back as the text (the kernel's own format, up to the
// case of hex digits and one newline); a refusal is IbSysfsError naming the file in one
// short printable line.
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "helpers/fabric-launcher/ib_sysfs_value.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;
using namespace ccinit::fabric;

namespace {

std::string lower_without_newline(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string gid_text(const IbGid& gid) {
  char text[48];
  const std::uint64_t p = gid.subnet_prefix;
  const std::uint64_t i = gid.interface_id;
  std::snprintf(text, sizeof text,
                "%04" PRIx64 ":%04" PRIx64 ":%04" PRIx64 ":%04" PRIx64 ":%04" PRIx64 ":%04" PRIx64
                ":%04" PRIx64 ":%04" PRIx64,
                p >> 48, (p >> 32) & 0xffff, (p >> 16) & 0xffff, p & 0xffff, i >> 48,
                (i >> 32) & 0xffff, (i >> 16) & 0xffff, i & 0xffff);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  const std::string path = "/sys/class/infiniband/mlx5_0/ports/1/value";
  try {
    switch (data[0] % 5) {
      case 0: {
        char back[16];
        std::snprintf(back, sizeof back, "0x%08" PRIx32, parse_ib_cap_mask(text, path));
        fuzz::require(back == lower_without_newline(text), "a cap_mask prints back as read");
        break;
      }
      case 1:
        fuzz::require(gid_text(parse_ib_gid(text, path)) == lower_without_newline(text),
                      "a GID prints back as read");
        break;
      case 2:
        if (auto layer = parse_ib_link_layer(text))
          fuzz::require(!layer->empty() && layer->size() <= 32 && fuzz::printable_ascii(*layer) &&
                            layer->find(' ') == std::string_view::npos,
                        "a link layer is one short printable word");
        break;
      case 3:
        if (auto port = parse_ib_port_number(text))
          fuzz::require(*port > 0 && std::to_string(*port) == text,
                        "a port number prints back as its directory name");
        break;
      case 4:
        if (auto address = parse_pci_address(text))
          fuzz::require(to_string(*address) == lower_without_newline(text),
                        "a PCI function prints back as its name");
        break;
    }
  } catch (const IbSysfsError& e) {
    const std::string_view what = e.what();
    fuzz::require(what.starts_with(path + ": ") && fuzz::printable_ascii(what) &&
                      what.size() <= path.size() + 256,
                  "a sysfs error is one short printable line naming the file");
  }
  return 0;
}
