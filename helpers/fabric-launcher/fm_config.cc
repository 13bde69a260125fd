#include "helpers/fabric-launcher/fm_config.h"

#include <algorithm>

#include "common/file_io.h"
#include "common/nvidia_paths.h"
#include "common/sys_error.h"

namespace ccinit::fabric {

namespace {

constexpr std::string_view kErrorPrefix = "Fabric Manager config: ";

bool blank(char c) {
  return c == ' ' || c == '\t';
}

// The key a line assigns, as matched for our keys (see the header), or "" when none.
std::string_view assigned_key(std::string_view line) {
  if (line.empty() || line.front() == '#') return {};
  while (!line.empty() && (blank(line.front()) || line.front() == '=')) line.remove_prefix(1);
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return {};
  std::string_view key = line.substr(0, eq);
  while (!key.empty() && blank(key.back())) key.remove_suffix(1);
  return key;
}

// Index into fm_settings() of the setting a key assigns in FM, counting FM's older names.
std::optional<std::size_t> owned_index(std::string_view key,
                                       const std::vector<FmSetting>& settings) {
  if (key.empty()) return std::nullopt;
  if (key == "SHARED_FABRIC_MODE") key = "FABRIC_MODE";
  for (std::size_t i = 0; i < settings.size(); ++i)
    if (settings[i].key == key) return i;
  return std::nullopt;
}

std::string topology_path(const std::string& root) {
  // FM cuts a value at '=' and trims leading spaces; a path of printable ASCII without '='
  // is read back exactly.
  const bool printable = std::all_of(root.begin(), root.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f && c != '=';
  });
  if (root.empty() || root.front() != '/' || root.back() == '/' || !printable)
    throw FmConfigError(
        "GPU extension root must be an absolute path of printable ASCII without spaces, '=' or "
        "a trailing '/'");
  std::string path = root + std::string(nvidia::kFmTopologyDir);
  if (path.size() > kMaxFmStringValue)
    throw FmConfigError("TOPOLOGY_FILE_PATH under the GPU extension root is longer than " +
                        std::to_string(kMaxFmStringValue) + " bytes");
  return path;
}

}  // namespace

std::vector<FmSetting> fm_settings(const FmSettings& settings) {
  if (settings.fabric_mode > 1)
    throw FmConfigError("FABRIC_MODE " + std::to_string(settings.fabric_mode) +
                        ": expected 0 (full passthrough) or 1 (shared NVSwitch)");
  std::string rail;
  switch (settings.rail_policy) {
    case wire::RAIL_POLICY_GREEDY:
      rail = "greedy";
      break;
    case wire::RAIL_POLICY_SYMMETRIC:
      rail = "symmetric";
      break;
    default:
      throw FmConfigError("PARTITION_RAIL_POLICY: expected greedy or symmetric");
  }
  std::vector<FmSetting> out = {
      {"FABRIC_MODE", std::to_string(settings.fabric_mode)},
      {"PARTITION_RAIL_POLICY", rail},
      {"DAEMONIZE", "0"},
      {"LOG_USE_SYSLOG", "1"},
      {"LOG_FILE_NAME", ""},
  };
  if (settings.extension_root)
    out.push_back({"TOPOLOGY_FILE_PATH", topology_path(*settings.extension_root)});
  return out;
}

std::string rewrite_fm_config(std::string_view stock_text, const FmSettings& settings) {
  if (const std::size_t nul = stock_text.find('\0'); nul != std::string_view::npos)
    throw FmConfigError(
        "line " +
        std::to_string(1 + std::count(stock_text.begin(), stock_text.begin() + nul, '\n')) +
        " holds a NUL byte: not a text file");
  const std::vector<FmSetting> ours = fm_settings(settings);
  std::vector<bool> written(ours.size(), false);
  auto line_of = [](const FmSetting& s) { return std::string(s.key) + "=" + s.value + "\n"; };

  std::string out;
  out.reserve(stock_text.size() + 256);
  std::string_view rest = stock_text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::size_t taken = end == std::string_view::npos ? rest.size() : end + 1;
    const std::string_view line = rest.substr(0, taken);  // with its '\n', if any
    rest.remove_prefix(taken);
    const std::optional<std::size_t> own = owned_index(
        assigned_key(line.substr(0, end == std::string_view::npos ? taken : end)), ours);
    if (!own) {
      out += line;
    } else if (!written[*own]) {
      out += line_of(ours[*own]);
      written[*own] = true;
    }  // else: a later assignment of our key, which FM would let win: dropped.
  }
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (written[i]) continue;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += line_of(ours[i]);
  }
  return out;
}

void write_fm_config(const std::string& stock_path, const std::string& out_path,
                     const FmSettings& settings) {
  try {
    fm_settings(settings);
  } catch (const FmConfigError& e) {
    throw FmConfigError(std::string(kErrorPrefix) + e.what());
  }
  std::string stock;
  try {
    stock = read_regular_file(stock_path, kMaxStockFmConfigBytes);
  } catch (const SysError& e) {
    throw FmConfigError(std::string(kErrorPrefix) + e.what());
  }
  std::string rewritten;
  try {
    rewritten = rewrite_fm_config(stock, settings);
  } catch (const FmConfigError& e) {
    throw FmConfigError(std::string(kErrorPrefix) + stock_path + ": " + e.what());
  }
  try {
    // 0400: FM only reads it; nothing after the launcher may change what FM was told.
    write_file_atomically(out_path, rewritten, 0400);
  } catch (const SysError& e) {
    throw FmConfigError(std::string(kErrorPrefix) + e.what());
  }
}

}  // namespace ccinit::fabric
