#pragma once

#include <string_view>

// Steps of the stand-in agent that put PID 1 under pressure from inside the guest, as a
// compromised or buggy workload could: a full filesystem and a syslog flood.
namespace ccinit::test_agent {

// fill:PATH — writes PATH until the filesystem refuses (ENOSPC), reporting
// `fill=BYTES ERRNO`. The file is kept: the filesystem stays full.
void fill_filesystem(std::string_view path);

// tmpfs-limit:DIR:SIZE:INODES — remounts the tmpfs at DIR with size=SIZE and
// nr_inodes=INODES (keeping nosuid,nodev,noexec), so filling it takes moments even under
// emulation; reports `tmpfs_limit=ok` or the errno.
void limit_tmpfs(std::string_view dir, std::string_view size, std::string_view inodes);

// fill-inodes:DIR — creates empty files in DIR until the filesystem has no inode left,
// reporting `fill_inodes=FILES ERRNO`.
void fill_inodes(std::string_view dir);

// syslog:COUNT:BYTES — sends COUNT datagrams of BYTES each to /dev/log, reporting
// `syslog_sent=N` (how many the socket took).
void flood_syslog(unsigned long count, unsigned long bytes);

// size:PATH — reports `size=PATH BYTES`, or `size=PATH ERRNO` when it cannot stat it.
void report_size(std::string_view path);

}  // namespace ccinit::test_agent
