// policyc --name NAME --output OUT.cc INPUT.policy
//
// Compiles a helper's seccomp policy into the C++ table the helper links. Any problem in
// the policy fails the build with one "file:line: message" line on stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "policy/policy_parser.h"

namespace {

constexpr const char* kUsage =
    "usage: policyc --name NAME --symbol IDENT --output OUT.cc INPUT.policy";

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
  std::string name, symbol, output, input;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--name" || arg == "--output" || arg == "--symbol") && i + 1 < argc) {
      (arg == "--name" ? name : arg == "--output" ? output : symbol) = argv[++i];
    } else if (!arg.starts_with("-") && input.empty()) {
      input = arg;
    } else {
      return usage_error("unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (name.empty() || symbol.empty() || output.empty() || input.empty())
    return usage_error("missing arguments");
  if (!valid_name(name))
    return usage_error("--name " + name + ": expected a helper name ([a-z0-9_-]+)");
  if (!valid_name(symbol) || symbol.find('-') != std::string::npos || symbol[0] <= '9')
    return usage_error("--symbol " + symbol + ": expected a C++ identifier ([a-z_][a-z0-9_]*)");

  try {
    const auto policy = ccinit::policy::parse_policy_file(input);
    write_output(output, ccinit::policy::generate_policy_source(policy, name, symbol));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
