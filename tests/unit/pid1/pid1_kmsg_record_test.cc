#include <gtest/gtest.h>

#include <string>

#include "common/log_escape.h"
#include "pid1/kmsg_record.h"

namespace ccinit::pid1 {
namespace {

std::string record(int priority, const std::string& text) {
  KmsgRecord r(priority);
  return std::string(r.append(text).finish());
}

// The kept text of a cut record: between "ccinit: " and the mark.
std::string kept_text(const std::string& rec) {
  auto start = rec.find("ccinit: ") + 8;
  return rec.substr(start, rec.rfind("... [cut, ") - start);
}

TEST(KmsgRecord, ShortTextIsOneRecordAsIs) {
  EXPECT_EQ(record(3, "helper lockdown failed"), "<3>ccinit: helper lockdown failed\n");
  EXPECT_EQ(record(KmsgRecord::kNoPriority, "mounted"), "ccinit: mounted\n");
}

TEST(KmsgRecord, ExactlyTheLimitFitsOneMoreIsCut) {
  const std::string head = "<6>ccinit: ";
  const std::size_t room = kKmsgMaxRecord - head.size() - 1;
  EXPECT_EQ(record(6, std::string(room, 'a')), head + std::string(room, 'a') + "\n");
  std::string cut = record(6, std::string(room + 1, 'a'));
  EXPECT_EQ(cut.size(), kKmsgMaxRecord);
  EXPECT_TRUE(cut.ends_with("... [cut, " + std::to_string(room + 1) + " bytes]\n")) << cut;
}

TEST(KmsgRecord, LongTextIsCutToTheKernelLimitWithAMark) {
  for (std::size_t n : {992u, 1024u, 4123u, 100000u}) {
    std::string rec = record(3, std::string(n, 'x'));
    EXPECT_LE(rec.size(), kKmsgMaxRecord) << n;
    EXPECT_TRUE(rec.starts_with("<3>ccinit: xxx")) << rec;
    EXPECT_TRUE(rec.ends_with("xxx... [cut, " + std::to_string(n) + " bytes]\n")) << rec;
    EXPECT_EQ(rec.find('\n'), rec.size() - 1) << "one line";
  }
}

TEST(KmsgRecord, NeverCutsInsideAnEscapeSequence) {
  // Every offset of the cut relative to a \xNN sequence: the kept text ends with whole ones.
  for (std::size_t pad = 0; pad < 8; ++pad) {
    std::string escaped = std::string(pad, 'p') + escape_for_log(std::string(2000, '\x01'), 4000);
    std::string rec = record(3, escaped);
    ASSERT_LE(rec.size(), kKmsgMaxRecord);
    std::string kept = kept_text(rec);
    ASSERT_GE(kept.size(), pad);
    std::string escapes = kept.substr(pad);
    EXPECT_EQ(escapes.size() % 4, 0u) << "pad " << pad << ": " << kept;
    for (std::size_t i = 0; i < escapes.size(); i += 4) ASSERT_EQ(escapes.substr(i, 4), "\\x01");
    EXPECT_GE(rec.size(), kKmsgMaxRecord - 4) << "at most an escape's length is given up";
  }
}

TEST(KmsgRecord, NeverCutsInsideAUtf8Character) {
  for (std::size_t pad = 0; pad < 4; ++pad) {
    std::string text = std::string(pad, 'p');
    for (int i = 0; i < 600; ++i) text += "\xe2\x82\xac";  // EUR sign, 3 bytes
    std::string kept = kept_text(record(4, text));
    ASSERT_GE(kept.size(), pad);
    EXPECT_EQ((kept.size() - pad) % 3, 0u) << "pad " << pad;
  }
}

TEST(KmsgRecord, ControlBytesCannotStartARecordOfTheirOwn) {
  // The console prints each line of a record with a timestamp: a newline would forge one.
  EXPECT_EQ(record(6, "lockdown: ok\n[    1.0] ccinit: power off: FORGED\r\x1b[2J"),
            "<6>ccinit: lockdown: ok\\x0a[    1.0] ccinit: power off: FORGED\\x0d\\x1b[2J\n");
}

TEST(KmsgRecord, PiecesAreOneRecord) {
  KmsgRecord r(2, "ccinit: power off: ");
  EXPECT_EQ(r.append("PID 1 terminated: ").append("boom").finish(),
            "<2>ccinit: power off: PID 1 terminated: boom\n");
  KmsgRecord cut(2, "ccinit: power off: ");
  std::string rec(cut.append("PID 1 terminated: ").append(std::string(5000, 'e')).finish());
  EXPECT_LE(rec.size(), kKmsgMaxRecord);
  EXPECT_TRUE(rec.starts_with("<2>ccinit: power off: PID 1 terminated: eee")) << rec;
  EXPECT_TRUE(rec.ends_with("... [cut, 5018 bytes]\n")) << rec;
}

}  // namespace
}  // namespace ccinit::pid1
