// Kernel uevent datagrams (NETLINK_KOBJECT_UEVENT), which wake the wait for extension disks:
// the input is one datagram. parse_uevent never throws; what it accepts is bounded, has a
// lower-case action and a devpath from '/', and the datagram holds them as its header;
// may_add_block_device says "look again" for everything parse_uevent refuses.
#include <string>

#include "helpers/extensions/uevent.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;
using namespace ccinit::extensions;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view datagram = fuzz::as_text(data, size);
  const auto event = parse_uevent(datagram);
  const bool look_again = may_add_block_device(datagram);
  if (!event) {
    fuzz::require(look_again, "a datagram that is not a uevent makes the waiter look again");
    return 0;
  }
  fuzz::require(datagram.size() <= kMaxUeventBytes, "an accepted datagram is bounded");
  fuzz::require(!event->action.empty() && event->devpath.starts_with('/'),
                "an accepted uevent has an action and a devpath");
  fuzz::require(datagram.starts_with(event->action + "@" + event->devpath + std::string(1, '\0')),
                "the header is the action and devpath");
  fuzz::require(!event->subsystem.empty(), "an accepted uevent has a subsystem");
  fuzz::require(event->devname.find('\0') == std::string::npos &&
                    event->devtype.find('\0') == std::string::npos,
                "values hold no NUL");
  fuzz::require(look_again == (event->subsystem == "block" &&
                               (event->action == "add" || event->action == "change")),
                "only block adds and changes make the waiter look again");
  return 0;
}
