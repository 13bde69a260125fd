#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"

namespace ccinit::pid1 {

// An spdlog sink that writes one /dev/kmsg record per message: "<N>ccinit: text", N the
// syslog level, cut to what the kernel accepts (pid1/kmsg_record.h). Before /dev is mounted
// it writes to stderr, the console the kernel gave init, in lines of the same bound. Until
// the kernel command line has been read (and with it nvrc.log) records are held back, so a
// boot with logging off prints nothing even from the first helper.
class KmsgSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  // Records held back before the level is known; older ones are dropped beyond this.
  static constexpr std::size_t kMaxHeld = 512;

  explicit KmsgSink(std::string kmsg_path = "/dev/kmsg") : kmsg_path_(std::move(kmsg_path)) {}

  // Ends holding back: records at `level` or above are written, the rest dropped.
  void release_held(spdlog::level::level_enum level);
  // Writes one record whatever the level, at syslog priority `priority` (e.g. 5, notice,
  // which spdlog has no level for); used for the reason of a power-off, which must reach the
  // console: it goes through a kmsg file of its own (the kernel rate-limits each open file,
  // so a flood through the shared one cannot suppress it), and to stderr if that fails.
  void write_always(int priority, std::string_view text);
  // The fd records go to right now (for the crash handler, which cannot allocate).
  int current_fd();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  struct Held {
    spdlog::level::level_enum level;
    std::string text;
  };
  void emit(int priority, std::string_view text);
  std::string kmsg_path_;
  UniqueFd kmsg_;
  bool holding_ = true;
  std::vector<Held> held_;
};

}  // namespace ccinit::pid1
