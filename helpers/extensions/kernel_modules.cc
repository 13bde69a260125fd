#include "helpers/extensions/kernel_modules.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/text_lines.h"

namespace ccinit::extensions {

namespace {

// /proc/filesystems is a few hundred bytes; this leaves room for any kernel.
constexpr std::size_t kMaxFilesystemsBytes = 64 * 1024;

bool directory_exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw SysError("stat " + path);
}

}  // namespace

bool filesystems_list(std::string_view text, std::string_view filesystem) {
  bool found = false;
  // "<nodev or nothing>\t<name>": the kernel's get_filesystem_list().
  for_each_line(text, [&](std::string_view line) {
    const std::size_t tab = line.find('\t');
    if (tab != std::string_view::npos && line.substr(tab + 1) == filesystem) found = true;
  });
  return found;
}

std::vector<std::string> modules_to_load(const std::string& sys_root,
                                         const std::string& proc_root) {
  std::vector<std::string> out;
  for (std::string_view module : kExtensionModules) {
    if (directory_exists(sys_root + "/module/" + std::string(module))) continue;
    if (module == "erofs" &&
        filesystems_list(read_regular_file(proc_root + "/filesystems", kMaxFilesystemsBytes),
                         module))
      continue;
    out.emplace_back(module);
  }
  return out;
}

}  // namespace ccinit::extensions
