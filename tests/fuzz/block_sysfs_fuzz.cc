// The values /sys/block shows for a disk and its partitions, which decide which disk is an
// extension and which partitions dm-verity is set up over: the first input byte picks the
// parser (0: serial, 1: partition, 2: dev, 3: size), the rest is the text. A value parsed
// must print back as the text (the kernel's own format, up to one newline and, for the
// serial, NUL padding); a refusal is ExtensionError naming the file in one short printable
// line.
#include <string>

#include "common/cmdline_config.h"
#include "helpers/extensions/block_sysfs_value.h"
#include "helpers/extensions/extension_error.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;
using namespace ccinit::extensions;

namespace {

std::string_view without_newline(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  const std::string path = "/sys/block/vdb/value";
  try {
    switch (data[0] % 4) {
      case 0:
        if (auto name = parse_extension_serial(text, path)) {
          fuzz::require(valid_extension_name(*name), "an extension name follows the rule");
          fuzz::require(text.starts_with("extension-" + *name), "the name is the serial's rest");
          for (char c : text.substr(10 + name->size()))
            fuzz::require(c == '\0' || c == '\n', "only NUL padding and a newline follow");
        }
        break;
      case 1:
        fuzz::require(std::to_string(parse_partition_number(text, path)) == without_newline(text),
                      "a partition number prints back as read");
        break;
      case 2:
        fuzz::require(to_string(parse_device_number(text, path)) == without_newline(text),
                      "a device number prints back as read");
        break;
      case 3:
        fuzz::require(std::to_string(parse_sector_count(text, path)) == without_newline(text),
                      "a sector count prints back as read");
        break;
    }
  } catch (const ExtensionError& e) {
    const std::string_view what = e.what();
    fuzz::require(what.starts_with(path + ": ") && fuzz::printable_ascii(what) &&
                      what.size() <= path.size() + 320,
                  "a sysfs error is one short printable line naming the file");
  }
  return 0;
}
