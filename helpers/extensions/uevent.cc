#include "helpers/extensions/uevent.h"

#include <set>

#include "common/decimal.h"

namespace ccinit::extensions {

namespace {

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool valid_action(std::string_view action) {
  if (action.empty()) return false;
  for (char c : action)
    if (c < 'a' || c > 'z') return false;
  return true;
}

}  // namespace

std::optional<Uevent> parse_uevent(std::string_view datagram) {
  if (datagram.size() > kMaxUeventBytes || !datagram.ends_with('\0')) return std::nullopt;
  const std::size_t header_end = datagram.find('\0');
  const std::string_view header = datagram.substr(0, header_end);
  const std::size_t at = header.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  Uevent event;
  event.action = header.substr(0, at);
  event.devpath = header.substr(at + 1);
  if (!valid_action(event.action) || !event.devpath.starts_with('/')) return std::nullopt;

  std::set<std::string_view> keys;
  std::optional<std::string_view> action, devpath, subsystem, seqnum;
  std::string_view rest = datagram.substr(header_end + 1);
  while (!rest.empty()) {
    const std::size_t end = rest.find('\0');  // there is one: the datagram ends in NUL
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = field.substr(eq + 1);
    if (!valid_key(key) || !keys.insert(key).second) return std::nullopt;
    if (key == "ACTION") action = value;
    if (key == "DEVPATH") devpath = value;
    if (key == "SUBSYSTEM") subsystem = value;
    if (key == "SEQNUM") seqnum = value;
    if (key == "DEVNAME") event.devname = value;
    if (key == "DEVTYPE") event.devtype = value;
  }
  if (!action || *action != event.action || !devpath || *devpath != event.devpath || !subsystem ||
      subsystem->empty() || !seqnum)
    return std::nullopt;
  const std::optional<std::uint64_t> number = parse_decimal<std::uint64_t>(*seqnum);
  if (!number) return std::nullopt;
  event.subsystem = *subsystem;
  event.seqnum = *number;
  return event;
}

bool may_add_block_device(std::string_view datagram) {
  const std::optional<Uevent> event = parse_uevent(datagram);
  if (!event) return true;
  return event->subsystem == "block" && (event->action == "add" || event->action == "change");
}

}  // namespace ccinit::extensions
