#include "common/cmdline_config.h"

#include "common/decimal.h"
#include "common/helper_table.h"

#include "common/log_escape.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace ccinit {

namespace {

// ---- tokenizing ---------------------------------------------------------------------

// One parameter as the kernel splits the command line.
struct Param {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: the token had no '='
  std::size_t position = 0;               // 1-based, counting every parameter
};

// The kernel's isspace(): lib/ctype.c also counts Latin-1 NBSP (0xa0) as space, and the
// kernel decides what a parameter is, so we split exactly where it does.
bool is_kernel_space(char c) {
  switch (static_cast<unsigned char>(c)) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0xa0:
      return true;
    default:
      return false;
  }
}

// Follows the kernel's next_arg()/parse_args(): a double quote toggles "inside quotes"
// (where whitespace does not split), a value's opening quote and the token's final quote
// are dropped, a token that starts with a quote loses that quote and its final one, and a
// lone `--` ends the parameters (the rest is init's argv).
std::vector<Param> tokenize(std::string_view line) {
  constexpr std::size_t npos = std::string_view::npos;
  std::vector<Param> params;
  std::size_t i = 0;
  const std::size_t n = line.size();
  for (;;) {
    while (i < n && is_kernel_space(line[i])) ++i;
    if (i == n) break;
    bool quoted = false;
    bool in_quote = false;
    if (line[i] == '"') {
      ++i;
      quoted = in_quote = true;
    }
    const std::size_t start = i;
    std::size_t equals = npos;
    for (; i < n; ++i) {
      char c = line[i];
      if (is_kernel_space(c) && !in_quote) break;
      // The kernel records the first '=' but cannot record one at offset 0.
      if (equals == npos && c == '=' && i != start) equals = i;
      if (c == '"') in_quote = !in_quote;
    }
    std::size_t end = i;
    bool last_quote_dropped = false;
    Param param;
    param.position = params.size() + 1;
    std::size_t value_start = 0;
    if (equals != npos) {
      value_start = equals + 1;
      if (value_start < end && line[value_start] == '"') {
        ++value_start;
        if (line[end - 1] == '"') {
          --end;
          last_quote_dropped = true;
        }
      }
    }
    if (quoted && !last_quote_dropped && end > start && line[end - 1] == '"') --end;
    if (equals == npos) {
      param.key = line.substr(start, end - start);
      if (param.key == "--") break;
    } else {
      param.key = line.substr(start, equals - start);
      param.value = value_start < end ? line.substr(value_start, end - value_start) : "";
    }
    params.push_back(param);
  }
  return params;
}

// ---- errors -----------------------------------------------------------------------------

std::string quote_param(const Param& param) {
  std::string out = escape_for_log(param.key);
  if (param.value) {
    out += '=';
    out += escape_for_log(*param.value);
  }
  return out;
}

[[noreturn]] void fail(const Param& param, std::string_view message) {
  throw ConfigError(quote_param(param) + ": " + std::string(message));
}

[[noreturn]] void fail(const Param& param, std::string_view expected, std::string_view detail) {
  fail(param, std::string(expected) + "; " + std::string(detail));
}

// ---- value parsing --------------------------------------------------------------------

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

constexpr std::pair<std::string_view, wire::Mode> kModes[] = {
    {"auto", wire::MODE_AUTO},
    {"cpu", wire::MODE_CPU},
    {"gpu", wire::MODE_GPU},
    {"nvswitch-nvl4", wire::MODE_NVSWITCH_NVL4},
    {"nvswitch-nvl5", wire::MODE_NVSWITCH_NVL5},
    {"servicevm-nvl4", wire::MODE_SERVICEVM_NVL4},
    {"servicevm-nvl5", wire::MODE_SERVICEVM_NVL5},
};

constexpr std::pair<std::string_view, wire::LogLevel> kLogLevels[] = {
    {"off", wire::LOG_OFF},   {"error", wire::LOG_ERROR}, {"warn", wire::LOG_WARN},
    {"info", wire::LOG_INFO}, {"debug", wire::LOG_DEBUG}, {"trace", wire::LOG_TRACE},
};

constexpr std::pair<std::string_view, wire::RailPolicy> kRailPolicies[] = {
    {"greedy", wire::RAIL_POLICY_GREEDY},
    {"symmetric", wire::RAIL_POLICY_SYMMETRIC},
};

template <typename T, std::size_t N>
std::optional<T> lookup_word(const std::pair<std::string_view, T> (&table)[N],
                             std::string_view word) {
  for (const auto& [name, value] : table)
    if (iequals(name, word)) return value;
  return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view s) {
  for (std::string_view yes : {"on", "true", "1", "yes"})
    if (iequals(s, yes)) return true;
  for (std::string_view no : {"off", "false", "0", "no"})
    if (iequals(s, no)) return false;
  return std::nullopt;
}

// ---- one setting per nvrc.* key -----------------------------------------------------------

constexpr std::string_view kModeExpected =
    "expected auto, cpu, gpu, nvswitch-nvl4, nvswitch-nvl5, servicevm-nvl4 or servicevm-nvl5";
constexpr std::string_view kLogExpected = "expected off, error, warn, info, debug or trace";
constexpr std::string_view kClockExpected =
    "expected a clock in MHz: N or MIN,MAX (e.g. 1500 or 300,1980)";
constexpr std::string_view kWattsExpected =
    "expected a power limit in watts: a whole number from 1 to 4294967295";
constexpr std::string_view kSrsExpected = "expected 0, 1, enabled or disabled";
constexpr std::string_view kBoolExpected = "expected a boolean: on/off, true/false, 1/0 or yes/no";
constexpr std::string_view kFmModeExpected = "expected 0 (bare metal) or 1 (service VM)";
constexpr std::string_view kRailExpected = "expected greedy or symmetric";
constexpr std::string_view kTimeoutExpected = "expected whole seconds from 1 to 86400";
constexpr std::string_view kVerityExpected =
    "expected root_hash=HEX,salt=HEX,data_blocks=N,data_block_size=N,hash_block_size=N";
constexpr std::string_view kVerityKeyExpected =
    "the one known is kata.extension.<name>.verity_params, spelled exactly so (lower-case)";
constexpr std::string_view kExtensionNameExpected =
    "expected kata.extension.<name>.verity_params with a name of ";

struct Setting {
  std::string_view key;
  std::string_view expected;
  void (*apply)(const Setting& self, const Param& param, std::string_view value,
                wire::Config& config);
};

wire::ClockRange parse_clock(const Setting& self, const Param& param, std::string_view value) {
  std::string_view min_text = value;
  std::string_view max_text = value;
  if (auto comma = value.find(','); comma != std::string_view::npos) {
    min_text = value.substr(0, comma);
    max_text = value.substr(comma + 1);
  }
  if (!all_digits(min_text) || !all_digits(max_text)) fail(param, self.expected);
  auto min = parse_decimal<std::uint32_t>(min_text);
  auto max = parse_decimal<std::uint32_t>(max_text);
  if (!min || !max || *min == 0 || *max == 0)
    fail(param, self.expected, "each clock must be from 1 to 4294967295");
  if (*min > *max) fail(param, self.expected, "MIN must not be above MAX");
  wire::ClockRange range;
  range.set_min_mhz(*min);
  range.set_max_mhz(*max);
  return range;
}

void apply_mode(const Setting& self, const Param& param, std::string_view value,
                wire::Config& config) {
  auto mode = lookup_word(kModes, value);
  if (!mode) fail(param, self.expected);
  config.set_mode(*mode);
}

void apply_log(const Setting& self, const Param& param, std::string_view value,
               wire::Config& config) {
  auto level = lookup_word(kLogLevels, value);
  if (!level) fail(param, self.expected);
  config.set_log_level(*level);
  config.set_log_level_set(true);
}

void apply_lgc(const Setting& self, const Param& param, std::string_view value,
               wire::Config& config) {
  *config.mutable_smi_lgc() = parse_clock(self, param, value);
}

void apply_lmc(const Setting& self, const Param& param, std::string_view value,
               wire::Config& config) {
  *config.mutable_smi_lmc() = parse_clock(self, param, value);
}

void apply_pl(const Setting& self, const Param& param, std::string_view value,
              wire::Config& config) {
  auto watts = parse_decimal<std::uint32_t>(value);
  if (!watts || *watts == 0) fail(param, self.expected);
  config.set_smi_pl_watts(*watts);
}

void apply_srs(const Setting& self, const Param& param, std::string_view value,
               wire::Config& config) {
  // Case-sensitive on purpose: these are the spellings nvidia-smi and Kata's configs use.
  if (value == "1" || value == "enabled")
    config.set_smi_srs(true);
  else if (value == "0" || value == "disabled")
    config.set_smi_srs(false);
  else
    fail(param, self.expected);
}

void apply_uvm_persistence(const Setting& self, const Param& param, std::string_view value,
                           wire::Config& config) {
  auto on = parse_bool(value);
  if (!on) fail(param, self.expected);
  config.set_uvm_persistence_mode(*on);
}

void apply_dcgm(const Setting& self, const Param& param, std::string_view value,
                wire::Config& config) {
  auto on = parse_bool(value);
  if (!on) fail(param, self.expected);
  config.set_dcgm(*on);
}

void apply_fm_mode(const Setting& self, const Param& param, std::string_view value,
                   wire::Config& config) {
  if (value != "0" && value != "1") fail(param, self.expected);
  config.set_fm_mode(value == "1" ? 1 : 0);
}

void apply_rail_policy(const Setting& self, const Param& param, std::string_view value,
                       wire::Config& config) {
  auto policy = lookup_word(kRailPolicies, value);
  if (!policy) fail(param, self.expected);
  config.set_fm_rail_policy(*policy);
}

constexpr Setting kSettings[] = {
    {"nvrc.mode", kModeExpected, apply_mode},
    {"nvrc.log", kLogExpected, apply_log},
    {"nvrc.smi.lgc", kClockExpected, apply_lgc},
    {"nvrc.smi.lmc", kClockExpected, apply_lmc},
    {"nvrc.smi.pl", kWattsExpected, apply_pl},
    {"nvrc.smi.srs", kSrsExpected, apply_srs},
    {"nvrc.uvm.persistence.mode", kBoolExpected, apply_uvm_persistence},
    {"nvrc.dcgm", kBoolExpected, apply_dcgm},
    {"nvrc.fm.mode", kFmModeExpected, apply_fm_mode},
    {"nvrc.fm.rail.policy", kRailExpected, apply_rail_policy},
};

constexpr std::string_view kNvrcPrefix = "nvrc.";
constexpr std::string_view kTimeoutPrefix = "nvrc.timeout.";
constexpr std::string_view kExtensionPrefix = "kata.extension.";
constexpr std::string_view kVeritySuffix = "verity_params";

std::string timeout_list() {
  std::string out;
  for (std::string_view name : timeout_names()) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::string known_keys() {
  std::string out;
  for (const Setting& s : kSettings) {
    out += s.key;
    out += ", ";
  }
  return out + std::string(kTimeoutPrefix) + "{" + timeout_list() + "}";
}

std::optional<std::size_t> timeout_index(std::string_view name) {
  for (std::size_t i = 0; i < timeout_names().size(); ++i)
    if (timeout_names()[i] == name) return i;
  return std::nullopt;
}

// The <name> of kata.extension.<name>.verity_params, or nullopt for any other key. An empty
// name (kata.extension.verity_params, kata.extension..verity_params) is returned as "" so
// that it is refused rather than ignored.
std::optional<std::string_view> verity_extension_name(std::string_view key) {
  if (!key.starts_with(kExtensionPrefix) || !key.ends_with(kVeritySuffix)) return std::nullopt;
  if (key.size() < kExtensionPrefix.size() + kVeritySuffix.size()) return std::nullopt;
  std::string_view middle = key.substr(kExtensionPrefix.size(),
                                       key.size() - kExtensionPrefix.size() - kVeritySuffix.size());
  if (middle.empty()) return middle;
  if (!middle.ends_with('.')) return std::nullopt;
  return middle.substr(0, middle.size() - 1);
}

bool starts_with_any_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Whether a lower-case key is one of ours spelled right (for the hint on a case mistake).
bool known_key(std::string_view key) {
  for (const Setting& s : kSettings)
    if (s.key == key) return true;
  return key.starts_with(kTimeoutPrefix) && timeout_index(key.substr(kTimeoutPrefix.size()));
}

// Levenshtein distance; both strings are a few dozen bytes at most.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A kata.extension.* key (prefix in any case) that is not kata.extension.<name>.verity_params
// but was surely meant as one: its last field, lower-cased and without punctuation, mentions
// verity or is within two typos of verity_params (KATA.EXTENSION.x.verity_params,
// kata.extension.x.verity_param, kata.extension.x.Verity-Params, kata.extension.xverity_params).
// Other fields of kata.extension.* are left alone: they are not ours.
bool misspelled_verity_key(std::string_view key) {
  if (!starts_with_any_case(key, kExtensionPrefix)) return false;
  std::string_view rest = key.substr(kExtensionPrefix.size());
  std::string_view field = rest.substr(rest.rfind('.') + 1);  // npos + 1: the whole rest
  std::string letters;
  for (char c : to_lower(field))
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) letters.push_back(c);
  return letters.find("verity") != std::string::npos || edit_distance(letters, "verityparams") <= 2;
}

// dm-verity refuses a block size above the page size (4096 on x86-64) or below a sector.
bool valid_block_size(std::uint32_t n) {
  return n >= 512 && n <= 4096 && (n & (n - 1)) == 0;
}

wire::ExtensionVerity parse_verity(const Param& param, std::string_view name,
                                   std::string_view value) {
  constexpr std::string_view kFields[] = {"root_hash", "salt", "data_blocks", "data_block_size",
                                          "hash_block_size"};
  std::optional<std::string_view> fields[std::size(kFields)];
  auto bad = [&](const std::string& detail) { fail(param, kVerityExpected, detail); };

  std::string_view rest = value;
  for (;;) {
    std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    std::size_t eq = item.find('=');
    if (item.empty()) bad("empty field (stray comma)");
    if (eq == std::string_view::npos) bad("field " + escape_for_log(item) + " has no =value");
    std::string_view field = item.substr(0, eq);
    std::string_view text = item.substr(eq + 1);
    auto known = std::find(std::begin(kFields), std::end(kFields), field);
    if (known == std::end(kFields)) bad("unknown field " + escape_for_log(field));
    auto& slot = fields[known - std::begin(kFields)];
    if (slot) bad(std::string(field) + " given twice");
    if (text.empty()) bad(std::string(field) + " is empty");
    slot = text;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  for (std::size_t i = 0; i < std::size(kFields); ++i)
    if (!fields[i]) bad("missing " + std::string(kFields[i]));

  auto shown = [&](std::size_t i) {
    return std::string(kFields[i]) + "=" + escape_for_log(*fields[i]);
  };
  std::string_view root_hash = *fields[0];
  std::string_view salt = *fields[1];
  if (root_hash.size() != 64 || !all_hex(root_hash))
    bad(shown(0) + " is not 64 hex digits (a sha256 hash)");
  if (salt.size() % 2 != 0 || !all_hex(salt))
    bad(shown(1) + " is not an even number of hex digits");
  auto data_blocks = parse_decimal<std::uint64_t>(*fields[2]);
  if (!data_blocks || *data_blocks == 0)
    bad(shown(2) + " is not a decimal number from 1 to 18446744073709551615");
  std::uint32_t sizes[2] = {};
  for (std::size_t i : {3, 4}) {
    auto size = parse_decimal<std::uint32_t>(*fields[i]);
    if (!size || !valid_block_size(*size))
      bad(shown(i) + " is not a power of two from 512 to 4096");
    sizes[i - 3] = *size;
  }

  wire::ExtensionVerity verity;
  verity.set_name(std::string(name));
  verity.set_root_hash(to_lower(root_hash));
  verity.set_salt(to_lower(salt));
  verity.set_data_blocks(*data_blocks);
  verity.set_data_block_size(sizes[0]);
  verity.set_hash_block_size(sizes[1]);
  return verity;
}

}  // namespace

bool valid_extension_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxExtensionNameLength) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

// ---- the parser ---------------------------------------------------------------------------

class CmdlineParser {
 public:
  wire::Config parse(std::string_view line) {
    config_.set_mode(wire::MODE_AUTO);
    config_.set_log_level(wire::LOG_OFF);
    config_.set_uvm_persistence_mode(true);
    config_.set_dcgm(false);
    for (const Param& param : tokenize(line)) take(param);
    for (std::size_t i = 0; i < timeouts_.size(); ++i) {
      if (!timeouts_[i]) continue;
      wire::HelperTimeout* timeout = config_.add_timeouts();
      timeout->set_name(std::string(timeout_names()[i]));
      timeout->set_seconds(*timeouts_[i]);
    }
    for (auto& [name, verity] : extensions_) *config_.add_extensions() = std::move(verity);
    return std::move(config_);
  }

 private:
  void take(const Param& param) {
    if (param.key.starts_with(kNvrcPrefix)) {
      if (param.key.starts_with(kTimeoutPrefix)) {
        const std::string_view name = param.key.substr(kTimeoutPrefix.size());
        if (const HelperInfo* helper = find_helper(name);
            helper && helper->stage == HelperStage::kFirst)
          fail(param, "the " + std::string(name) +
                          " runs before the kernel command line is read, so its timeout (" +
                          std::to_string(helper->default_timeout_seconds) +
                          " s) cannot be set; settable: " + std::string(kTimeoutPrefix) + "{" +
                          timeout_list() + "}");
        auto index = timeout_index(name);
        if (!index) unknown(param);
        std::string_view value = required_value(param, kTimeoutExpected);
        auto seconds = parse_decimal<std::uint32_t>(value);
        if (!seconds || *seconds == 0 || *seconds > kMaxTimeoutSeconds)
          fail(param, kTimeoutExpected);
        timeouts_[*index] = *seconds;
        return;
      }
      for (const Setting& setting : kSettings) {
        if (setting.key != param.key) continue;
        setting.apply(setting, param, required_value(param, setting.expected), config_);
        return;
      }
      unknown(param);
    }
    // NVRC.LOG=info, Nvrc.mode=cpu: meant for us, and silently ignoring them would boot
    // with settings nobody asked for.
    if (starts_with_any_case(param.key, kNvrcPrefix)) unknown(param);
    if (auto name = verity_extension_name(param.key)) {
      if (!valid_extension_name(*name))
        fail(param, std::string(kExtensionNameExpected) + std::string(kExtensionNameRule));
      std::string_view value = required_value(param, kVerityExpected);
      extensions_[std::string(*name)] = parse_verity(param, *name, value);
      return;
    }
    if (misspelled_verity_key(param.key))
      fail(param, "unknown kata.extension parameter; " + std::string(kVerityKeyExpected));
    // Anything else belongs to the kernel, the agent or someone else: not ours to judge.
  }

  [[noreturn]] void unknown(const Param& param) {
    std::string hint;
    if (std::string lower = to_lower(param.key); lower != param.key && known_key(lower))
      hint = " (names are lower-case: " + lower + ")";
    fail(param, "unknown nvrc parameter" + hint + "; known ones are " + known_keys());
  }

  // Checks that an accepted key appears once and has a non-empty value; returns the value.
  std::string_view required_value(const Param& param, std::string_view expected) {
    auto [it, inserted] = first_seen_.try_emplace(std::string(param.key), param);
    if (!inserted)
      fail(param, "given twice, first as parameter " + std::to_string(it->second.position) + " (" +
                      quote_param(it->second) + "), again as parameter " +
                      std::to_string(param.position) + "; each parameter may appear only once");
    if (!param.value) fail(param, "missing =VALUE; " + std::string(expected));
    if (param.value->empty()) fail(param, "empty value; " + std::string(expected));
    return *param.value;
  }

  wire::Config config_;
  std::map<std::string, Param, std::less<>> first_seen_;
  std::vector<std::optional<std::uint32_t>> timeouts_ =
      std::vector<std::optional<std::uint32_t>>(timeout_names().size());
  std::map<std::string, wire::ExtensionVerity, std::less<>> extensions_;
};

}  // namespace

std::span<const std::string_view> timeout_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const HelperInfo& helper : kHelpers)
      if (helper.stage == HelperStage::kPlanned) out.push_back(helper.name);
    out.insert(out.end(), kDaemonTimeoutNames.begin(), kDaemonTimeoutNames.end());
    return out;
  }();
  return names;
}

wire::Config parse_cmdline(std::string_view cmdline) {
  return CmdlineParser().parse(cmdline);
}

std::uint32_t timeout_seconds(const wire::Config& config, std::string_view name,
                              std::uint32_t fallback) {
  for (const wire::HelperTimeout& timeout : config.timeouts())
    if (timeout.name() == name) return timeout.seconds();
  return fallback;
}

std::string_view mode_name(wire::Mode mode) {
  for (const auto& [name, value] : kModes)
    if (value == mode) return name;
  return "unknown";
}

std::string_view log_level_name(wire::LogLevel level) {
  for (const auto& [name, value] : kLogLevels)
    if (value == level) return name;
  return "unknown";
}

std::optional<wire::Mode> mode_from_name(std::string_view name) {
  for (const auto& [text, value] : kModes)
    if (text == name) return value;
  return std::nullopt;
}

std::optional<wire::RailPolicy> rail_policy_from_name(std::string_view name) {
  for (const auto& [text, value] : kRailPolicies)
    if (text == name) return value;
  return std::nullopt;
}

std::string_view rail_policy_name(wire::RailPolicy policy) {
  for (const auto& [name, value] : kRailPolicies)
    if (value == policy) return name;
  return "unset";
}

std::string describe_config(const wire::Config& config) {
  constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
  std::string out;
  auto line = [&](std::string_view key, std::string_view value) {
    out.append(key).append("=").append(value).append("\n");
  };
  auto clock = [](const wire::ClockRange& range) {
    std::string text = std::to_string(range.min_mhz());
    // Two appends, not "," + to_string(): GCC 12 at -O3 warns (-Wrestrict) on the latter.
    if (range.max_mhz() != range.min_mhz())
      text.append(",").append(std::to_string(range.max_mhz()));
    return text;
  };
  auto on_off = [](bool on) { return on ? "on" : "off"; };

  line("nvrc.mode", mode_name(config.mode()));
  line("nvrc.log", log_level_name(config.log_level()));
  if (config.has_smi_lgc()) line("nvrc.smi.lgc", clock(config.smi_lgc()));
  if (config.has_smi_lmc()) line("nvrc.smi.lmc", clock(config.smi_lmc()));
  if (config.has_smi_pl_watts()) line("nvrc.smi.pl", std::to_string(config.smi_pl_watts()));
  if (config.has_smi_srs()) line("nvrc.smi.srs", config.smi_srs() ? "1" : "0");
  line("nvrc.uvm.persistence.mode", on_off(config.uvm_persistence_mode()));
  line("nvrc.dcgm", on_off(config.dcgm()));
  if (config.has_fm_mode()) line("nvrc.fm.mode", std::to_string(config.fm_mode()));
  if (config.fm_rail_policy() != wire::RAIL_POLICY_UNSET)
    line("nvrc.fm.rail.policy", rail_policy_name(config.fm_rail_policy()));
  // Names come from a validated command line, but a Config can also arrive off the wire.
  for (const wire::HelperTimeout& timeout : config.timeouts())
    line(std::string(kTimeoutPrefix) + escape_for_log(timeout.name(), kNoLimit),
         std::to_string(timeout.seconds()));
  for (const wire::ExtensionVerity& ext : config.extensions())
    line(std::string(kExtensionPrefix) + escape_for_log(ext.name(), kNoLimit) + "." +
             std::string(kVeritySuffix),
         "root_hash=" + escape_for_log(ext.root_hash(), kNoLimit) +
             ",salt=" + escape_for_log(ext.salt(), kNoLimit) +
             ",data_blocks=" + std::to_string(ext.data_blocks()) +
             ",data_block_size=" + std::to_string(ext.data_block_size()) +
             ",hash_block_size=" + std::to_string(ext.hash_block_size()));
  return out;
}

}  // namespace ccinit
