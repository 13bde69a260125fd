#pragma once

#include <string>
#include <string_view>

namespace ccinit {

// Lower-case hex SHA-256 of data (FIPS 180-4). Used for `ccinit --version`, which names the
// exact binary like NVRC's boot line does; never computed at boot.
std::string sha256_hex(std::string_view data);

}  // namespace ccinit
