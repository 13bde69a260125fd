// The kernel command line (/proc/cmdline), which the host controls: parse_cmdline either
// returns the one validated config or refuses with one ConfigError line, and what either
// prints is escaped, so a hostile command line cannot forge a console record.
#include <string>
#include <string_view>

#include "common/cmdline_config.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string description;
  try {
    description = describe_config(parse_cmdline(fuzz::as_text(data, size)));
  } catch (const ConfigError& e) {
    fuzz::require(fuzz::one_line(e.what()) && fuzz::printable_ascii(e.what()),
                  "a refused command line is named in one printable line");
    return 0;
  }
  std::string_view rest = description;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    fuzz::require(end != std::string_view::npos, "describe_config ends every line");
    fuzz::require(fuzz::printable_ascii(rest.substr(0, end)), "describe_config escapes values");
    rest.remove_prefix(end + 1);
  }
  return 0;
}
