// Replays a fuzz target's committed inputs without libFuzzer: every file in each directory
// given (its seed corpus, then its crash regressions) goes through LLVMFuzzerTestOneInput
// once. Built with the ordinary compiler and sanitizers, it puts every corpus and every
// regression into the unit tests, so CI runs them even where no clang is installed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [REGRESSION_DIR...]\n", argv[0]);
    return 2;
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path dir = argv[i];
    // The corpus must be there: a moved directory must not pass by replaying nothing.
    // Regression directories appear with their first crash.
    if (!fs::is_directory(dir)) {
      if (i == 1) {
        std::fprintf(stderr, "no corpus directory %s\n", dir.c_str());
        return 1;
      }
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (i == 1 && files.empty()) {
      std::fprintf(stderr, "empty corpus directory %s\n", dir.c_str());
      return 1;
    }
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay %s\n", file.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return 0;
}
