// The stock fabricmanager.cfg comes from the GPU extension image: bytes from outside ccinit.
// For any of them the rewrite either refuses (FmConfigError, one printable line) or yields a
// config in which each of our settings is assigned exactly once, by its own `KEY=value` line,
// and every other line of the stock file is still there, in order, byte for byte.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "helpers/fabric-launcher/fm_config.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return out;
}

// Written apart from the code under test: does FM (or anything laxer) read this line as an
// assignment of key? Not a comment; after blanks and '=', the key, blanks, then '='.
bool assigns(std::string_view line, std::string_view key) {
  if (line.empty() || line.front() == '#') return false;
  std::size_t i = line.find_first_not_of(" \t=");
  if (i == std::string_view::npos || line.substr(i, key.size()) != key) return false;
  i = line.find_first_not_of(" \t", i + key.size());
  return i != std::string_view::npos && line[i] == '=';
}

bool assigns_ours(std::string_view line, const std::vector<fabric::FmSetting>& ours) {
  if (assigns(line, "SHARED_FABRIC_MODE")) return true;
  for (const auto& s : ours)
    if (assigns(line, s.key)) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view stock = fuzz::as_text(data, size);
  // The first byte picks the settings, so both shapes (with and without a topology path) run.
  const unsigned pick = size ? data[0] : 0;
  fabric::FmSettings settings{
      .fabric_mode = pick & 1u,
      .rail_policy = (pick & 2u) ? wire::RAIL_POLICY_SYMMETRIC : wire::RAIL_POLICY_GREEDY,
      .extension_root =
          (pick & 4u) ? std::optional<std::string>("/run/kata-extensions/gpu") : std::nullopt};
  const std::vector<fabric::FmSetting> ours = fabric::fm_settings(settings);
  std::string out;
  try {
    out = fabric::rewrite_fm_config(stock, settings);
  } catch (const fabric::FmConfigError& e) {
    fuzz::require(fuzz::printable_ascii(e.what()), "a refusal is one printable line");
    fuzz::require(stock.find('\0') != std::string_view::npos, "only a NUL byte is refused");
    return 0;
  }
  std::vector<std::string_view> kept;
  for (std::string_view line : lines_of(out)) {
    if (!assigns_ours(line, ours)) kept.push_back(line);
  }
  for (const auto& s : ours) {
    const std::string wanted = std::string(s.key) + "=" + s.value;
    int exact = 0;
    int any = 0;
    for (std::string_view line : lines_of(out)) {
      exact += line == wanted;
      any += assigns(line, s.key);
    }
    fuzz::require(exact == 1 && any == 1, "each setting is assigned exactly once, as KEY=value");
  }
  for (std::string_view line : lines_of(out))
    fuzz::require(!assigns(line, "SHARED_FABRIC_MODE"), "FM's older name of FABRIC_MODE is gone");
  std::vector<std::string_view> stock_kept;
  for (std::string_view line : lines_of(stock)) {
    if (!assigns_ours(line, ours)) stock_kept.push_back(line);
  }
  fuzz::require(kept == stock_kept, "every other line is kept, in order, byte for byte");
  return 0;
}
