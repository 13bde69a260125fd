// policyc --name HELPER --symbol IDENT --output OUT.cc [--sanitizer-rules] [--bpf-out FILE]
//         INPUT.policy
// policyc --syscall-table OUT.cc
//
// Compiles a helper's seccomp policy into the C++ source the helper links: its rule table
// and its final seccomp program, as `const ccinit::policy::Policy ccinit::policy::IDENT`.
// --bpf-out also writes the program's raw bytes. Any problem in the policy fails the build
// with one "file:line: message" line on stderr. --syscall-table writes the syscall name
// table (policy/syscall_names.h) instead.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "policy/policy_codegen.h"
#include "policy/policy_parser.h"

namespace {

constexpr const char* kUsage =
    "usage: policyc --name HELPER --symbol IDENT --output OUT.cc [--sanitizer-rules] "
    "[--bpf-out FILE] INPUT.policy\n"
    "       policyc --syscall-table OUT.cc";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "policyc: %s\n%s\n", message.c_str(), kUsage);
  return 1;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

bool valid_symbol(std::string_view symbol) {
  if (symbol.empty() || (symbol[0] >= '0' && symbol[0] <= '9')) return false;
  for (char c : symbol) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// Writes next to the target and renames, so a failed run never leaves a half-written file
// that the build would take as up to date.
void write_output(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    ccinit::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw std::runtime_error(tmp + ": " + std::strerror(errno));
    std::string_view rest = text;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd.release()) != 0) throw std::runtime_error(tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": " + std::strerror(err));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, symbol, output, bpf_out, syscall_table, input;
  bool sanitizer_rules = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string* value = arg == "--name"            ? &name
                         : arg == "--symbol"        ? &symbol
                         : arg == "--output"        ? &output
                         : arg == "--bpf-out"       ? &bpf_out
                         : arg == "--syscall-table" ? &syscall_table
                                                    : nullptr;
    if (value && i + 1 < argc && value->empty()) {
      *value = argv[++i];
    } else if (arg == "--sanitizer-rules" && !sanitizer_rules) {
      sanitizer_rules = true;
    } else if (!arg.starts_with("-") && input.empty()) {
      input = arg;
    } else {
      return usage_error("unexpected argument '" + std::string(arg) + "'");
    }
  }
  try {
    if (!syscall_table.empty()) {
      if (!name.empty() || !symbol.empty() || !output.empty() || !bpf_out.empty() ||
          !input.empty() || sanitizer_rules)
        return usage_error("--syscall-table takes no other argument");
      write_output(syscall_table, ccinit::policy::generate_syscall_table_source());
      return 0;
    }
    if (name.empty() || symbol.empty() || output.empty() || input.empty())
      return usage_error("missing arguments");
    if (!valid_name(name))
      return usage_error("--name " + name + ": expected a helper name ([a-z0-9_-]+)");
    if (!valid_symbol(symbol))
      return usage_error("--symbol " + symbol + ": expected a C++ identifier");

    auto policy = ccinit::policy::parse_policy_file(input);
    if (sanitizer_rules) ccinit::policy::add_sanitizer_rules(policy);
    const std::string source = ccinit::policy::generate_policy_source(policy, name, symbol);
    if (!bpf_out.empty())
      write_output(bpf_out, ccinit::policy::program_bytes(ccinit::policy::compile_program(policy)));
    write_output(output, source);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
