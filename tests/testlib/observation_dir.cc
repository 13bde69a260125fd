#include "tests/testlib/observation_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace ccinit::testing {

std::string new_observation_file(std::string_view kind) {
  const char* dir = std::getenv("CCINIT_OBSERVE_DIR");
  if (!dir || !*dir) return "";
  std::filesystem::create_directories(dir);
  static int boots = 0;
  std::string test = "boot";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
    test = std::string(info->test_suite_name()) + "." + info->name();
  // Parameterized tests' names hold '/'.
  for (char& c : test)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  return std::string(dir) + "/" + test + "-" + std::string(kind) + "-" +
         std::to_string(::getpid()) + "-" + std::to_string(++boots) + ".observed";
}

}  // namespace ccinit::testing
