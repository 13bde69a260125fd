#include "proto/protobuf_log.h"

#include <fcntl.h>
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "common/file_io.h"
#include "common/unique_fd.h"
#include "proto/ccinit.pb.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::wire {
namespace {

// What libprotobuf writes to stderr while f runs, with our handler installed.
template <typename F>
std::string stderr_of(F f) {
  testing::TempDir dir("protobuf-log");
  const std::string path = dir.path() + "/stderr";
  UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  UniqueFd saved(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  EXPECT_TRUE(out && saved);
  ::dup2(out.get(), STDERR_FILENO);
  install_protobuf_log_handler();
  f();
  google::protobuf::SetLogHandler(nullptr);  // nullptr: libprotobuf's default again
  ::dup2(saved.get(), STDERR_FILENO);
  return read_file(path);
}

bool printable_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

TEST(ProtobufLog, LibprotobufsOwnComplaintIsOneEscapedLine) {
  // A Config string that is not UTF-8: libprotobuf refuses the message and says why itself.
  Request request;
  request.mutable_config()->add_extensions()->set_name("\xff\n");
  const std::string bytes = request.SerializeAsString();
  const std::string text = stderr_of([&] { EXPECT_FALSE(Request().ParseFromString(bytes)); });
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.rfind("libprotobuf ERROR: ", 0), 0u) << text;
  ASSERT_EQ(text.back(), '\n');
  const std::string line = text.substr(0, text.size() - 1);
  EXPECT_TRUE(printable_ascii(line)) << line;
}

TEST(ProtobufLog, HelperControlledTextIsEscapedAndBounded) {
  const std::string line =
      protobuf_log_line(google::protobuf::LOGLEVEL_ERROR,
                        "field \x1b[2J\nccinit: power off: FORGED " + std::string(1000, 'x'));
  EXPECT_EQ(line.rfind("libprotobuf ERROR: field \\x1b[2J\\x0accinit: power off: FORGED x", 0), 0u)
      << line;
  EXPECT_LT(line.size(), 300u);
  EXPECT_TRUE(line.ends_with("...\n")) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
}  // namespace ccinit::wire
