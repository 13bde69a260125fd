#include "common/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit {
namespace {

// FIPS 180-4 / NIST CSRC example vectors.
TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The padding edge: 55 bytes still fit the length in one block, 56 need a second one;
// 63/64/65 cross the block boundary itself. Values from coreutils sha256sum.
TEST(Sha256, PaddingBoundaries) {
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(63, 'a')),
            "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(sha256_hex(std::string(65, 'a')),
            "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

// Bytes that are not 'a': every value 0..255 in a sequence, so a sign-extension or
// byte-order mistake on high bytes cannot hide.
std::string varied_bytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 167 + 13) & 0xff);
  return s;
}

// Every length from 0 to 200 (all padding cases, one to four blocks) against coreutils'
// sha256sum, run now on files written by the test: one known-good implementation.
TEST(Sha256, MatchesSha256sumForEveryLengthUpTo200) {
  const testing::TempDir scratch("sha256_test");
  const std::string& dir = scratch.path();
  constexpr std::size_t kMaxLen = 200;
  for (std::size_t n = 0; n <= kMaxLen; ++n) {
    std::string path = dir + "/" + std::to_string(n);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd) << path;
    write_all(fd.get(), varied_bytes(n));
  }

  // The shell expands the file names.
  const testing::ProgramRun run =
      testing::run_program({"/bin/sh", "-c", "cd '" + dir + "' && sha256sum -- *"});
  ASSERT_TRUE(run.exited_with(0)) << "sha256sum (coreutils) failed or is missing: "
                                  << run.describe();
  std::map<std::size_t, std::string> expected;
  for (const std::string& text : run.out_lines()) {
    ASSERT_GE(text.size(), 67u) << text;
    expected[std::stoul(text.substr(66))] = text.substr(0, 64);
  }

  ASSERT_EQ(expected.size(), kMaxLen + 1);
  for (std::size_t n = 0; n <= kMaxLen; ++n)
    EXPECT_EQ(sha256_hex(varied_bytes(n)), expected[n]) << "length " << n;
}

TEST(Sha256, OutputIsLowerCaseHex) {
  std::string hex = sha256_hex(varied_bytes(1000));
  ASSERT_EQ(hex.size(), 64u);
  for (char c : hex) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << hex;
}

}  // namespace
}  // namespace ccinit
