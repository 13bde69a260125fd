#include "helpers/runtime/confinement_report.h"

#include <array>
#include <exception>

#include "common/file_io.h"

namespace ccinit::helper {

namespace {

// The value of "Key:\tvalue" in /proc/self/status text.
std::string_view status_field(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      std::string_view value = line.substr(key.size() + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      return trim_right(value);
    }
  }
  return "?";
}

}  // namespace

std::string summarize_proc_status(std::string_view status_text) {
  static constexpr std::array<std::string_view, 4> kFields = {"Seccomp", "NoNewPrivs", "CapEff",
                                                              "CapBnd"};
  std::string out = "confinement:";
  for (std::string_view key : kFields) {
    out += ' ';
    out += key;
    out += '=';
    out += status_field(status_text, key);
  }
  return out;
}

std::string describe_confinement(const std::string& status_path, std::string_view requested_caps) {
  std::string requested = requested_caps.empty() ? "none" : std::string(requested_caps);
  try {
    if (auto status = read_file_if_exists(status_path))
      return summarize_proc_status(*status) + " (capabilities kept: " + requested + ")";
  } catch (const std::exception& e) {
    return "confinement: seccomp filter loaded, no_new_privs set, capabilities kept: " + requested +
           " (cannot read it back: " + e.what() + ")";
  }
  return "confinement: seccomp filter loaded, no_new_privs set, capabilities kept: " + requested +
         " (" + status_path + " not available to read it back)";
}

}  // namespace ccinit::helper
