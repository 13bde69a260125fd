#include "tests/support/fake_nvidia_tool/record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "common/text_lines.h"
#include "common/unique_fd.h"

namespace ccinit::fake_nvidia {

namespace {

bool write_whole(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void make_parents(const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    ::mkdir(path.substr(0, slash).c_str(), 0755);
}

void append_line(const std::string& path, const std::string& line) {
  make_parents(path);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd) write_whole(fd.get(), line + "\n");
}

std::string state_path(const std::string& file) {
  return std::string(kStateDir) + "/" + file;
}

}  // namespace

std::uint64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

void record_call(const std::string& name, const std::vector<std::string>& args) {
  const std::uint64_t started = monotonic_ns();
  std::string line = name;
  for (const std::string& arg : args) line += " " + arg;
  const std::string start_line = std::to_string(started) + " " + line;
  append_line(state_path("calls.log"), line);
  append_line(state_path("starts.log"), start_line);
  struct stat st {};
  if (::stat(kKeptDir, &st) == 0 && S_ISDIR(st.st_mode)) {
    append_line(std::string(kKeptDir) + "/calls.log", line);
    append_line(std::string(kKeptDir) + "/starts.log", start_line);
  }
}

void record_environment(const std::string& name, char** envp) {
  std::string text;
  for (char** var = envp; var && *var; ++var) text += std::string(*var) + "\n";
  write_file(state_path(name + ".env"), text);
}

void record_timestamp(const std::string& file, std::uint64_t ns) {
  write_file(state_path(file), std::to_string(ns) + "\n");
}

bool write_file(const std::string& path, std::string_view text) {
  make_parents(path);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd && write_whole(fd.get(), text);
}

Config load_config() {
  UniqueFd fd(::open(kConfigPath, O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return parse_key_values(text);
}

Config parse_key_values(std::string_view text) {
  Config keys;
  for_each_line(text, [&](std::string_view line) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string_view::npos) return;
    keys[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  });
  return keys;
}

std::string setting(const Config& config, const std::string& key, const std::string& fallback) {
  auto found = config.find(key);
  return found == config.end() ? fallback : found->second;
}

}  // namespace ccinit::fake_nvidia
