#pragma once

#include <chrono>
#include <deque>
#include <functional>

#include "helpers/extensions/block_events.h"

namespace ccinit::extensions::testing {

// BlockEvents that replays a script: each wait runs the next step (which changes the fake
// sysfs as the kernel would) and reports a block event; when the script is done, the deadline
// has passed. Counts the waits so tests can tell how often the waiter looked.
class FakeBlockEvents : public BlockEvents {
 public:
  void then(std::function<void()> step) { steps_.push_back({std::move(step), true}); }
  // A step during which the deadline passes: the change happens, but the wait times out.
  void then_deadline(std::function<void()> step) { steps_.push_back({std::move(step), false}); }

  bool wait_for_block_add(std::chrono::steady_clock::time_point) override {
    ++waits_;
    if (steps_.empty()) return false;
    Step step = std::move(steps_.front());
    steps_.pop_front();
    step.change();
    return step.event;
  }

  int waits() const { return waits_; }
  bool script_done() const { return steps_.empty(); }

 private:
  struct Step {
    std::function<void()> change;
    bool event = true;
  };
  std::deque<Step> steps_;
  int waits_ = 0;
};

}  // namespace ccinit::extensions::testing
