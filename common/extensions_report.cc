#include "common/extensions_report.h"

#include <algorithm>
#include <vector>

namespace ccinit {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

}  // namespace

void check_extensions(const wire::Config& config, const wire::Extensions& extensions) {
  std::vector<std::string> asked;
  for (const wire::ExtensionVerity& verity : config.extensions()) asked.push_back(verity.name());
  std::sort(asked.begin(), asked.end());
  const std::vector<std::string> mounted(extensions.mounted().begin(), extensions.mounted().end());
  if (mounted != asked)
    throw ExtensionsError("reported mounted extensions (" + joined(mounted) +
                          ") differ from the command line's (" + joined(asked) + ")");
  if (std::binary_search(asked.begin(), asked.end(), "gpu") && !extensions.gpu())
    throw ExtensionsError("mounted the gpu extension but did not report it in use");
}

std::string describe_extensions(const wire::Extensions& extensions) {
  const std::vector<std::string> mounted(extensions.mounted().begin(), extensions.mounted().end());
  std::string out = mounted.empty() ? "none mounted" : "mounted " + joined(mounted);
  if (extensions.gpu()) out += "; NVIDIA driver from the GPU extension";
  return out;
}

}  // namespace ccinit
