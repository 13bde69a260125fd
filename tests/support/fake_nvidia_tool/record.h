#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

// What the fake NVIDIA tool leaves behind in /run/fake-nvidia for the tests to read.
namespace ccinit::fake_nvidia {

inline constexpr const char* kStateDir = "/run/fake-nvidia";
// calls.log and starts.log are also appended here when the directory exists (mkrootfs
// --fake-nvidia creates it): on the guest root's own filesystem, they outlive a boot that
// powers off before the agent could print /run/fake-nvidia/calls.log.
inline constexpr const char* kKeptDir = "/var/lib/fake-nvidia";
inline constexpr const char* kConfigPath = "/etc/fake-nvidia.conf";

// CLOCK_MONOTONIC in nanoseconds: the host and the guest share this clock, so the readiness
// benchmark can subtract timestamps taken by different processes.
std::uint64_t monotonic_ns();

// Appends `<name> <args...>` to calls.log (one write, so lines of concurrent tools never
// interleave) and `<monotonic ns> <name> <args...>` to starts.log.
void record_call(const std::string& name, const std::vector<std::string>& args);
// Writes <name>.env: the environment, one VAR=VALUE per line.
void record_environment(const std::string& name, char** envp);
// Writes `<monotonic ns>\n` to <file> in the state directory (replacing it).
void record_timestamp(const std::string& file, std::uint64_t ns);
// Writes text to a file (replacing it), creating its parent directories.
bool write_file(const std::string& path, std::string_view text);

// /etc/fake-nvidia.conf: KEY=VALUE lines; '#' comments and blank lines are skipped. A
// missing file means every tool behaves normally.
using Config = std::map<std::string, std::string>;
// KEY=VALUE lines, as both /etc/fake-nvidia.conf and fabricmanager.cfg have them: '#'
// comments and lines without '=' skipped, a CR before the newline cut, the last of a
// repeated key kept.
Config parse_key_values(std::string_view text);
Config load_config();
std::string setting(const Config& config, const std::string& key, const std::string& fallback);

}  // namespace ccinit::fake_nvidia
