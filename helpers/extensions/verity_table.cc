#include "helpers/extensions/verity_table.h"

#include "common/cmdline_config.h"
#include "common/log_escape.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

bool lower_hex(const std::string& text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool block_size_ok(std::uint32_t n) {
  return n >= 512 && n <= 4096 && (n & (n - 1)) == 0;
}

// The command line parser checked all this; checked again because each field becomes a word
// of the table, and a space or a stray word there would change what the kernel verifies.
void check_params(const wire::ExtensionVerity& params) {
  const std::string& name = params.name();
  auto bad = [&](const std::string& what) {
    throw ExtensionError("extension " + escape_for_log(name) + ": " + what);
  };
  if (!valid_extension_name(name)) bad("not a valid extension name");
  if (params.root_hash().size() != 64 || !lower_hex(params.root_hash()))
    bad("root_hash " + escape_for_log(params.root_hash()) + " is not 64 lower-case hex digits");
  if (params.salt().size() % 2 != 0 || !lower_hex(params.salt()))
    bad("salt " + escape_for_log(params.salt()) +
        " is not an even number of lower-case hex digits");
  if (params.data_blocks() == 0) bad("data_blocks is 0");
  if (!block_size_ok(params.data_block_size()) || !block_size_ok(params.hash_block_size()))
    bad("block sizes " + std::to_string(params.data_block_size()) + "/" +
        std::to_string(params.hash_block_size()) + " are not powers of two from 512 to 4096");
}

}  // namespace

VerityTarget verity_target(const wire::ExtensionVerity& params, const ExtensionDisk& disk) {
  check_params(params);
  std::uint64_t data_bytes = 0;
  if (__builtin_mul_overflow(params.data_blocks(), std::uint64_t{params.data_block_size()},
                             &data_bytes))
    throw ExtensionError("extension " + params.name() +
                         ": data_blocks=" + std::to_string(params.data_blocks()) +
                         " of data_block_size=" + std::to_string(params.data_block_size()) +
                         " is more than 2^64 bytes");
  VerityTarget target;
  // Block sizes are powers of two from 512, so this is exact.
  target.sectors = data_bytes / kSectorBytes;
  target.parameters = "1 " + to_string(disk.data.device) + " " + to_string(disk.hash.device) + " " +
                      std::to_string(params.data_block_size()) + " " +
                      std::to_string(params.hash_block_size()) + " " +
                      std::to_string(params.data_blocks()) + " 0 sha256 " + params.root_hash() +
                      " " + (params.salt().empty() ? std::string("-") : params.salt());
  return target;
}

std::string verity_table_line(const VerityTarget& target) {
  return "0 " + std::to_string(target.sectors) + " verity " + target.parameters;
}

}  // namespace ccinit::extensions
