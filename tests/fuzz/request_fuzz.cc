// A helper's side of the protocol: the request it reads from fd 3. The input is the whole
// content of that pipe (a memfd here, read the same way); receive_request may only return
// the one request or throw ProtocolError.
#include <sys/mman.h>
#include <unistd.h>

#include <google/protobuf/stubs/logging.h>

#include "common/file_io.h"
#include "common/unique_fd.h"
#include "proto/channel.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

namespace {

// libprotobuf logs each string field of invalid UTF-8 to stderr; thousands a second would
// drown the fuzzer's own output. What reaches the caller is what this target checks.
[[maybe_unused]] const bool kQuietProtobuf = (google::protobuf::SetLogHandler(nullptr), true);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  UniqueFd request(::memfd_create("fuzz-request", MFD_CLOEXEC));
  fuzz::require(request.get() >= 0, "memfd_create");
  write_all(request.get(), fuzz::as_text(data, size));
  fuzz::require(::lseek(request.get(), 0, SEEK_SET) == 0, "lseek");
  wire::HelperChannel channel(request.get(), -1);
  try {
    channel.receive_request();
  } catch (const wire::ProtocolError& e) {
    fuzz::require(fuzz::one_line(e.what()), "a ProtocolError is one line");
  }
  return 0;
}
