#include "proto/frame.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit::wire {
namespace {

using namespace std::chrono_literals;

// A 4-byte little-endian header announcing `length` payload bytes.
std::string header(std::uint32_t length) {
  std::string h;
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return h;
}

// Payload bytes that differ at every position, so a misplaced byte is noticed.
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 256) & 0xff);
  return s;
}

// Writes `data` in `chunk`-byte writes with a pause after each, then closes the pipe, so
// the reader sees many short reads and then EOF.
std::thread slow_writer(UniqueFd fd, std::string data, std::size_t chunk,
                        std::chrono::microseconds pause) {
  return std::thread([fd = std::move(fd), data = std::move(data), chunk, pause]() {
    for (std::size_t off = 0; off < data.size(); off += chunk) {
      write_all(fd.get(), std::string_view(data).substr(off, chunk));
      std::this_thread::sleep_for(pause);
    }
  });
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FrameError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no FrameError";
  return "";
}

// ---- encoding -------------------------------------------------------------------------

TEST(Frame, EncodesLittleEndianLengthThenPayload) {
  EXPECT_EQ(encode_frame(""), std::string(4, '\0'));
  EXPECT_EQ(encode_frame("abc"), std::string("\x03\x00\x00\x00"
                                             "abc",
                                             7));
  std::string payload = pattern(0x1234);
  std::string frame = encode_frame(payload);
  ASSERT_EQ(frame.size(), 4 + payload.size());
  EXPECT_EQ(frame.substr(0, 4), std::string("\x34\x12\x00\x00", 4));
  EXPECT_EQ(frame.substr(4), payload);
}

TEST(Frame, EncodeAcceptsExactlyTheMaximum) {
  std::string frame = encode_frame(std::string(kMaxFramePayload, 'm'));
  EXPECT_EQ(frame.substr(0, 4), header(kMaxFramePayload));
  EXPECT_EQ(frame.size(), kFrameHeaderSize + kMaxFramePayload);
}

TEST(Frame, EncodeRefusesOneByteOverTheMaximum) {
  std::string msg = error_of([] { encode_frame(std::string(kMaxFramePayload + 1, 'm')); });
  EXPECT_NE(msg.find("65537"), std::string::npos) << msg;
  EXPECT_NE(msg.find("65536-byte limit"), std::string::npos) << msg;
}

TEST(Frame, WriteFrameRefusesOversizeWithoutWritingAnything) {
  Pipe p = make_pipe();
  EXPECT_THROW(write_frame(p.write_end.get(), std::string(kMaxFramePayload + 1, 'm')), FrameError);
  p.write_end.reset();
  EXPECT_EQ(read_frame(p.read_end.get()), std::nullopt);
}

// ---- the blocking reader --------------------------------------------------------------

TEST(FrameReader, RoundTripsThroughAPipe) {
  const std::vector<std::string> payloads = {
      "", "x", std::string("\0\xff\n\0", 4), pattern(1000), pattern(kMaxFramePayload), "last"};
  Pipe p = make_pipe();
  std::thread writer([&payloads, fd = std::move(p.write_end)]() {
    for (const std::string& payload : payloads) write_frame(fd.get(), payload);
  });
  for (const std::string& expected : payloads) {
    std::optional<std::string> got = read_frame(p.read_end.get());
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->size(), expected.size());
    EXPECT_TRUE(*got == expected);
  }
  EXPECT_EQ(read_frame(p.read_end.get()), std::nullopt);
  writer.join();
}

TEST(FrameReader, EofAtAFrameBoundaryIsACleanEnd) {
  Pipe empty = make_pipe();
  empty.write_end.reset();
  EXPECT_EQ(read_frame(empty.read_end.get()), std::nullopt);

  Pipe one = make_pipe();
  write_frame(one.write_end.get(), "only");
  one.write_end.reset();
  EXPECT_EQ(read_frame(one.read_end.get()), "only");
  EXPECT_EQ(read_frame(one.read_end.get()), std::nullopt);
  // And it stays ended.
  EXPECT_EQ(read_frame(one.read_end.get()), std::nullopt);
}

TEST(FrameReader, TruncatedHeaderIsAnError) {
  for (std::size_t n : {1, 2, 3}) {
    SCOPED_TRACE(n);
    Pipe p = make_pipe();
    write_all(p.write_end.get(), header(5).substr(0, n));
    p.write_end.reset();
    std::string msg = error_of([&] { read_frame(p.read_end.get()); });
    EXPECT_NE(msg.find("inside a frame header"), std::string::npos) << msg;
  }
}

TEST(FrameReader, TruncatedPayloadIsAnError) {
  for (std::size_t sent : {0, 1, 9}) {
    SCOPED_TRACE(sent);
    Pipe p = make_pipe();
    write_all(p.write_end.get(), header(10) + std::string(sent, 'p'));
    p.write_end.reset();
    std::string msg = error_of([&] { read_frame(p.read_end.get()); });
    EXPECT_NE(msg.find("inside a frame payload"), std::string::npos) << msg;
  }
}

TEST(FrameReader, AcceptsAHeaderAnnouncingExactlyTheMaximum) {
  Pipe p = make_pipe();
  std::string payload = pattern(kMaxFramePayload);
  std::thread writer =
      slow_writer(std::move(p.write_end), header(kMaxFramePayload) + payload, 8192, 0us);
  EXPECT_EQ(read_frame(p.read_end.get()), payload);
  writer.join();
}

// The length must be refused from the header alone: the writer keeps the pipe open and
// sends no payload, so a reader that tried to read (or allocate) first would hang.
TEST(FrameReader, RefusesAnOversizedHeaderWithoutWaitingForThePayload) {
  for (std::uint32_t announced :
       {static_cast<std::uint32_t>(kMaxFramePayload + 1), 0x01000000u, 0xffffffffu}) {
    SCOPED_TRACE(announced);
    Pipe p = make_pipe();
    write_all(p.write_end.get(), header(announced));
    auto result = std::async(std::launch::async, [fd = p.read_end.get()] {
      try {
        read_frame(fd);
        return std::string("read_frame returned");
      } catch (const FrameError& e) {
        return std::string(e.what());
      }
    });
    if (result.wait_for(10s) != std::future_status::ready) {
      p.write_end.reset();  // unblock the reader so the test can end
      result.wait();
      FAIL() << "the reader waited for the payload of a " << announced << "-byte frame";
    }
    std::string msg = result.get();
    EXPECT_NE(msg.find(std::to_string(announced) + " bytes is over the 65536-byte limit"),
              std::string::npos)
        << msg;
  }
}

// Proof that nothing is allocated for an oversized frame: in a child whose address space
// cannot grow by 4 GiB, the reader must still fail with the clean FrameError.
TEST(FrameReader, RefusesA4GiBHeaderBeforeAllocating) {
  Pipe p = make_pipe();
  write_all(p.write_end.get(), header(0xffffffffu));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string statm = read_file("/proc/self/statm");
    rlim_t pages = std::stoull(statm);
    rlim_t limit = pages * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (512ull << 20);
    struct rlimit rl = {limit, limit};
    if (::setrlimit(RLIMIT_AS, &rl) != 0) ::_exit(3);
    try {
      read_frame(p.read_end.get());
    } catch (const FrameError&) {
      FrameDecoder decoder;
      try {
        decoder.feed(header(0xffffffffu));
      } catch (const FrameError&) {
        ::_exit(0);
      }
      ::_exit(4);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST(FrameReader, GarbageIsRefused) {
  // ASCII text read as a length is far over the limit.
  Pipe p = make_pipe();
  write_all(p.write_end.get(), "hello, this is not a frame\n");
  p.write_end.reset();
  std::string msg = error_of([&] { read_frame(p.read_end.get()); });
  EXPECT_NE(msg.find("limit"), std::string::npos) << msg;
}

TEST(FrameReader, AssemblesAFrameFromShortReads) {
  // One byte per write with pauses: the reader sees many short reads, no EINTR involved.
  Pipe p = make_pipe();
  std::string payload = pattern(300);
  std::string stream = encode_frame(payload) + encode_frame("second");
  std::thread writer = slow_writer(std::move(p.write_end), stream, 1, 50us);
  EXPECT_EQ(read_frame(p.read_end.get()), payload);
  EXPECT_EQ(read_frame(p.read_end.get()), "second");
  EXPECT_EQ(read_frame(p.read_end.get()), std::nullopt);
  writer.join();

  // Chunks that straddle the header and the frame boundaries.
  Pipe q = make_pipe();
  std::string big = pattern(20000);
  writer = slow_writer(std::move(q.write_end), encode_frame(big) + encode_frame("x"), 4093, 0us);
  EXPECT_EQ(read_frame(q.read_end.get()), big);
  EXPECT_EQ(read_frame(q.read_end.get()), "x");
  EXPECT_EQ(read_frame(q.read_end.get()), std::nullopt);
  writer.join();
}

TEST(FrameReader, ReadErrorsAreSystemErrors) {
  EXPECT_THROW(read_frame(-1), SysError);
}

// ---- the incremental decoder ----------------------------------------------------------

TEST(FrameDecoder, TwoFramesInOneFeed) {
  FrameDecoder d;
  d.feed(encode_frame("first") + encode_frame("") + encode_frame("third"));
  EXPECT_EQ(d.next(), "first");
  EXPECT_EQ(d.next(), "");
  EXPECT_EQ(d.next(), "third");
  EXPECT_EQ(d.next(), std::nullopt);
  EXPECT_FALSE(d.mid_frame());
}

TEST(FrameDecoder, ByteByByte) {
  std::string payload = pattern(513);
  std::string stream = encode_frame(payload) + encode_frame("") + encode_frame("z");
  FrameDecoder d;
  std::vector<std::string> frames;
  std::vector<std::size_t> completed_at;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    d.feed(stream.substr(i, 1));
    while (auto frame = d.next()) {
      frames.push_back(*frame);
      completed_at.push_back(i + 1);
    }
    bool at_boundary = i + 1 == 4 + 513 || i + 1 == 4 + 513 + 4 || i + 1 == stream.size();
    EXPECT_EQ(d.mid_frame(), !at_boundary) << "after byte " << i + 1;
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], payload);
  EXPECT_EQ(frames[1], "");
  EXPECT_EQ(frames[2], "z");
  // Each frame is handed out the moment its last byte arrives, not later.
  EXPECT_EQ(completed_at, (std::vector<std::size_t>{517, 521, 526}));
}

TEST(FrameDecoder, ExactMaximumAccepted) {
  FrameDecoder d;
  std::string payload = pattern(kMaxFramePayload);
  d.feed(encode_frame(payload));
  EXPECT_EQ(d.next(), payload);
  EXPECT_FALSE(d.mid_frame());
}

TEST(FrameDecoder, OversizedHeaderRefusedAtFeed) {
  for (std::uint32_t announced : {static_cast<std::uint32_t>(kMaxFramePayload + 1), 0xffffffffu}) {
    SCOPED_TRACE(announced);
    FrameDecoder whole;
    EXPECT_THROW(whole.feed(header(announced)), FrameError);
    // A header split across reads is refused when its last byte arrives.
    FrameDecoder split;
    std::string h = header(announced);
    EXPECT_NO_THROW(split.feed(h.substr(0, 3)));
    EXPECT_THROW(split.feed(h.substr(3)), FrameError);
    // Behind a good frame in the same read: refused in that feed, not one call later.
    FrameDecoder behind;
    EXPECT_THROW(behind.feed(encode_frame("ok") + header(announced)), FrameError);
  }
}

TEST(FrameDecoder, GarbageRefused) {
  FrameDecoder d;
  EXPECT_THROW(d.feed("GET / HTTP/1.1\r\n"), FrameError);
}

TEST(FrameDecoder, TruncationIsVisibleAsMidFrame) {
  FrameDecoder header_only;
  header_only.feed(header(10).substr(0, 2));
  EXPECT_EQ(header_only.next(), std::nullopt);
  EXPECT_TRUE(header_only.mid_frame());

  FrameDecoder payload_cut;
  payload_cut.feed(header(10) + "12345");
  EXPECT_EQ(payload_cut.next(), std::nullopt);
  EXPECT_TRUE(payload_cut.mid_frame());
  payload_cut.feed("67890");
  EXPECT_EQ(payload_cut.next(), "1234567890");
  EXPECT_FALSE(payload_cut.mid_frame());

  FrameDecoder fresh;
  EXPECT_FALSE(fresh.mid_frame());
  EXPECT_EQ(fresh.next(), std::nullopt);
}

}  // namespace
}  // namespace ccinit::wire
