#pragma once

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace ccinit::testing {

// A fresh directory <$TMPDIR or /tmp>/<prefix>.XXXXXX, removed with everything in it when
// the object goes. The prefix says which test left a directory behind after a crash.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + ".XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& relative) const {
    return std::filesystem::path(path_) / relative;
  }
  // Writes `text` to the file `relative` inside the directory; returns the file's path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
    std::filesystem::path file = *this / relative;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

}  // namespace ccinit::testing
