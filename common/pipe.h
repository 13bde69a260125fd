#pragma once

#include <fcntl.h>
#include <unistd.h>

#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit {

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

// A new pipe made with pipe2(flags), close-on-exec unless told otherwise; throws
// SysError("pipe"). Inline so that tools which link no ccinit library (ns-boot) can use it.
inline Pipe make_pipe(int flags = O_CLOEXEC) {
  int fds[2];
  if (::pipe2(fds, flags) != 0) throw SysError("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace ccinit
