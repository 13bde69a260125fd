#include "proto/channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit::wire {
namespace {

std::string protocol_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ProtocolError";
  return "";
}

Request sample_request() {
  Request request;
  request.set_dry_run(true);
  Config* config = request.mutable_config();
  config->set_mode(MODE_CPU);
  config->set_log_level(LOG_DEBUG);
  config->set_log_level_set(true);
  config->set_uvm_persistence_mode(true);
  HelperTimeout* timeout = config->add_timeouts();
  timeout->set_name("mounter");
  timeout->set_seconds(12);
  ExtensionVerity* ext = config->add_extensions();
  ext->set_name("gpu");
  ext->set_data_blocks(1ull << 40);
  return request;
}

std::string framed(const google::protobuf::MessageLite& message) {
  return encode_frame(message.SerializeAsString());
}

Event log_event(const std::string& text) {
  Event event;
  event.mutable_log()->set_level(LOG_INFO);
  event.mutable_log()->set_text(text);
  return event;
}

Event result_event(bool ok, const std::string& error) {
  Event event;
  event.mutable_result()->set_ok(ok);
  event.mutable_result()->set_error(error);
  return event;
}

// PID 1's side of the request pipe: writes `bytes` and closes, as PID 1 does.
Request receive(const std::string& bytes) {
  Pipe p = make_pipe();
  write_all(p.write_end.get(), bytes);
  p.write_end.reset();
  HelperChannel channel(p.read_end.get(), -1);
  return channel.receive_request();
}

// Everything written to a pipe's write end until it is closed, read in small chunks.
std::vector<std::string> drain_in_chunks(int fd, std::size_t chunk) {
  std::vector<std::string> chunks;
  std::string buf(chunk, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("read");
    if (n == 0) break;
    chunks.push_back(buf.substr(0, static_cast<std::size_t>(n)));
  }
  return chunks;
}

// ---- helper side: the request -------------------------------------------------------

TEST(HelperChannel, OneRequestThenEofIsAccepted) {
  Request sent = sample_request();
  Request got = receive(framed(sent));
  EXPECT_EQ(got.SerializeAsString(), sent.SerializeAsString());
  EXPECT_TRUE(got.dry_run());
  EXPECT_EQ(got.config().mode(), MODE_CPU);
  ASSERT_EQ(got.config().timeouts_size(), 1);
  EXPECT_EQ(got.config().timeouts(0).seconds(), 12u);
}

TEST(HelperChannel, AnEmptyRequestIsStillARequest) {
  // proto3 encodes an all-default Request as zero bytes: a zero-length frame is valid.
  Request got = receive(encode_frame(""));
  EXPECT_FALSE(got.dry_run());
  EXPECT_FALSE(got.has_config());
}

TEST(HelperChannel, MissingRequestIsRefused) {
  std::string msg = protocol_error_of([] { receive(""); });
  EXPECT_NE(msg.find("no request"), std::string::npos) << msg;
}

TEST(HelperChannel, SecondRequestIsRefused) {
  std::string msg =
      protocol_error_of([] { receive(framed(sample_request()) + framed(sample_request())); });
  EXPECT_NE(msg.find("second request"), std::string::npos) << msg;
  // Even an empty second frame counts.
  msg = protocol_error_of([] { receive(framed(sample_request()) + encode_frame("")); });
  EXPECT_NE(msg.find("second request"), std::string::npos) << msg;
}

TEST(HelperChannel, TrailingGarbageAfterTheRequestIsRefused) {
  for (std::string garbage : {std::string("x"), std::string("xyz"), std::string("\0", 1),
                              std::string("garbage after the request")}) {
    SCOPED_TRACE(garbage);
    std::string msg = protocol_error_of([&] { receive(framed(sample_request()) + garbage); });
    EXPECT_NE(msg.find("trailing bytes after the request"), std::string::npos) << msg;
  }
}

TEST(HelperChannel, TruncatedRequestIsRefused) {
  std::string whole = framed(sample_request());
  for (std::size_t keep : {std::size_t{2}, std::size_t{4}, whole.size() - 1}) {
    SCOPED_TRACE(keep);
    std::string msg = protocol_error_of([&] { receive(whole.substr(0, keep)); });
    EXPECT_NE(msg.find("bad request frame: end of stream inside a frame"), std::string::npos)
        << msg;
  }
}

TEST(HelperChannel, OversizedRequestIsRefused) {
  std::string msg = protocol_error_of([] { receive(std::string("\xff\xff\xff\xff", 4)); });
  EXPECT_NE(msg.find("bad request frame"), std::string::npos) << msg;
  EXPECT_NE(msg.find("limit"), std::string::npos) << msg;
}

TEST(HelperChannel, RequestThatIsNotAProtobufIsRefused) {
  // Field 1 (config) claiming 5 bytes with 2 present; then a tag with field number 0.
  for (std::string bytes :
       {std::string("\x0a\x05"
                    "ab"),
        std::string("\x00\x01", 2), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")}) {
    std::string msg = protocol_error_of([&] { receive(encode_frame(bytes)); });
    EXPECT_NE(msg.find("malformed request"), std::string::npos) << msg;
  }
}

// ---- helper side: events and the result ---------------------------------------------

TEST(HelperChannel, EventsThenOneResultReachTheEventStream) {
  Pipe p = make_pipe();
  {
    HelperChannel channel(-1, p.write_end.get());
    channel.send(log_event("mounting /proc"));
    Event progress;
    progress.mutable_progress()->set_step("mount");
    progress.mutable_progress()->set_done(true);
    channel.send(progress);
    Event daemon;
    daemon.mutable_daemon()->set_name("nvidia-persistenced");
    daemon.mutable_daemon()->set_pid(42);
    channel.send(daemon);
    EXPECT_FALSE(channel.result_sent());
    channel.send_result(false, "mount /proc: Permission denied");
    EXPECT_TRUE(channel.result_sent());
    p.write_end.reset();
  }
  // PID 1 reads in small, odd chunks: frames arrive split across reads.
  EventStream stream;
  std::vector<Event> events;
  for (const std::string& chunk : drain_in_chunks(p.read_end.get(), 7))
    for (Event& event : stream.feed(chunk)) events.push_back(std::move(event));
  EXPECT_NO_THROW(stream.end_of_stream());

  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].log().text(), "mounting /proc");
  EXPECT_EQ(events[1].progress().step(), "mount");
  EXPECT_TRUE(events[1].progress().done());
  EXPECT_EQ(events[2].daemon().pid(), 42);
  EXPECT_TRUE(events[3].has_result());
  ASSERT_TRUE(stream.result().has_value());
  EXPECT_FALSE(stream.result()->ok());
  EXPECT_EQ(stream.result()->error(), "mount /proc: Permission denied");
}

// Device data (a VPD keyword) or a tool's output need not be UTF-8: the real reason must
// reach PID 1 byte for byte, not as "malformed event message".
TEST(HelperChannel, TextThatIsNotUtf8ArrivesAsTheExactBytes) {
  const std::string bad = "VPD keyword SN: \xff\xfe\xc3(\x80 end";
  Pipe p = make_pipe();
  {
    HelperChannel channel(-1, p.write_end.get());
    channel.send(log_event(bad));
    Event progress;
    progress.mutable_progress()->set_step(bad);
    channel.send(progress);
    Event daemon;
    daemon.mutable_daemon()->set_name(bad);
    daemon.mutable_daemon()->set_pid(9);
    channel.send(daemon);
    channel.send_result(false, bad);
    p.write_end.reset();
  }
  EventStream stream;
  std::vector<Event> events;
  for (const std::string& chunk : drain_in_chunks(p.read_end.get(), 5))
    for (Event& event : stream.feed(chunk)) events.push_back(std::move(event));
  EXPECT_NO_THROW(stream.end_of_stream());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].log().text(), bad);
  EXPECT_EQ(events[1].progress().step(), bad);
  EXPECT_EQ(events[2].daemon().name(), bad);
  ASSERT_TRUE(stream.result().has_value());
  EXPECT_EQ(stream.result()->error(), bad);
}

TEST(HelperChannel, NoEventAfterTheResult) {
  Pipe p = make_pipe();
  HelperChannel channel(-1, p.write_end.get());
  channel.send_result(true, "");
  std::string msg = protocol_error_of([&] { channel.send(log_event("late")); });
  EXPECT_NE(msg.find("event after the result"), std::string::npos) << msg;
  msg = protocol_error_of([&] { channel.send_result(true, ""); });
  EXPECT_NE(msg.find("second result"), std::string::npos) << msg;
  p.write_end.reset();

  // Exactly one frame went out: the result.
  EventStream stream;
  std::vector<Event> events;
  for (const std::string& chunk : drain_in_chunks(p.read_end.get(), 4096))
    for (Event& event : stream.feed(chunk)) events.push_back(std::move(event));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].result().ok());
}

TEST(HelperChannel, ResultsOnlyThroughSendResult) {
  Pipe p = make_pipe();
  HelperChannel channel(-1, p.write_end.get());
  std::string msg = protocol_error_of([&] { channel.send(result_event(true, "")); });
  EXPECT_NE(msg.find("send_result"), std::string::npos) << msg;
  EXPECT_FALSE(channel.result_sent());
  p.write_end.reset();
  EXPECT_TRUE(drain_in_chunks(p.read_end.get(), 4096).empty());
}

// ---- PID 1 side: the event stream -----------------------------------------------------

TEST(EventStream, ResultIsCaptured) {
  EventStream stream;
  EXPECT_FALSE(stream.result().has_value());
  std::vector<Event> events =
      stream.feed(framed(log_event("a")) + framed(result_event(true, "all good")));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(stream.result().has_value());
  EXPECT_TRUE(stream.result()->ok());
  EXPECT_EQ(stream.result()->error(), "all good");
  EXPECT_NO_THROW(stream.end_of_stream());
}

TEST(EventStream, MissingResultLeavesNone) {
  EventStream stream;
  EXPECT_EQ(stream.feed(framed(log_event("a"))).size(), 1u);
  EXPECT_NO_THROW(stream.end_of_stream());
  EXPECT_FALSE(stream.result().has_value());
}

TEST(EventStream, EventsAfterTheResultAreRefused) {
  // In the same read as the result, and in a later read.
  EventStream same;
  std::string msg = protocol_error_of(
      [&] { same.feed(framed(result_event(true, "")) + framed(log_event("late"))); });
  EXPECT_NE(msg.find("after the result"), std::string::npos) << msg;

  EventStream later;
  later.feed(framed(result_event(true, "")));
  msg = protocol_error_of([&] { later.feed(framed(log_event("late"))); });
  EXPECT_NE(msg.find("after the result"), std::string::npos) << msg;
}

TEST(EventStream, ASecondResultIsRefused) {
  EventStream stream;
  stream.feed(framed(result_event(true, "")));
  std::string msg = protocol_error_of([&] { stream.feed(framed(result_event(false, "x"))); });
  EXPECT_NE(msg.find("after the result"), std::string::npos) << msg;
  // The first result stands.
  EXPECT_TRUE(stream.result()->ok());
}

TEST(EventStream, EventWithoutAKnownKindIsRefused) {
  // No kind set at all (zero bytes), and a kind this build does not know (field 9).
  for (std::string payload : {Event().SerializeAsString(), std::string("\x48\x01", 2)}) {
    EventStream stream;
    std::string msg = protocol_error_of([&] { stream.feed(encode_frame(payload)); });
    EXPECT_NE(msg.find("event of unknown type"), std::string::npos) << msg;
  }
}

TEST(EventStream, BytesThatAreNotAProtobufAreRefused) {
  for (std::string payload :
       {std::string("\x0a\x05"
                    "ab"),
        std::string("\x00", 1), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
        std::string("\x22\x02\x08", 3)}) {
    EventStream stream;
    std::string msg = protocol_error_of([&] { stream.feed(encode_frame(payload)); });
    EXPECT_NE(msg.find("malformed event"), std::string::npos) << msg;
  }
}

TEST(EventStream, EofInMidFrameIsRefused) {
  std::string frame = framed(log_event("cut short"));
  for (std::size_t keep : {std::size_t{1}, std::size_t{4}, frame.size() - 1}) {
    SCOPED_TRACE(keep);
    EventStream stream;
    EXPECT_TRUE(stream.feed(frame.substr(0, keep)).empty());
    std::string msg = protocol_error_of([&] { stream.end_of_stream(); });
    EXPECT_NE(msg.find("end of stream inside a frame"), std::string::npos) << msg;
  }
  // After a result too: a half frame behind it is still a breach.
  EventStream stream;
  stream.feed(framed(result_event(true, "")) + frame.substr(0, 3));
  EXPECT_THROW(stream.end_of_stream(), ProtocolError);
}

TEST(EventStream, OversizedFrameIsRefused) {
  EventStream stream;
  std::string msg = protocol_error_of([&] { stream.feed(std::string("\x01\x00\x01\x00", 4)); });
  EXPECT_NE(msg.find("bad frame"), std::string::npos) << msg;
  EXPECT_NE(msg.find("limit"), std::string::npos) << msg;
}

TEST(EventStream, EmptyStreamIsCleanButHasNoResult) {
  EventStream stream;
  EXPECT_TRUE(stream.feed("").empty());
  EXPECT_NO_THROW(stream.end_of_stream());
  EXPECT_FALSE(stream.result().has_value());
}

}  // namespace
}  // namespace ccinit::wire
