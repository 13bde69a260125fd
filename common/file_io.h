#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccinit {

// Reads fd to its end (EOF), retrying on EINTR; throws SysError("read") on failure.
std::string read_all(int fd);
// Reads a whole (small) file; throws SysError naming the path on failure.
std::string read_file(const std::string& path);
// Like read_file, but returns nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);
// Reads a whole regular file of at most max_bytes. Opened without blocking and refused unless
// regular, so a FIFO or device planted where a config file belongs cannot hang or flood the
// reader. Throws SysError naming the path: its errno text, EINVAL ("not a regular file" in
// the message) or EFBIG when larger than max_bytes.
std::string read_regular_file(const std::string& path, std::size_t max_bytes);
// Replaces path with data atomically: a reader (or a crash) sees the old file or the whole
// new one, never a part. Writes a temporary file in the same directory with exactly `mode`
// (whatever the umask), fsyncs it, renames it over path and fsyncs the directory, so the
// rename is durable too. On failure the temporary file is removed and SysError names path.
void write_file_atomically(const std::string& path, std::string_view data, mode_t mode);
// The names in a directory ("." and ".." left out), sorted so callers act in a deterministic
// order; nullopt when it does not exist. Throws SysError naming it on any other failure.
std::optional<std::vector<std::string>> list_directory(const std::string& path);
// Writes data to an existing file (no O_CREAT), e.g. a /proc/sys knob; throws on failure.
void write_existing_file(const std::string& path, std::string_view data);
// Whether fd has something to read (or a notification to receive) right now, without
// waiting; throws SysError when poll fails.
bool readable_now(int fd);
// Writes all bytes to fd, retrying on EINTR and short writes; throws SysError on failure.
void write_all(int fd, std::string_view data);
// Strips trailing whitespace/newlines (sysfs and procfs values end in '\n').
std::string_view trim_right(std::string_view s);

}  // namespace ccinit
