#include "helpers/lockdown/lockdown_knobs.h"

#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>

#include "common/file_io.h"
#include "common/sys_error.h"

namespace ccinit::lockdown {

namespace {

bool path_exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw SysError("stat " + path);
}

// Returns when the kernel provably lacks the knob's feature; throws when the knob is missing
// for any other reason.
void require_feature_absent(const Knob& knob) {
  if (!path_exists(knob.evidence_dir))
    throw std::runtime_error(knob.path + " does not exist and " + knob.evidence_dir +
                             " is missing too, so the kernel's lack of " + knob.feature +
                             " cannot be confirmed");
  if (path_exists(knob.evidence))
    throw std::runtime_error(knob.path + " does not exist although " + knob.evidence +
                             " does: the kernel has " + knob.feature + " but no way to disable it");
}

void lock(const Knob& knob, helper::Reporter& reporter, bool dry_run) {
  if (!path_exists(knob.path)) {
    require_feature_absent(knob);
    reporter.info(knob.path + " does not exist: the kernel was built without " + knob.feature +
                  ", nothing to disable");
    return;
  }
  if (dry_run) {
    std::string now(trim_right(read_file(knob.path)));
    reporter.info("would write 1 to " + knob.path + " (now " + now + ")");
    return;
  }
  write_existing_file(knob.path, "1");
  std::string value(trim_right(read_file(knob.path)));
  if (value != "1")
    throw std::runtime_error(knob.path + " reads back '" + value + "' after writing 1");
  reporter.info("wrote 1 to " + knob.path + ": " + knob.feature + " disabled");
}

}  // namespace

std::vector<Knob> lockdown_knobs(const std::string& root) {
  return {
      // /proc/modules exists exactly when the kernel supports modules.
      Knob{"disable-module-loading", root + "/proc/sys/kernel/modules_disabled", "module loading",
           root + "/proc/sys/kernel", root + "/proc/modules"},
      // /sys/kernel/kexec_loaded exists exactly when the kernel supports kexec.
      Knob{"disable-kexec", root + "/proc/sys/kernel/kexec_load_disabled", "kexec",
           root + "/sys/kernel", root + "/sys/kernel/kexec_loaded"},
  };
}

void run_lockdown(const std::vector<Knob>& knobs, helper::Reporter& reporter, bool dry_run) {
  for (const Knob& knob : knobs) {
    helper::StepScope step(reporter, knob.step);
    lock(knob, reporter, dry_run);
    step.done();
  }
}

}  // namespace ccinit::lockdown
