#include "helpers/runtime/confinement_report.h"

#include <array>
#include <exception>

#include "common/file_io.h"
#include "helpers/runtime/proc_status.h"

namespace ccinit::helper {

std::string summarize_proc_status(std::string_view status_text) {
  static constexpr std::array<std::string_view, 4> kFields = {"Seccomp", "NoNewPrivs", "CapEff",
                                                              "CapBnd"};
  std::string out = "confinement:";
  for (std::string_view key : kFields) {
    out += ' ';
    out += key;
    out += '=';
    out += proc_status_field(status_text, key).value_or("?");
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
