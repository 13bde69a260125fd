#include "common/helper_table.h"

#include <stdexcept>

namespace ccinit {

const HelperInfo* find_helper(std::string_view name) {
  for (const HelperInfo& helper : kHelpers) {
    if (helper.name == name) return &helper;
  }
  return nullptr;
}

const HelperInfo& helper_info(std::string_view name) {
  if (const HelperInfo* helper = find_helper(name)) return *helper;
  throw std::logic_error("no helper '" + std::string(name) + "' in helpers/helpers.table");
}

std::string helper_path(const HelperInfo& helper) {
  return std::string(kHelperDir) + "/" + std::string(helper.name);
}

}  // namespace ccinit
