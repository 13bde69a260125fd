#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ccinit::policy {

// A name a policy may use in place of a number (AF_UNIX, PROT_EXEC, ...). The values come
// from the system headers of the machine that builds policyc, which is also the machine
// that builds the helpers.
struct NamedConstant {
  std::string_view name;
  std::uint64_t value;
};

// Every constant a policy may name, sorted by name.
std::span<const NamedConstant> named_constants();

std::optional<std::uint64_t> find_named_constant(std::string_view name);

}  // namespace ccinit::policy
