#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ccinit {

// Reads fd to its end (EOF), retrying on EINTR; throws SysError("read") on failure.
std::string read_all(int fd);
// Reads a whole (small) file; throws SysError naming the path on failure.
std::string read_file(const std::string& path);
// Like read_file, but returns nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);
// Writes data to an existing file (no O_CREAT), e.g. a /proc/sys knob; throws on failure.
void write_existing_file(const std::string& path, std::string_view data);
// Writes all bytes to fd, retrying on EINTR and short writes; throws SysError on failure.
void write_all(int fd, std::string_view data);
// Strips trailing whitespace/newlines (sysfs and procfs values end in '\n').
std::string_view trim_right(std::string_view s);

}  // namespace ccinit
