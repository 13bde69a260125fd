#pragma once

// Fabric Manager's configuration: the stock fabricmanager.cfg (from the GPU extension when one
// is mounted, i.e. bytes from outside ccinit) rewritten with the few settings ccinit owns and
// written to /run/fabricmanager.cfg for `nv-fabricmanager -c`.
//
// How FM reads the file (its config parser, fm_config_options.cpp, in public FM sources, and
// the FM user guide): one `KEY=VALUE` per '\n'-terminated line; a line whose first byte is
// '#' is a comment (an indented '#' is not); the key is the text before the first '=', with
// leading spaces dropped and trailing ones kept, so `KEY = 1` is an unknown key and FM exits;
// each line overwrites the value, so the LAST assignment wins; an unknown key stops FM
// (hence only keys of the FM user guide are ever written); a string value keeps a '\r';
// SHARED_FABRIC_MODE is an older name of FABRIC_MODE (same variable).
//
// Rewrite rules that follow from it:
// - A line sets one of our keys when, after leading blanks and '=', its text up to the first
//   '=' is the key with optional blanks around it (a superset of what FM reads as that key,
//   so no stray assignment of ours survives, including `KEY = v`, which FM would refuse).
// - The first such line is replaced in place by `KEY=value`; later ones are removed, since a
//   later one would win in FM. Missing keys are appended in a fixed order.
// - Every other line is kept byte for byte: comments (`#FABRIC_MODE=1` too), blank lines,
//   unknown keys, CRLF endings. Lines we write end in '\n' even in a CRLF file: FM would keep
//   a '\r' in TOPOLOGY_FILE_PATH's value. An unterminated last line gets a '\n' before an
//   appended line.
// - A NUL byte makes the file not text (FM's C-string parser would read it otherwise than
//   we do): refused.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ccinit.pb.h"

namespace ccinit::fabric {

// A stock file or setting that cannot make a config FM would read as we mean. One line.
class FmConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kFmConfigPath = "/run/fabricmanager.cfg";
// Stock configs are about 10 KiB; anything near this bound is not one.
inline constexpr std::size_t kMaxStockFmConfigBytes = 1 << 20;
// FM's limit on a string value (FM user guide: "max length of 256").
inline constexpr std::size_t kMaxFmStringValue = 256;

struct FmSettings {
  // FABRIC_MODE: 0 = full passthrough (GPU VM with fabric), 1 = shared NVSwitch (service VM).
  std::uint32_t fabric_mode = 0;
  // PARTITION_RAIL_POLICY: greedy or symmetric (symmetric is required for CC on Blackwell).
  wire::RailPolicy rail_policy = wire::RAIL_POLICY_UNSET;
  // The GPU extension's root (e.g. /run/kata-extensions/gpu) when one is mounted: the stock
  // file and FM's topology files are read from under it.
  std::optional<std::string> extension_root;
};

// One line ccinit writes: KEY=value.
struct FmSetting {
  std::string_view key;
  std::string value;
};

// The settings ccinit owns, in the order missing ones are appended:
//   FABRIC_MODE, PARTITION_RAIL_POLICY,
//   DAEMONIZE=0 (FM stays in the foreground: the launcher tracks FM itself, not a pre-fork
//     parent as NVRC did),
//   LOG_USE_SYSLOG=1 (all FM logs to /dev/log, which PID 1 owns and keeps with FM's pid),
//   LOG_FILE_NAME= (empty = stderr per the guide, which PID 1 captures: never a file that
//     grows on tmpfs up to LOG_FILE_MAX_SIZE, nor a dependency on /var/log existing),
//   TOPOLOGY_FILE_PATH=<root>/usr/share/nvidia/nvswitch, only with an extension root.
// Throws FmConfigError for a setting FM would not read as meant (unknown mode or policy; an
// extension root that is not absolute, ends in '/', holds a byte other than printable ASCII
// or '=', or makes the path longer than kMaxFmStringValue).
std::vector<FmSetting> fm_settings(const FmSettings& settings);

// The stock text with our settings applied as described above. Throws FmConfigError.
std::string rewrite_fm_config(std::string_view stock_text, const FmSettings& settings);

// Reads stock_path (a regular file of at most kMaxStockFmConfigBytes) and writes its rewrite
// to out_path atomically with mode 0400. Throws FmConfigError, one line naming the file and
// the errno text, e.g. "Fabric Manager config: open /x/fabricmanager.cfg: No such file or
// directory".
void write_fm_config(const std::string& stock_path, const std::string& out_path,
                     const FmSettings& settings);

}  // namespace ccinit::fabric
